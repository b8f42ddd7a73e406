using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using OtpNet;
using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Scheduler.Dashboards;

/// <summary>
/// The dashboard's logins: <c>RecallFiles:Dashboard:Users:N</c> (environment variables such as
/// <c>RecallFiles__Dashboard__Users__0__PasswordHash</c>) plus the secret file <c>RecallFiles:Dashboard:UsersFile</c>
/// (<c>NAME ROLE HASH [TOTP]</c> per line). <see cref="Verify"/> costs the same for an unknown login as for a known one
/// with a wrong password (issue 12: a PBKDF2 run against a dummy hash), so timing does not tell which logins exist.
/// </summary>
internal sealed class DashboardUsers
{
    private readonly Dictionary<string, DashboardUser> _users;
    private readonly ConcurrentDictionary<string, long> _lastTotpStep = new(StringComparer.Ordinal);

    // Same scheme as the real hashes and the cost of the costliest one (an older hash may have fewer iterations);
    // its password is random and never known.
    private readonly string _dummyHash;

    private DashboardUsers(IEnumerable<DashboardUser> users)
    {
        _users = users.GroupBy(u => u.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var costs = _users.Values.Select(u => PasswordHash.Cost(u.PasswordHash)).OfType<(int Iterations, int HashBytes)>().ToList();
        _dummyHash = PasswordHash.Create(
            Convert.ToHexString(RandomNumberGenerator.GetBytes(16)),
            costs.Count == 0 ? 600_000 : costs.Max(c => c.Iterations),
            costs.Count == 0 ? 32 : costs.Max(c => c.HashBytes));
    }

    /// <summary>How many logins are configured.</summary>
    public int Count => _users.Count;

    /// <summary>Loads the logins of <paramref name="settings"/> (validated at start-up).</summary>
    public static DashboardUsers Load(DashboardSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (fromFile, _) = ReadFile(settings.UsersFile, "");
        return new DashboardUsers(settings.Users.Concat(fromFile));
    }

    /// <summary>True when <paramref name="name"/> is configured with <paramref name="role"/> (a session of a removed login ends).</summary>
    public bool Has(string name, DashboardRole role) => _users.TryGetValue(name, out var user) && user.Role == role;

    /// <summary>
    /// Checks a login: the password (always one PBKDF2 run, against a dummy hash for an unknown name), then the TOTP code
    /// when the login has a secret (each code once: a replayed code is refused).
    /// </summary>
    public LoginCheck Verify(string name, string password, string? code, DateTimeOffset now)
    {
        var known = _users.TryGetValue(name ?? "", out var user);
        var passwordOk = PasswordHash.Verify(password ?? "", HashToCheck(name ?? ""));
        if (!known || !passwordOk)
        {
            return new LoginCheck(LoginOutcome.WrongPassword, null);
        }

        if (string.IsNullOrWhiteSpace(user!.TotpSecret))
        {
            return new LoginCheck(LoginOutcome.Ok, user.Role);
        }

        if (string.IsNullOrWhiteSpace(code))
        {
            return new LoginCheck(LoginOutcome.CodeRequired, null);
        }

        var totp = new Totp(Base32Encoding.ToBytes(user.TotpSecret.Trim()));
        if (!totp.VerifyTotp(now.UtcDateTime, code.Trim(), out var step, new VerificationWindow(previous: 1, future: 1)))
        {
            return new LoginCheck(LoginOutcome.WrongCode, null);
        }

        // RFC 6238 5.2: a code is accepted once.
        var last = _lastTotpStep.GetOrAdd(user.Name, -1);
        if (step <= last || !_lastTotpStep.TryUpdate(user.Name, step, last))
        {
            return new LoginCheck(LoginOutcome.WrongCode, null);
        }

        return new LoginCheck(LoginOutcome.Ok, user.Role);
    }

    /// <summary>
    /// The hash <see cref="Verify"/> runs PBKDF2 against for <paramref name="name"/>: the login's own, or for an unknown
    /// name a dummy of the costliest configured cost, so both take one PBKDF2 run of the same work.
    /// </summary>
    public string HashToCheck(string name) => _users.TryGetValue(name, out var user) ? user.PasswordHash : _dummyHash;

    /// <summary>True when <paramref name="secret"/> is a base32 TOTP secret of at least 80 bits.</summary>
    public static bool IsTotpSecret(string? secret)
    {
        if (string.IsNullOrWhiteSpace(secret) || !secret.Trim().TrimEnd('=').All(c => c is >= 'A' and <= 'Z' or >= '2' and <= '7'))
        {
            return false;
        }

        return Base32Encoding.ToBytes(secret.Trim()).Length >= 10;
    }

    /// <summary>The problems of the dashboard settings, each naming its key; empty when usable.</summary>
    public static IEnumerable<string> Validate(DashboardSettings settings, string prefix)
    {
        ArgumentNullException.ThrowIfNull(settings);
        for (var i = 0; i < settings.Users.Count; i++)
        {
            var user = settings.Users[i];
            foreach (var problem in ValidateUser(user, $"{prefix}:Users:{i}"))
            {
                yield return problem;
            }
        }

        var (fromFile, problems) = ReadFile(settings.UsersFile, $"{prefix}:UsersFile");
        foreach (var problem in problems)
        {
            yield return problem;
        }

        foreach (var duplicate in settings.Users.Concat(fromFile).GroupBy(u => u.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            yield return $"{prefix}:Users: the login '{duplicate.Key}' is configured {duplicate.Count()} times; each login once";
        }

        if (settings.OverdueAfterIntervals is < 1 or > 100)
        {
            yield return $"{prefix}:OverdueAfterIntervals is {settings.OverdueAfterIntervals}; allowed 1-100";
        }

        foreach (var (value, name, min, max) in new[]
        {
            (settings.LockoutFailures, "LockoutFailures", 1, 1000), (settings.AddressLockoutFailures, "AddressLockoutFailures", 1, 100_000),
            (settings.LockoutMinutes, "LockoutMinutes", 1, 10_080), (settings.LoginRequestsPerMinute, "LoginRequestsPerMinute", 1, 10_000),
            (settings.SessionHours, "SessionHours", 1, 720),
        })
        {
            if (value < min || value > max)
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"{prefix}:{name} is {value}; allowed {min}-{max}");
            }
        }

        for (var i = 0; i < settings.KnownProxies.Count; i++)
        {
            if (!System.Net.IPAddress.TryParse(settings.KnownProxies[i], out _))
            {
                yield return $"{prefix}:KnownProxies:{i} '{settings.KnownProxies[i]}' is not an IP address (the reverse proxy's address as this host sees it, such as 127.0.0.1)";
            }
        }
    }

