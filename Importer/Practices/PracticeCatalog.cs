using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace RecallFiles.Importer.Practices;

/// <summary>
/// The cloud's practices as a live, read-only dictionary by id (issue 17: practices without restarts): the ones configured
/// in JSON (<see cref="Configured"/>, fixed for the life of the process) and the ones managed in the database
/// (<c>practices.source = 'db'</c>), swapped in whole by <see cref="Replace"/> when a server notices a change. Everything
/// that enumerates <see cref="ImporterOptions.Practices"/> — the pickup, the status flows, the recurring jobs — sees
/// the new set on its next enumeration; a reader never sees half a change.
/// </summary>
public sealed class PracticeCatalog : IReadOnlyDictionary<string, PracticeOptions>
{
    private volatile IReadOnlyDictionary<string, PracticeOptions> _current;

    /// <summary>Creates the catalog of the JSON-configured practices; none from the database yet.</summary>
    public PracticeCatalog(IReadOnlyDictionary<string, PracticeOptions> configured)
    {
        ArgumentNullException.ThrowIfNull(configured);
        Configured = configured;
        _current = configured;
    }

    /// <summary>The practices configured in JSON (<c>RecallFiles:Practices:{id}</c>): read-only to the CLI and the dashboard.</summary>
    public IReadOnlyDictionary<string, PracticeOptions> Configured { get; }

    /// <summary>The <c>practices.config_version</c> the database practices were read at (-1: not read yet).</summary>
    public long Version { get; private set; } = -1;

    /// <summary>True when <paramref name="practiceId"/> is configured in JSON.</summary>
    public bool IsConfigured(string practiceId) => Configured.ContainsKey(practiceId);

    /// <summary>
    /// Takes the database-managed practices read at <paramref name="version"/>. An id also configured in JSON keeps its
    /// JSON settings (start-up refuses that overlap; <see cref="ManagedPractices.ConflictsAsync"/>), so the pickup never
    /// follows settings nobody can see in the configuration file.
    /// </summary>
    public void Replace(IEnumerable<PracticeOptions> managed, long version)
    {
        ArgumentNullException.ThrowIfNull(managed);
        var merged = new Dictionary<string, PracticeOptions>(Configured, StringComparer.Ordinal);
        foreach (var practice in managed)
        {
            merged.TryAdd(practice.Id, practice);
        }

        _current = merged;
        Version = version;
    }

    /// <inheritdoc />
    public PracticeOptions this[string key] => _current[key];

    /// <inheritdoc />
    public IEnumerable<string> Keys => _current.Keys;

    /// <inheritdoc />
    public IEnumerable<PracticeOptions> Values => _current.Values;

    /// <inheritdoc />
    public int Count => _current.Count;

    /// <inheritdoc />
    public bool ContainsKey(string key) => _current.ContainsKey(key);

    /// <inheritdoc />
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out PracticeOptions value) => _current.TryGetValue(key, out value);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, PracticeOptions>> GetEnumerator() => _current.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
