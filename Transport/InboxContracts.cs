namespace RecallFiles.Transport;

/// <summary>A file a flow has taken from an inbox folder (a batch, a ledger entry, a result file).</summary>
public interface IInboxClaim
{
    /// <summary>The file's name in the inbox folder.</summary>
    string Name { get; }

    /// <summary>When the file was claimed: it is archived under <c>processed/yyyy/MM/dd/</c> of this day (UTC).</summary>
    DateTimeOffset ClaimedAt { get; }
}

/// <summary>
/// Where a flow records which files it has taken, so two servers (or a crashed and a new run) never take the same file
/// twice: PostgreSQL <c>batches</c> for appointment files, the agent's SQLite ledger for status files, the cloud's
/// <c>status_result_files</c> for result files.
/// </summary>
/// <typeparam name="TClaim">The flow's claim.</typeparam>
public interface IInboxClaimStore<TClaim>
    where TClaim : class, IInboxClaim
{
    /// <summary>Claims an earlier run left before their file left the inbox (a crash): finished before new files.</summary>
    Task<IReadOnlyList<TClaim>> UnfinishedAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Claims an eligible file, or returns <see langword="null"/> when it is not this run's to take (another server
    /// holds it). A store that keys files by their bytes may download them here.
    /// </summary>
    Task<TClaim?> ClaimAsync(IDropBox dropBox, RemoteFileInfo file, CancellationToken cancellationToken);

    /// <summary>Records that the claim is finished and where its file went (<paramref name="where"/>, for people).</summary>
    Task ReleaseAsync(TClaim claim, InboxDisposition disposition, string where, CancellationToken cancellationToken);
}

/// <summary>
/// A flow's apply step: everything between the claim and the archive move (download, validate, apply in one
/// transaction, upload an answer). Returns where the file goes, or <see langword="null"/> when the claim is not finished
/// yet and the next run carries on from what the store recorded.
/// </summary>
public delegate Task<InboxVerdict?> InboxApply<TClaim>(IDropBox dropBox, TClaim claim, CancellationToken cancellationToken);

/// <summary>Where an inbox file goes once its flow is done with it.</summary>
public enum InboxDisposition
{
    /// <summary>To <c>processed/yyyy/MM/dd/</c> below the inbox folder (or deleted, when the inbox deletes processed files).</summary>
    Processed,

    /// <summary>To <c>failed/</c> below the inbox folder, with a <c>NAME.error.txt</c> saying why.</summary>
    Failed,

    /// <summary>It stays where it is (it changed while it was taken; it is taken afresh once stable).</summary>
    LeftInPlace,

    /// <summary>To <c>held/</c> below the inbox folder, with a <c>NAME.error.txt</c> saying why: held for a person to decide.</summary>
    Held,
}

/// <summary>The outcome of a flow's apply step for one file.</summary>
/// <param name="Disposition">Where the file goes.</param>
/// <param name="Reason">Why it failed (written beside it in <c>failed/</c>), or null.</param>
public sealed record InboxVerdict(InboxDisposition Disposition, string? Reason = null)
{
    /// <summary>The file was handled: archive it in <c>processed/</c>.</summary>
    public static InboxVerdict Processed { get; } = new(InboxDisposition.Processed);

    /// <summary>The file stays in the inbox.</summary>
    public static InboxVerdict LeftInPlace { get; } = new(InboxDisposition.LeftInPlace);

    /// <summary>The file was refused: move it to <c>failed/</c> with <paramref name="reason"/> beside it.</summary>
    public static InboxVerdict Failed(string reason) => new(InboxDisposition.Failed, reason);

    /// <summary>The file is held for review: move it to <c>held/</c> with <paramref name="reason"/> beside it.</summary>
    public static InboxVerdict Held(string reason) => new(InboxDisposition.Held, reason);
}

/// <summary>How one inbox run behaves.</summary>
public sealed record InboxRunOptions
{
    /// <summary>
    /// A manual run: files seen for the first time (or still changing) are waited for once, MinFileAge, and the folder
    /// is listed again, so the run sees what is there. Not with RequireDoneFile (the marker decides at once).
    /// </summary>
    public bool WaitOnce { get; init; }

    /// <summary>Delete processed files instead of archiving them in <c>processed/</c>.</summary>
    public bool DeleteProcessed { get; init; }

    /// <summary>The sub-folder of processed files (the layout's name, Schemas' <c>DropBoxLayout</c>). Default <c>processed</c>.</summary>
    public string ProcessedFolder { get; init; } = "processed";

    /// <summary>The sub-folder of failed files (the layout's name, Schemas' <c>DropBoxLayout</c>). Default <c>failed</c>.</summary>
    public string FailedFolder { get; init; } = "failed";

    /// <summary>The sub-folder of files held for review (the layout's name, Schemas' <c>DropBoxLayout</c>). Default <c>held</c>.</summary>
    public string HeldFolder { get; init; } = "held";

    /// <summary>
    /// The time that orders eligible files, oldest first. Default the modification time; a flow whose files carry a
    /// time stamp in their name orders by that.
    /// </summary>
    public Func<RemoteFileInfo, DateTimeOffset>? FileTime { get; init; }

    /// <summary>
    /// Failures that leave a claim to the next run while this run goes on with the next file (drop box or database
    /// trouble). Any other failure is thrown. Default none: every failure is thrown.
    /// </summary>
    public Func<Exception, bool>? Recoverable { get; init; }

    /// <summary>
    /// The names this flow takes when flows share a folder (issue 17: agent heartbeats beside appointment files); null, every
    /// name. A <c>.done</c> marker or <c>.sig</c> sidecar is judged by its file's name. Each flow keeps its own stability
    /// state under <see cref="Flow"/>; the flows' predicates must not overlap.
    /// </summary>
    public Func<string, bool>? Accepts { get; init; }

    /// <summary>The flow's name, keeping its pickup state apart from other flows on the same folder (with <see cref="Accepts"/>).</summary>
    public string Flow { get; init; } = "";

    /// <summary>Sidecars (suffixes such as <c>.sig</c>) removed with their file once it has left the inbox.</summary>
    public IReadOnlyList<string> Sidecars { get; init; } = [];

    /// <summary>
    /// The folder's files are written by RecallFiles itself (status files by the cloud, result files by the agent): uploaded
    /// under a temporary name and renamed, their signature first, so a file under its final name is complete and the
    /// MinFileAge stability wait is skipped (issue 14: it made each <c>--once</c> wait ~31 s per practice, and a scheduled
    /// poll take a file only at its second sighting, one interval late). <c>RequireDoneFile</c> still applies.
    /// </summary>
    public bool WrittenAtomically { get; init; }
}

/// <summary>The outcome of one inbox run over one folder.</summary>
/// <param name="Finished">Claims brought to their end (file archived, failed or left in place) by this run, resumed ones included.</param>
/// <param name="Claimed">New files claimed by this run.</param>
/// <param name="Errors">Recoverable failures that left a claim for the next run.</param>
/// <param name="Waiting">Files not yet stable (or without their <c>.done</c> marker).</param>
/// <param name="Rejected">Names that are never opened.</param>
/// <param name="Deferred">Eligible files left for the next run (MaxFilesPerPoll).</param>
public sealed record InboxRun<TClaim>(IReadOnlyList<TClaim> Finished, int Claimed, IReadOnlyList<string> Errors,
    IReadOnlyList<RemoteFileInfo> Waiting, IReadOnlyList<RejectedFile> Rejected, int Deferred);
