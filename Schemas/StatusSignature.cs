using System.Security.Cryptography;
using System.Text;

namespace RecallFiles.Schemas;

/// <summary>
/// The signature of a status file (issue 13): HMAC-SHA256 of the file's exact bytes with a key the cloud and the
/// practice's agent share, in a sidecar <c>NAME.sig</c> (<c>hmac-sha256=</c> and 64 hex digits), so the status file
/// itself stays in the tuOtempO format. The agent refuses a status file without a valid signature when it has keys:
/// whoever can write to a practice's <c>status/</c> folder can no longer confirm or break its appointments.
/// </summary>
public static class StatusSignature
{
    /// <summary>The sidecar's suffix.</summary>
    public const string Suffix = ".sig";

    private const string Prefix = "hmac-sha256=";

    /// <summary>The smallest key accepted, in bytes (256 bits).</summary>
    public const int MinKeyBytes = 32;

    /// <summary>The sidecar's text for <paramref name="content"/>.</summary>
    public static string Sign(byte[] key, ReadOnlySpan<byte> content)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(key, content));
    }

    /// <summary>True when <paramref name="sidecar"/> is the signature of <paramref name="content"/> under one of <paramref name="keys"/> (constant time).</summary>
    public static bool Verify(IEnumerable<byte[]> keys, ReadOnlySpan<byte> content, string? sidecar)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var macs = new List<byte[]>();
        foreach (var key in keys)
        {
            macs.Add(HMACSHA256.HashData(key, content));
        }

        return Matches(macs, sidecar);
    }

    /// <summary>True when <paramref name="sidecar"/> carries one of <paramref name="macs"/> (HMACs computed by the caller, say over a stream; constant time).</summary>
    public static bool Matches(IEnumerable<byte[]> macs, string? sidecar)
    {
        ArgumentNullException.ThrowIfNull(macs);
        var text = sidecar?.Trim();
        if (text is null || !text.StartsWith(Prefix, StringComparison.Ordinal) || text.Length != Prefix.Length + 64)
        {
            return false;
        }

        byte[] given;
        try
        {
            given = Convert.FromHexString(text.AsSpan(Prefix.Length));
        }
        catch (FormatException)
        {
            return false;
        }

        var ok = false;
        foreach (var mac in macs)
        {
            ok |= CryptographicOperations.FixedTimeEquals(mac, given);
        }

        return ok;
    }

    /// <summary>The key in <paramref name="base64"/>, or null when it is not base64 of at least <see cref="MinKeyBytes"/> bytes.</summary>
    public static byte[]? ParseKey(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            return null;
        }

        var buffer = new byte[base64.Length];
        return Convert.TryFromBase64String(base64.Trim(), buffer, out var written) && written >= MinKeyBytes ? buffer[..written] : null;
    }

    /// <summary>A new random key, base64 (as <c>openssl rand -base64 32</c> makes one).</summary>
    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(MinKeyBytes));

    /// <summary>The sidecar's bytes.</summary>
    public static byte[] Encode(string signature) => Encoding.ASCII.GetBytes(signature + "\r\n");
}