    private static IEnumerable<string> ValidateUser(DashboardUser user, string key)
    {
        if (string.IsNullOrWhiteSpace(user.Name) || user.Name.Any(c => char.IsWhiteSpace(c) || c == ':'))
        {
            yield return $"{key}:Name '{user.Name}' must be a login name without spaces or ':'";
        }

        if (!PasswordHash.IsWellFormed(user.PasswordHash))
        {
            yield return $"{key}:PasswordHash is not a password hash; create one with './recallfiles dashboard-hash-password' (pbkdf2-sha256$…), never put the password itself";
        }

        if (!Enum.IsDefined(user.Role))
        {
            yield return $"{key}:Role is '{user.Role}'; allowed: Msp (read-only), Support";
        }

        if (!string.IsNullOrWhiteSpace(user.TotpSecret) && !IsTotpSecret(user.TotpSecret))
        {
            yield return $"{key}:TotpSecret is not a base32 TOTP secret; enroll with './recallfiles dashboard-enroll-totp {user.Name}'";
        }
        else if (user.Role == DashboardRole.Support && string.IsNullOrWhiteSpace(user.TotpSecret))
        {
            yield return $"{key}:TotpSecret is required for a Support login (a second factor, issue 12); enroll with './recallfiles dashboard-enroll-totp {user.Name}' " +
                "and set the secret it prints";
        }
    }

    private static (List<DashboardUser> Users, List<string> Problems) ReadFile(string? path, string key)
    {
        var users = new List<DashboardUser>();
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(path))
        {
            return (users, problems);
        }

        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{key} '{path}' cannot be read: {ex.Message}");
            return (users, problems);
        }

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length is not (3 or 4) || !Enum.TryParse<DashboardRole>(parts[1], ignoreCase: true, out var role))
            {
                problems.Add($"{key} '{path}' line {i + 1}: expected 'NAME ROLE HASH [TOTP-SECRET]' with ROLE Msp or Support");
                continue;
            }

            var user = new DashboardUser { Name = parts[0], Role = role, PasswordHash = parts[2], TotpSecret = parts.Length == 4 ? parts[3] : null };
            problems.AddRange(ValidateUser(user, $"{key} '{path}' line {i + 1}"));
            users.Add(user);
        }

        return (users, problems);
    }
}

/// <summary>What a login attempt came to.</summary>
internal enum LoginOutcome
{
    /// <summary>Password (and code, when enrolled) right.</summary>
    Ok,

    /// <summary>Unknown login or wrong password (never told apart).</summary>
    WrongPassword,

    /// <summary>Password right, the login has a second factor and no code was given.</summary>
    CodeRequired,

    /// <summary>Password right, the code wrong or already used.</summary>
    WrongCode,
}

/// <summary>The outcome of <see cref="DashboardUsers.Verify"/> and, when <see cref="LoginOutcome.Ok"/>, the role.</summary>
internal sealed record LoginCheck(LoginOutcome Outcome, DashboardRole? Role);
