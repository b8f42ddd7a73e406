namespace RecallFiles.Importer.Pickup;

/// <summary>
/// Safe pickup for the local folder until the Transport library's <c>SafePickup</c> is merged (TODO(transport)):
/// a file is eligible when it is not a temporary name (dot-files, <c>*.part</c>, <c>*.tmp</c>, <c>*.filepart</c>,
/// <c>~*</c>, <c>*.done</c>) and its size and modification time stayed the same for <c>minAge</c> across listings.
/// </summary>
internal sealed class StableFiles(TimeSpan minAge, TimeProvider time)
{
    private static readonly string[] TemporarySuffixes = [".part", ".tmp", ".filepart", ".partial", ".crdownload", ".done"];
    private Dictionary<string, (long Size, DateTime Mtime, DateTimeOffset Since)> _seen = new(StringComparer.Ordinal);

    public IReadOnlyList<RemoteFile> Eligible(IReadOnlyList<RemoteFile> listing)
    {
        var now = time.GetUtcNow();
        var seen = new Dictionary<string, (long, DateTime, DateTimeOffset)>(StringComparer.Ordinal);
        var eligible = new List<RemoteFile>();
        foreach (var file in listing)
        {
            if (IsTemporary(file.Name))
            {
                continue;
            }

            var since = _seen.TryGetValue(file.Name, out var earlier) && earlier.Size == file.Size && earlier.Mtime == file.LastWriteTimeUtc
                ? earlier.Since
                : now;
            seen[file.Name] = (file.Size, file.LastWriteTimeUtc, since);
            if (now - since >= minAge)
            {
                eligible.Add(file);
            }
        }

        _seen = seen;
        eligible.Sort((a, b) => a.LastWriteTimeUtc != b.LastWriteTimeUtc ? a.LastWriteTimeUtc.CompareTo(b.LastWriteTimeUtc) : string.CompareOrdinal(a.Name, b.Name));
        return eligible;
    }

    internal static bool IsTemporary(string name) =>
        name.StartsWith('.') || name.StartsWith('~') || TemporarySuffixes.Any(s => name.EndsWith(s, StringComparison.OrdinalIgnoreCase));
}
