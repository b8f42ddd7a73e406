using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Scheduler.Dashboards;

/// <summary>
/// The dashboard's logins: <c>RecallFiles:Dashboard:Users:N</c> (environment variables such as
/// <c>RecallFiles__Dashboard__Users__0__PasswordHash</c>) plus the secret file <c>RecallFiles:Dashboard:UsersFile</c>
/// (<c>NAME ROLE HASH</c> per line). A verified password is remembered by its SHA-256 for the process's life, so the
/// deliberately slow PBKDF2 runs once per login, not on every dashboard poll.
/// </summary>
public sealed class DashboardUsers
{
    private readonly Dictionary<string, DashboardUser> _users;
    private readonly ConcurrentDictionary<string, DashboardRole> _verified = new(StringComparer.Ordinal);

    private DashboardUsers(IEnumerable<DashboardUser> users) =>
        _users = users.GroupBy(u => u.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

    /// <summary>How many logins are configured.</summary>
    public int Count => _users.Count;

    /// <summary>Loads the logins of <paramref name="settings"/> (validated at start-up).</summary>
    public static DashboardUsers Load(DashboardSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (fromFile, _) = ReadFile(settings.UsersFile, "");
        return new DashboardUsers(settings.Users.Concat(fromFile));
    }

    /// <summary>The role of <paramref name="name"/> when <paramref name="password"/> is right; null otherwise.</summary>
    public DashboardRole? Authenticate(string name, string password)
    {
        if (!_users.TryGetValue(name, out var user))
        {
            return null;
        }

        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(name + "\0" + password + "\0" + user.PasswordHash)));
        if (_verified.TryGetValue(key, out var role))
        {
            return role;
        }

        if (!PasswordHash.Verify(password, user.PasswordHash))
        {
            return null;
        }

        _verified[key] = user.Role;
        return user.Role;
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
            if (parts.Length != 3 || !Enum.TryParse<DashboardRole>(parts[1], ignoreCase: true, out var role))
            {
                problems.Add($"{key} '{path}' line {i + 1}: expected 'NAME ROLE HASH' with ROLE Msp or Support");
                continue;
            }

            var user = new DashboardUser { Name = parts[0], Role = role, PasswordHash = parts[2] };
            problems.AddRange(ValidateUser(user, $"{key} '{path}' line {i + 1}"));
            users.Add(user);
        }

        return (users, problems);
    }
}
