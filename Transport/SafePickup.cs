namespace RecallFiles.Transport;

/// <summary>A listed name that is never opened, and why.</summary>
/// <param name="Name">The name as listed.</param>
/// <param name="Reason">Why, for the log and for the sender.</param>
/// <param name="Refused">
/// A safe name refused for what it is (a link, too large): the inbox moves it to <c>failed/</c> with its reason, so the
/// sender learns why and the next poll does not meet it again. Unsafe names (path separators, control characters) stay.
/// </param>
public sealed record RejectedFile(string Name, string Reason, bool Refused = false);

/// <summary>The outcome of one poll of a drop box folder.</summary>
/// <param name="Eligible">Files safe to pick up now, oldest first, at most <see cref="DropBoxOptions.MaxFilesPerPoll"/>.</param>
/// <param name="Waiting">Files not yet stable (or without their <c>.done</c> marker), oldest first.</param>
/// <param name="Deferred">Eligible files left for the next poll because of <see cref="DropBoxOptions.MaxFilesPerPoll"/>.</param>
/// <param name="Rejected">Names that are never opened (links, path separators, <c>..</c>, control characters, too long).</param>
public sealed record PickupResult(
    IReadOnlyList<RemoteFileInfo> Eligible,
    IReadOnlyList<RemoteFileInfo> Waiting,
    int Deferred,
    IReadOnlyList<RejectedFile> Rejected);

/// <summary>
/// Decides which files written by others are safe to pick up, from successive listings of one folder. A file is
/// eligible when it is not a temporary name and either (a) its size and modification time stayed the same across
/// listings for <see cref="DropBoxOptions.MinFileAge"/>, or (b) with <see cref="DropBoxOptions.RequireDoneFile"/>,
/// a <c>NAME.done</c> marker is listed beside it (then at once, and only then). <c>*.done</c> markers themselves are
/// never candidates. Keep one instance per folder for the life of the poller; it is not thread-safe.
/// </summary>
public sealed class SafePickup
{
    /// <summary>Why a link is never opened, as the rejection says it.</summary>
    public const string LinkRefused = "a symbolic link (or reparse point), never followed: upload the file itself";

    private readonly TimeSpan _minFileAge;
    private readonly bool _requireDoneFile;
    private readonly int _maxFilesPerPoll;
    private readonly TimeProvider _time;
    private readonly long _maxFileBytes = long.MaxValue;
    private readonly string _maxFileBytesKey = "MaxFileBytes";
    private Dictionary<string, Observation> _seen = new(StringComparer.Ordinal);

    public SafePickup(DropBoxOptions options, TimeProvider? timeProvider = null)
        : this(options?.MinFileAge ?? throw new ArgumentNullException(nameof(options)), options.RequireDoneFile, options.MaxFilesPerPoll, timeProvider)
    {
        _maxFileBytes = options.MaxFileBytes;
        _maxFileBytesKey = options.ConfigurationPath + ":MaxFileBytes";
    }

    public SafePickup(TimeSpan minFileAge, bool requireDoneFile, int maxFilesPerPoll, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minFileAge, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFilesPerPoll, 1);
        _minFileAge = minFileAge;
        _requireDoneFile = requireDoneFile;
        _maxFilesPerPoll = maxFilesPerPoll;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Evaluates the current listing of the folder against the earlier ones.</summary>
    public PickupResult Evaluate(IReadOnlyList<RemoteFileInfo> listing)
    {
        ArgumentNullException.ThrowIfNull(listing);
        var now = _time.GetUtcNow();
        var rejected = new List<RejectedFile>();
        var candidates = new List<RemoteFileInfo>(listing.Count);
        HashSet<string>? doneMarkers = _requireDoneFile ? new(StringComparer.Ordinal) : null;
        foreach (var file in listing)
        {
            var problem = FileNameRules.Problem(file.Name);
            if (problem is not null)
            {
                rejected.Add(new RejectedFile(file.Name, problem));
                continue;
            }

            if (file.IsLink || (file.Size > _maxFileBytes && !FileNameRules.IsDoneMarker(file.Name) && !FileNameRules.IsTemporary(file.Name)))
            {
                rejected.Add(new RejectedFile(file.Name, file.IsLink ? LinkRefused : string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"{file.Size:N0} bytes is more than {_maxFileBytesKey} ({_maxFileBytes:N0}): split the export into smaller files, or raise the limit"),
                    // A link stays where it is: moving it is not safe everywhere (SFTP renames resolve links). Too large: to failed/.
                    Refused: !file.IsLink));
                continue;
            }

            if (!FileNameRules.IsTemporary(file.Name) && !FileNameRules.IsDoneMarker(file.Name) && !FileNameRules.IsSidecar(file.Name)
                && FileNameRules.PickupProblem(file.Name) is { } pickupProblem)
            {
                // Safe to touch, not safe to pick up (a name Windows cannot hold, or too long for its derived names): to failed/.
                rejected.Add(new RejectedFile(file.Name, pickupProblem, Refused: true));
                continue;
            }

            if (FileNameRules.IsDoneMarker(file.Name))
            {
                doneMarkers?.Add(file.Name[..^FileNameRules.DoneSuffix.Length]);
                continue;
            }

            if (!FileNameRules.IsTemporary(file.Name) && !FileNameRules.IsSidecar(file.Name))
                candidates.Add(file);
        }

        // Only names still listed are remembered, so the state stays as large as the folder.
        var seen = new Dictionary<string, Observation>(candidates.Count, StringComparer.Ordinal);
        var eligible = new List<RemoteFileInfo>();
        var waiting = new List<RemoteFileInfo>();
        foreach (var file in candidates)
        {
            if (doneMarkers is not null)
            {
                (doneMarkers.Contains(file.Name) ? eligible : waiting).Add(file);
                continue;
            }

            var observation = _seen.TryGetValue(file.Name, out var earlier)
                && earlier.Size == file.Size && earlier.LastWriteTimeUtc == file.LastWriteTimeUtc
                ? earlier
                : new Observation(file.Size, file.LastWriteTimeUtc, now);
            seen[file.Name] = observation;
            // A first sighting starts the clock, so with a positive MinFileAge a file needs two listings at least.
            (now - observation.UnchangedSince >= _minFileAge ? eligible : waiting).Add(file);
        }

        _seen = seen;
        eligible.Sort(OldestFirst);
        waiting.Sort(OldestFirst);
        var deferred = Math.Max(0, eligible.Count - _maxFilesPerPoll);
        if (deferred > 0)
            eligible.RemoveRange(_maxFilesPerPoll, deferred);
        return new PickupResult(eligible, waiting, deferred, rejected);
    }

    /// <summary>Forgets a file (after it was picked up), so a new file of the same name starts its wait afresh.</summary>
    public void Forget(string name) => _seen.Remove(name);

    private static int OldestFirst(RemoteFileInfo a, RemoteFileInfo b)
    {
        var byTime = a.LastWriteTimeUtc.CompareTo(b.LastWriteTimeUtc);
        return byTime != 0 ? byTime : string.CompareOrdinal(a.Name, b.Name);
    }

    private sealed record Observation(long Size, DateTime LastWriteTimeUtc, DateTimeOffset UnchangedSince);
}
