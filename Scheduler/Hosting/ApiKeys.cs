using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Scheduler.Hosting;

/// <summary>One machine's API key as stored: its name, the SHA-256 of the key (never the key), the practices it may act for (empty: all).</summary>
internal sealed record ApiKeyEntry(string Name, string Sha256, IReadOnlyList<string> Practices, DateTimeOffset Created, DateTimeOffset? Revoked);

/// <summary>What a presented key came to.</summary>
internal enum ApiKeyCheck
{
    /// <summary>No <c>Authorization: Bearer</c> header.</summary>
    Missing,

    /// <summary>Not a key this host issued.</summary>
    Unknown,

    /// <summary>Issued, then revoked.</summary>
    Revoked,

    /// <summary>Valid.</summary>
    Valid,
}

/// <summary>
/// API keys for machines (issue 12): <c>/api/replies</c> takes <c>Authorization: Bearer rfk_…</c>, never a person's
/// login. Keys are 256 random bits, shown once by <c>recallfiles api-key create</c>; the file (0600) keeps only their
/// SHA-256 (a key has full entropy, so a slow hash adds nothing), and is read on each request, so a revocation by the CLI
/// takes effect at once without a restart.
/// </summary>
internal sealed class ApiKeys(string path)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The keys file.</summary>
    public string Path { get; } = path;

    /// <summary>Every key, revoked ones included.</summary>
    public IReadOnlyList<ApiKeyEntry> List() =>
        File.Exists(Path) ? JsonSerializer.Deserialize<List<ApiKeyEntry>>(File.ReadAllText(Path), Json) ?? [] : [];

    /// <summary>Creates a key named <paramref name="name"/>; returns the key itself (shown once).</summary>
    public string Create(string name, IReadOnlyList<string> practices, DateTimeOffset now)
    {
        var keys = List().ToList();
        if (keys.Any(k => k.Name == name && k.Revoked is null))
        {
            throw new ArgumentException($"an API key named '{name}' exists; revoke it first or choose another name");
        }

        var key = "rfk_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        keys.Add(new ApiKeyEntry(name, HashOf(key), practices, now, null));
        Save(keys);
        return key;
    }

    /// <summary>Revokes the live key named <paramref name="name"/>; false when there is none.</summary>
    public bool Revoke(string name, DateTimeOffset now)
    {
        var keys = List().ToList();
        var index = keys.FindIndex(k => k.Name == name && k.Revoked is null);
        if (index < 0)
        {
            return false;
        }

        keys[index] = keys[index] with { Revoked = now };
        Save(keys);
        return true;
    }

    /// <summary>Checks the bearer key of <paramref name="authorization"/>.</summary>
    public (ApiKeyCheck Check, ApiKeyEntry? Entry) Check(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return (ApiKeyCheck.Missing, null);
        }

        var hash = HashOf(authorization["Bearer ".Length..].Trim());
        var entry = List().Where(k => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(k.Sha256), Encoding.ASCII.GetBytes(hash)))
            .OrderBy(k => k.Revoked is null ? 0 : 1).FirstOrDefault();
        return entry is null ? (ApiKeyCheck.Unknown, null) : (entry.Revoked is null ? ApiKeyCheck.Valid : ApiKeyCheck.Revoked, entry);
    }

    private static string HashOf(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private void Save(List<ApiKeyEntry> keys)
    {
        DataFolders.Create(System.IO.Path.GetDirectoryName(Path)!);
        var temporary = Path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(keys, Json));
        DataFolders.RestrictFile(temporary);
        File.Move(temporary, Path, overwrite: true);
    }
}
