using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace RecallFiles.Scheduler.Dashboards;

/// <summary>
/// Dashboard password hashes: PBKDF2-HMAC-SHA256, 600,000 iterations (OWASP 2023), 16-byte salt, as
/// <c>pbkdf2-sha256$600000$SALT$HASH</c> (base64). Only the hash is configured; the password never is.
/// </summary>
internal static class PasswordHash
{
    private const string Scheme = "pbkdf2-sha256";
    private const int Iterations = 600_000;

    /// <summary>Hashes <paramref name="password"/> with a fresh salt (600,000 iterations, 32 bytes unless told).</summary>
    public static string Create(string password, int iterations = Iterations, int hashBytes = 32)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 100_000);
        ArgumentOutOfRangeException.ThrowIfLessThan(hashBytes, 32);
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, hashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>True when <paramref name="encoded"/> is a hash this class can verify.</summary>
    public static bool IsWellFormed(string? encoded) => TryParse(encoded, out _, out _, out _);

    /// <summary>
    /// What <see cref="Verify"/> costs against <paramref name="encoded"/>: its PBKDF2 iterations and output bytes (the work
    /// is iterations × 32-byte blocks); null when the hash is not well formed (then no PBKDF2 runs).
    /// </summary>
    public static (int Iterations, int HashBytes)? Cost(string? encoded) =>
        TryParse(encoded, out var iterations, out _, out var hash) ? (iterations, hash.Length) : null;

    /// <summary>Checks <paramref name="password"/> against <paramref name="encoded"/> in constant time.</summary>
    public static bool Verify(string password, string encoded)
    {
        if (!TryParse(encoded, out var iterations, out var salt, out var expected))
        {
            return false;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password ?? ""), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    private static bool TryParse(string? encoded, out int iterations, out byte[] salt, out byte[] hash)
    {
        iterations = 0;
        salt = hash = [];
        var parts = encoded?.Trim().Split('$');
        if (parts is not [Scheme, var count, var saltText, var hashText]
            || !int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations < 100_000)
        {
            return false;
        }

        try
        {
            salt = Convert.FromBase64String(saltText);
            hash = Convert.FromBase64String(hashText);
        }
        catch (FormatException)
        {
            return false;
        }

        return salt.Length >= 16 && hash.Length >= 32;
    }
}
