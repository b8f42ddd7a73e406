using System.Security.Cryptography;
using RecallFiles.Transport;
using RecallFiles.Transport.Internal;

namespace RecallFiles.Exporter.StatusApply;

/// <summary>A status file taken by the agent: its local copy, its SHA-256 and what the ledger knew of those bytes.</summary>
internal sealed class StatusClaim(string name, DateTimeOffset claimedAt, string localPath, string sha256, StatusFileEntry? entry) : IInboxClaim
{
    public string Name { get; } = name;

    public DateTimeOffset ClaimedAt { get; } = claimedAt;

    public string LocalPath { get; } = localPath;

    public string Sha256 { get; } = sha256;

    public StatusFileEntry? Entry { get; } = entry;

    /// <summary>What the apply step did, for the run's report.</summary>
    public StatusFileOutcome? Outcome { get; set; }

    public override string ToString() => Name;
}

/// <summary>
/// The status inbox's claim store: the agent's SQLite ledger (<see cref="StatusLedger"/>), keyed by the file's bytes.
/// The claim downloads a local copy to hash it; nothing is left unfinished across runs, because a file stays in the
/// inbox until it is archived and the ledger says how far its bytes got.
/// </summary>
internal sealed class StatusClaims(StatusLedger ledger, PracticeExportOptions practice, string workFolder, TimeProvider time) : IInboxClaimStore<StatusClaim>
{
    public Task<IReadOnlyList<StatusClaim>> UnfinishedAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<StatusClaim>>([]);

    public async Task<StatusClaim?> ClaimAsync(IDropBox dropBox, RemoteFileInfo file, CancellationToken cancellationToken)
    {
        var local = Path.Combine(workFolder, file.Name);
        Directory.CreateDirectory(workFolder);
        await dropBox.DownloadToFileAsync(practice.Status.StatusFolder, file.Name, local, cancellationToken);
        string sha;
        await using (var stream = File.OpenRead(local))
        {
            sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
        }

        FaultPoints.Hit(FaultPoints.AfterDownload);
        var entry = ledger.Find(practice.PracticeId, sha);
        return new StatusClaim(file.Name, entry?.FirstSeenUtc ?? time.GetUtcNow(), local, sha, entry);
    }

    public Task ReleaseAsync(StatusClaim claim, InboxDisposition disposition, string where, CancellationToken cancellationToken)
    {
        ledger.Advance(practice.PracticeId, claim.Sha256, StatusFileState.Archived, time.GetUtcNow());
        File.Delete(claim.LocalPath);
        return Task.CompletedTask;
    }
}
