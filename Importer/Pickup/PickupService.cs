using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using RecallFiles.Importer.Agents;
using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Database;
using RecallFiles.Importer.Loading;
using RecallFiles.Importer.Practices;
using RecallFiles.Schemas;
using RecallFiles.Transport;
using RecallFiles.Transport.Internal;

namespace RecallFiles.Importer.Pickup;

/// <summary>The outcome of one poll of one practice.</summary>
/// <param name="PracticeId">The practice.</param>
/// <param name="Busy">True when another poll of the practice (this or another server) was running: nothing was done.</param>
/// <param name="Claimed">New files claimed by this poll.</param>
/// <param name="Finished">Batches brought to their end (final state and remote file moved) by this poll, resumed ones included.</param>
/// <param name="Errors">Failures that left a batch to be finished by the next poll (drop box or database trouble).</param>
/// <param name="Waiting">Files left in the folder because they were not yet stable for MinFileAge (or lack their <c>.done</c> marker).</param>
public sealed record PollResult(string PracticeId, bool Busy, int Claimed, int Finished, IReadOnlyList<string> Errors, int Waiting = 0)
{
    /// <summary>Agent heartbeats taken in by this poll (issue 17).</summary>
    public int Heartbeats { get; init; }
}

/// <summary>
/// The appointment flow on the shared <see cref="Inbox"/>: its claim store is <c>batches</c> (<see cref="BatchClaimStore"/>:
/// a row whose unique key is practice + folder + name + size + mtime, so two servers cannot both take a file) and its
/// apply step downloads into the archive (SHA-256 recorded) → loads (<see cref="BatchLoader"/>, one transaction) →
/// uploads the error report when there is one; the inbox then moves the remote file to <c>processed/yyyy/MM/dd/</c> (or
/// deletes it). Every step is recorded in the batch before the next starts, and each poll first finishes the batches an
/// earlier (crashed) poll left half done. Polls of one practice never overlap: a session advisory lock per practice,
/// held for the poll, covers every server.
/// </summary>
public sealed partial class PickupService : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly ImporterOptions _options;
    private readonly CloudPractices _practices;
    private readonly BatchLoader _loader;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Inbox _inbox;
    private readonly DropBoxPool _pool;
    private readonly HeartbeatIntake _heartbeats;

    /// <summary>
    /// Creates the service. <paramref name="dropBoxes"/> maps a drop box name (<see cref="PracticeOptions.DropBox"/>)
    /// to its options (<c>RecallFiles:DropBoxes:{name}</c>); safe-pickup rules (MinFileAge, RequireDoneFile,
    /// MaxFilesPerPoll) come from there.
    /// </summary>
    public PickupService(NpgsqlDataSource dataSource, ImporterOptions options, IReadOnlyDictionary<string, DropBoxOptions> dropBoxes, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dropBoxes);
        _dataSource = dataSource;
        _options = options;
        _practices = new CloudPractices(options, dropBoxes);
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _loader = new BatchLoader(dataSource, _logger) { Time = _time, MaxClockSkew = options.MaxClockSkew, MaxSnapshotAge = options.MaxSnapshotAge };
        _inbox = new Inbox(_time, _logger);
        _pool = new DropBoxPool(_time, _logger);
        _heartbeats = new HeartbeatIntake(dataSource, options, _inbox, _time, _logger);
    }

    /// <summary>Closes the drop box sessions kept open between polls.</summary>
    public ValueTask DisposeAsync() => _pool.DisposeAsync();

    /// <summary>The practices this service polls (enabled ones).</summary>
    public IEnumerable<PracticeOptions> Practices => _practices.Enabled;

    /// <summary>Polls every enabled practice once, one after the other.</summary>
    public async Task<IReadOnlyList<PollResult>> PollAllAsync(CancellationToken cancellationToken = default)
    {
        var results = new List<PollResult>();
        foreach (var practice in Practices)
        {
            results.Add(await PollAsync(practice, cancellationToken));
        }

        return results;
    }

    /// <summary>Polls one practice: finishes its open batches, then claims and processes new eligible files.</summary>
    public Task<PollResult> PollAsync(PracticeOptions practice, CancellationToken cancellationToken = default) => PollAsync(practice, once: false, cancellationToken);

    /// <summary>
    /// Polls one practice. With <paramref name="once"/> (a manual <c>import --once</c>, a fresh process that has never
    /// listed the folder), files not yet known to be stable are waited for once, MinFileAge, and the folder is listed
    /// again (the inbox's <see cref="InboxRunOptions.WaitOnce"/>); <see cref="PollResult.Waiting"/> counts those still not stable.
    /// </summary>
    public async Task<PollResult> PollAsync(PracticeOptions practice, bool once, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(practice);
        await using var held = await AdvisoryLock.TryAcquireAsync(_dataSource, $"recallfiles.pickup:{practice.Id}", cancellationToken);
        if (held is null)
        {
            return new PollResult(practice.Id, true, 0, 0, []);
        }

        var dropBoxOptions = _practices.DropBoxOf(practice);
        await using var lease = await _pool.RentAsync(dropBoxOptions);
        var dropBox = lease.DropBox;
        var folder = practice.Layout.Appointments;
        var store = new BatchClaimStore(_dataSource, practice.Id, folder, _options.EffectiveServerName, _logger);
        var run = await _inbox.RunAsync(dropBox, dropBoxOptions, folder, store, (box, batch, token) => ApplyAsync(box, practice, batch, token), new InboxRunOptions
        {
            WaitOnce = once,
            DeleteProcessed = _options.AfterImport == RemoteDisposition.Delete,
            ProcessedFolder = _options.ProcessedFolder,
            // Whatever one batch throws is that batch's problem (counted, failed after MaxLoadAttempts): the poll goes on
            // with the practice's other files and the next poll retries it, so one poison file never stops a practice.
            Recoverable = ex => ex is not OperationCanceledException,
            // Issue 17: agents' heartbeats share the folder and the inbox; they are the heartbeat flow's.
            Accepts = name => !HeartbeatIntake.IsHeartbeatName(name),
            Flow = "appointments",
        }, cancellationToken);
        var heartbeats = await _heartbeats.RunAsync(dropBox, dropBoxOptions, practice, cancellationToken);
        return new PollResult(practice.Id, false, run.Claimed, run.Finished.Count, [.. run.Errors, .. heartbeats.Errors], run.Waiting.Count) { Heartbeats = heartbeats.Taken };
    }

    /// <summary>The flow's apply step: moves one batch through its remaining steps; null when it has not reached its end.</summary>
    private async Task<InboxVerdict?> ApplyAsync(IDropBox dropBox, PracticeOptions practice, OpenBatch batch, CancellationToken cancellationToken)
    {
        var state = batch.State;
        if (state == BatchStates.Claimed)
        {
            state = await DownloadAsync(dropBox, batch, cancellationToken);
            if (state == LeftInPlace)
            {
                return InboxVerdict.LeftInPlace;
            }

            FaultPoints.Hit(FaultPoints.AfterDownload);
        }

        LoadedNow? loaded = null;
        if (state == BatchStates.Downloaded)
        {
            loaded = await LoadWithAttemptsAsync(batch, cancellationToken);
            state = loaded.State;
            FaultPoints.Hit(FaultPoints.AfterCommit);
        }

        if (!BatchStates.Final.Contains(state))
        {
            return null;
        }

        // A load that just stored no report for a file it took in leaves nothing to upload: no need to read the batch back.
        var (finalState, reason) = loaded is { ReportStored: false } && !VendorReport.IsTurnedAway(state)
            ? (state, loaded.Reason)
            : await UploadReportAsync(dropBox, practice, batch, cancellationToken);
        if (!VendorReport.IsTurnedAway(finalState))
        {
            return InboxVerdict.Processed; // applied, or a duplicate of bytes already taken
        }

        // Issue 14: a file turned away never looks like a success: failed/ (held/ while support decides), the why beside it.
        var note = VendorReport.Note(batch.RemoteName, finalState, reason, $"{practice.Layout.Errors}/{VendorReport.ReportName(batch.RemoteName)}");
        return finalState == BatchStates.NeedsReview ? InboxVerdict.Held(note) : InboxVerdict.Failed(note);
    }

    // DownloadAsync's answer when the file could not be archived and stays (or is gone): the batch failed, no move.
    private const string LeftInPlace = "left-in-place";

    private async Task<string> DownloadAsync(IDropBox dropBox, OpenBatch batch, CancellationToken cancellationToken)
    {
        var day = batch.ClaimedAtUtc;
        var path = Path.GetFullPath(Path.Combine(_options.ArchiveFolder, batch.PracticeId, day.ToString("yyyy", CultureInfo.InvariantCulture),
            day.ToString("MM", CultureInfo.InvariantCulture), day.ToString("dd", CultureInfo.InvariantCulture), batch.Id.ToString(CultureInfo.InvariantCulture), batch.RemoteName));
        long size;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        EnsureFreeSpace(path, batch.RemoteSize);
        try
        {
            size = await dropBox.DownloadToFileAsync(batch.Folder, batch.RemoteName, path, cancellationToken);
            await using (var archived = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read))
            {
                archived.Flush(flushToDisk: true); // the archive is the only copy once the remote file moves
            }
        }
        catch (DropBoxException ex) when (ex.Error == DropBoxError.FileMissing)
        {
            await FinishWithoutFileAsync(batch, "the file disappeared from the drop box before it was archived; nothing applied", cancellationToken);
            return LeftInPlace;
        }

        if (size != batch.RemoteSize)
        {
            // Someone rewrote the file after it looked stable: do not trust either version; the new one is claimed afresh.
            File.Delete(path);
            await FinishWithoutFileAsync(batch, string.Create(CultureInfo.InvariantCulture,
                $"the file changed while it was picked up ({batch.RemoteSize} bytes listed, {size} downloaded); it is left in place and picked up again once stable"), cancellationToken);
            return LeftInPlace;
        }

        var sha = await HashingStream.HashFileAsync(path, cancellationToken);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        // The step and its batch_history line in one statement: one round trip and one commit (issue 18).
        await using (var update = Sql.Command(connection, null, """
            WITH downloaded AS (
                UPDATE batches SET state = $5, sha256 = $2, archive_path = $3, downloaded_at = now(), updated_at = now()
                WHERE id = $1 AND state = $4)
            INSERT INTO batch_history (batch_id, from_state, to_state, actor, reason) VALUES ($1, $4, $5, $6, $7)
            """, batch.Id, sha, path, BatchStates.Claimed, BatchStates.Downloaded, _options.EffectiveServerName, $"archived {path} (SHA-256 {sha})"))
        {
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        return BatchStates.Downloaded;
    }

    // The archive copy must fit with room to spare (issue 13): a full disk fails the next write of every practice,
    // the database's included when it shares the disk. Not the file's fault: the poll goes on and the next one retries.
    private static void EnsureFreeSpace(string path, long size)
    {
        var folder = Path.GetDirectoryName(path)!;
        long free;
        try
        {
            free = new DriveInfo(folder).AvailableFreeSpace; // statvfs of the folder's own file system on Unix
        }
        catch (ArgumentException)
        {
            return; // a UNC share: no drive to ask; the copy itself reports a full disk
        }

        if (FreeSpaceProblem(folder, size, free) is { } problem)
        {
            throw new IOException(problem);
        }
    }

    /// <summary>Why an archive copy of <paramref name="size"/> bytes does not fit in <paramref name="free"/> bytes, or null.</summary>
    internal static string? FreeSpaceProblem(string folder, long size, long free) => free >= size + FreeSpaceMargin
        ? null
        : string.Create(CultureInfo.InvariantCulture,
            $"not enough free space for the archive copy of {size:N0} bytes in {folder} ({free:N0} bytes free, {size + FreeSpaceMargin:N0} needed with a {FreeSpaceMargin / (1024 * 1024)} MB margin): free some space or move RecallFiles:Importer:ArchiveFolder; the next poll retries");

    private const long FreeSpaceMargin = 256L * 1024 * 1024;

    private async Task FinishWithoutFileAsync(OpenBatch batch, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var update = Sql.Command(connection, transaction, """
            UPDATE batches SET state = 'failed', reason = $2, remote_done = true, remote_done_at = now(), remote_disposition = 'left in place',
                finished_at = now(), updated_at = now() WHERE id = $1
            """, batch.Id, reason))
        {
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        await BatchStates.RecordAsync(connection, transaction, batch.Id, batch.State, BatchStates.Failed, _options.EffectiveServerName, reason, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    // How a load of this poll ended: its state and reason, and whether it stored an error report (null: not known here).
    private sealed record LoadedNow(string State, string? Reason, bool? ReportStored);

    private async Task<LoadedNow> LoadWithAttemptsAsync(OpenBatch batch, CancellationToken cancellationToken)
    {
        try
        {
            var (result, reportStored) = await _loader.LoadWithReportAsync(batch.Id, _options.EffectiveServerName, LoadMode.Normal, cancellationToken);
            return new LoadedNow(result.State, result.Reason, reportStored);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not a content problem (those end in a recorded state): the database, the disk, or something the loader did
            // not expect of this file (running out of memory on it, say). Count the attempt and fail the batch (visibly,
            // replayable) after MaxLoadAttempts, so a file that always throws cannot stop its practice for good.
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await using var update = Sql.Command(connection, null, """
                UPDATE batches SET attempts = attempts + 1, reason = $2, updated_at = now(),
                    state = CASE WHEN attempts + 1 >= $3 THEN 'failed' ELSE state END,
                    finished_at = CASE WHEN attempts + 1 >= $3 THEN now() ELSE finished_at END
                WHERE id = $1 AND state = 'downloaded' RETURNING state
                """, batch.Id, $"load attempt failed: {Describe(ex)}", _options.MaxLoadAttempts);
            var state = (string?)await update.ExecuteScalarAsync(cancellationToken);
            if (state == BatchStates.Failed)
            {
                await BatchStates.RecordAsync(connection, null, batch.Id, BatchStates.Downloaded, BatchStates.Failed, _options.EffectiveServerName,
                    $"gave up after {_options.MaxLoadAttempts} load attempts: {Describe(ex)}", cancellationToken);
                return new LoadedNow(BatchStates.Failed, null, null);
            }

            throw;
        }
    }

    // The database's and the disk's own messages say enough; anything else names its kind.
    private static string Describe(Exception ex) =>
        ex is NpgsqlException or IOException or UnauthorizedAccessException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";

    /// <summary>
    /// Uploads the batch's error report to the practice's errors folder (once) and returns how the batch ended. A batch
    /// failed outside the loader (too many load attempts) gets its report built from its reason here.
    /// </summary>
    private async Task<(string State, string? Reason)> UploadReportAsync(IDropBox dropBox, PracticeOptions practice, OpenBatch batch, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        string state;
        string? reason;
        byte[]? report;
        bool uploaded;
        await using (var select = Sql.Command(connection, null, "SELECT state, reason, error_report, report_uploaded FROM batches WHERE id = $1", batch.Id))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            state = reader.GetString(0);
            reason = reader.IsDBNull(1) ? null : reader.GetString(1);
            report = reader.IsDBNull(2) ? null : reader.GetFieldValue<byte[]>(2);
            uploaded = reader.GetBoolean(3);
        }

        if (report is null && VendorReport.IsTurnedAway(state))
        {
            report = VendorReport.Build(batch.RemoteName, state, reason, [], 0)!;
            await using var store = Sql.Command(connection, null, "UPDATE batches SET error_report = $2, report_uploaded = false, updated_at = now() WHERE id = $1", batch.Id, report);
            store.Parameters[1].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea;
            await store.ExecuteNonQueryAsync(cancellationToken);
            uploaded = false;
        }

        if (!_options.UploadErrorReports || uploaded || report is null)
        {
            return (state, reason);
        }

        await _inbox.EnsureFolderAsync(dropBox, practice.Layout.Errors, cancellationToken);
        using (var content = new MemoryStream(report))
        {
            await dropBox.UploadAsync(practice.Layout.Errors, VendorReport.ReportName(batch.RemoteName), content, cancellationToken);
        }

        await using var done = Sql.Command(connection, null, "UPDATE batches SET report_uploaded = true, updated_at = now() WHERE id = $1", batch.Id);
        await done.ExecuteNonQueryAsync(cancellationToken);
        return (state, reason);
    }
}
