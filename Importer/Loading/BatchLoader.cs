using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Database;
using RecallFiles.Importer.Practices;
using RecallFiles.Schemas;

namespace RecallFiles.Importer.Loading;

/// <summary>
/// Applies one archived snapshot to the store in one transaction: lock and read the batch (<see cref="BatchRecorder"/>),
/// decide whether it is applied at all (<see cref="SnapshotRules"/>: duplicate, wrong folder, superseded), read what the
/// practice has (<see cref="ExistingAppointments"/>), stream the file through the chunked COPY pipeline
/// (<see cref="SnapshotStream"/>: new rows straight in, changed ones staged, unchanged ones nowhere), apply the
/// mass-removal guard and the row-error policy, merge and remove (<see cref="SnapshotMerge"/>), and record the outcome.
/// Whatever the file wrote is rolled back to a savepoint when the batch ends held or failed. Loading a batch that is
/// already final does nothing, so every caller may retry.
/// </summary>
public sealed partial class BatchLoader
{
    private const string ApplySavepoint = "apply_snapshot";

    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger _logger;

    /// <summary>Creates a loader on <paramref name="dataSource"/>.</summary>
    public BatchLoader(NpgsqlDataSource dataSource, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// How many appointments starting before a snapshot's window a load reads along with the window's (default 50,000,
    /// about 2.5 MB and a few tens of milliseconds). With all of a practice's appointments in hand, an unknown APP_LID
    /// is certainly new and goes straight in by COPY; a practice with a longer history has only its window read, and its
    /// unknown rows go through the merge (an old appointment rescheduled into the window keeps its APP_LID).
    /// </summary>
    public int MaxHistoryRows { get; init; } = 50_000;

    /// <summary>
    /// From this archived size on (default 8 MB, about 80,000 rows), the practice's appointments are read on a second
    /// connection while the file is parsed (<see cref="ExistingAppointments.StartReadingAsync"/>); a smaller file reads
    /// them first on the load's own connection, which costs fewer round trips.
    /// </summary>
    internal long ConcurrentReadFileBytes { get; init; } = 8L << 20;

    /// <summary>The clock a snapshot's time stamp is checked against.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// How far a snapshot's time stamp may be ahead of this server's clock (default 15 minutes) before it is held for
    /// review instead of applied: a stamp from the future would otherwise supersede every honest file after it.
    /// </summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How old a snapshot's time stamp may be (default 90 days, the archive's retention) before it is held for review.</summary>
    public TimeSpan MaxSnapshotAge { get; init; } = TimeSpan.FromDays(90);

    /// <summary>Problems stored per batch in <c>batch_row_errors</c> and the report; more are counted, not listed.</summary>
    public int MaxStoredProblems { get; init; } = 20_000;

    /// <summary>
    /// Loads batch <paramref name="batchId"/> (state <c>downloaded</c>, or <c>failed</c>/<c>needs_review</c> for a
    /// replay; <c>needs_review</c> only with <see cref="LoadMode.Approve"/>). Content problems end in a recorded state;
    /// infrastructure failures (database, disk) throw and leave the batch as it was. An unknown id throws
    /// <see cref="NotFoundException"/>; a batch in a state that cannot be loaded now, <see cref="ConflictException"/>.
    /// </summary>
    public async Task<LoadResult> LoadAsync(long batchId, string actor, LoadMode mode = LoadMode.Normal, CancellationToken cancellationToken = default) =>
        (await LoadWithReportAsync(batchId, actor, mode, cancellationToken)).Result;

    /// <summary>
    /// <see cref="LoadAsync"/>, and whether this load stored an error report for the vendor (null for a batch that was
    /// already final: nothing was loaded), so the pickup need not read the batch back to learn it (issue 18).
    /// </summary>
    internal async Task<(LoadResult Result, bool? ReportStored)> LoadWithReportAsync(long batchId, string actor, LoadMode mode, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(actor);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The savepoint a file's writes roll back to is set with the lock: the checks before the stream write nothing.
        var batch = await BatchRecorder.LockAsync(connection, transaction, batchId, ApplySavepoint, cancellationToken);
        if (batch.State is BatchStates.Applied or BatchStates.Superseded or BatchStates.Duplicate)
        {
            await transaction.RollbackAsync(cancellationToken);
            return (batch.ToResult(alreadyFinal: true), null);
        }

        if (batch.State == BatchStates.Claimed)
        {
            Throw.Conflict($"batch {batchId} is only claimed: its file has not been archived yet (the next poll downloads it)");
        }

        if (mode == LoadMode.Approve && batch.State != BatchStates.NeedsReview)
        {
            Throw.Conflict($"batch {batchId} is {batch.State}, not needs_review: only a held snapshot can be approved (use replay for a failed batch)");
        }

        var outcome = await LoadLockedAsync(connection, transaction, batch, mode, cancellationToken);
        // A load that changed something wakes the feed and seals its place in it last: the feed lock is held from there to
        // the commit only.
        var seal = outcome.State == BatchStates.Applied && outcome.Inserted + outcome.Updated + outcome.Removed > 0 ? outcome.Parsed?.Feed : null;
        var (result, reportStored) = await BatchRecorder.RecordAsync(connection, transaction, batch, outcome, actor, seal, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        var reason = result.Reason is null ? "" : ": " + result.Reason;
        if (result.State is BatchStates.Failed or BatchStates.NeedsReview)
        {
            // Issue 14: a file turned away or held needs a person; it must not hide among the INFO lines.
            NotApplied(_logger, batchId, batch.PracticeId, batch.RemoteName, result.State, reason);
        }
        else
        {
            Loaded(_logger, batchId, batch.PracticeId, batch.RemoteName, result.State, reason);
        }

        return (result, reportStored);
    }

    [LoggerMessage(LogLevel.Information, "batch {BatchId} of {PracticeId} ({FileName}): {State}{Reason}")]
    private static partial void Loaded(ILogger logger, long batchId, string practiceId, string fileName, string state, string reason);

    [LoggerMessage(LogLevel.Warning, "batch {BatchId} of {PracticeId} ({FileName}): {State}{Reason}")]
    private static partial void NotApplied(ILogger logger, long batchId, string practiceId, string fileName, string state, string reason);

    private async Task<Finish> LoadLockedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BatchRow batch, LoadMode mode, CancellationToken cancellationToken)
    {
        if (batch.ArchivePath is null || batch.Sha256 is null || !File.Exists(batch.ArchivePath))
        {
            return Finish.Failed($"the archived copy {batch.ArchivePath ?? "(none)"} is missing: restore it from backup and replay", [], 0);
        }

        // Read with the batch's lock (BatchRecorder.LockAsync): an earlier batch of the same bytes, the newest applied snapshot.
        if (SnapshotRules.Duplicate(batch.Sha256, batch.EarlierSameBytes) is { } isDuplicate)
        {
            return isDuplicate;
        }

        if (SnapshotRules.WrongFile(batch.RemoteName, batch.PracticeId) is { } wrongFile)
        {
            return wrongFile;
        }

        if (mode == LoadMode.Normal && (SnapshotRules.FromTheFuture(batch.SnapshotTime, Time.GetUtcNow().UtcDateTime, MaxClockSkew)
            ?? SnapshotRules.TooOld(batch.SnapshotTime, Time.GetUtcNow().UtcDateTime, MaxSnapshotAge)) is { } outOfRange)
        {
            return new Finish(BatchStates.NeedsReview, outOfRange);
        }

        if (SnapshotRules.Superseded(batch.SnapshotTime, batch.NewestApplied) is { } superseded)
        {
            return superseded;
        }

        // What the practice has (all of it, or from the snapshot's configured window on: MaxHistoryRows), to classify
        // every file row as new, changed or unchanged on the way in. The practice's row lock (BatchRecorder.LockAsync)
        // keeps every other load of the practice out until commit, so the picture stays true. For a large file the rows
        // are read on a second connection in this transaction's snapshot while the file is parsed (issue 18).
        var from = batch.Window(null, null).Start;
        var existing = new FileInfo(batch.ArchivePath).Length >= ConcurrentReadFileBytes
            ? await ExistingAppointments.StartReadingAsync(_dataSource, connection, transaction, batch.PracticeId, from, MaxHistoryRows, ApplySavepoint, cancellationToken)
            : await ExistingAppointments.LoadAsync(connection, transaction, batch.PracticeId, from, MaxHistoryRows, cancellationToken);
        try
        {
            return await ApplyAsync(connection, transaction, batch, mode, existing, cancellationToken);
        }
        finally
        {
            await existing.StopAsync(); // the read's snapshot is this transaction's: it ends before the transaction does
        }
    }

    private async Task<Finish> ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BatchRow batch, LoadMode mode, ExistingAppointments existing, CancellationToken cancellationToken)
    {
        Parsed parsed;
        try
        {
            parsed = await SnapshotStream.StreamAsync(connection, transaction, batch, existing, MaxStoredProblems, _logger, cancellationToken);
        }
        catch (ContractFileException ex)
        {
            await transaction.RollbackAsync(ApplySavepoint, cancellationToken);
            return Finish.Failed(ex.Problem.Message, [ex.Problem], 0);
        }

        async Task<Finish> Undo(Finish finish)
        {
            await transaction.RollbackAsync(ApplySavepoint, cancellationToken);
            return finish;
        }

        var recorded = batch.Sha256!; // checked by LoadLockedAsync
        if (!string.Equals(parsed.Sha256, recorded, StringComparison.Ordinal))
        {
            return await Undo(Finish.Failed($"the archived copy {batch.ArchivePath} no longer has the SHA-256 recorded at download ({recorded[..12]}…, now {parsed.Sha256[..12]}…): restore it from backup and replay", [], 0));
        }

        var problems = parsed.Problems;
        if (parsed.RowsInvalid > 0 && batch.Policy == RowErrorPolicy.RejectFile)
        {
            return await Undo(Finish.Failed($"{parsed.RowsInvalid.ToString(CultureInfo.InvariantCulture)} invalid row(s) and the practice's policy is RejectFile; nothing applied", problems, parsed.OmittedProblems) with
            {
                Parsed = parsed,
            });
        }

        if (parsed.RowsTotal > 0 && parsed.RowsValid == 0)
        {
            // Not an empty snapshot (that says "no appointments"): a file whose every row is wrong says nothing.
            return await Undo(Finish.Failed($"none of the file's {parsed.RowsTotal.ToString(CultureInfo.InvariantCulture)} row(s) is valid; nothing applied: see the error report", problems, parsed.OmittedProblems) with
            {
                Parsed = parsed,
            });
        }

        // The guard and the removal look at the appointments as they were before this file: ExistingAppointments.
        await existing.Reading;
        var (windowStart, windowEnd) = batch.Window(parsed.FirstDate, parsed.LastDate);
        var inWindow = existing.CountInWindow(windowStart, windowEnd);
        var gone = existing.Unseen(windowStart, windowEnd);
        if (mode == LoadMode.Normal)
        {
            var hadNonEmpty = parsed.RowsValid == 0 && await BatchRecorder.HadNonEmptySnapshotAsync(connection, transaction, batch, cancellationToken);
            if (SnapshotRules.Hold(parsed.RowsValid, hadNonEmpty, inWindow, gone.Count, batch.MaxRemovalShare) is { } hold)
            {
                return await Undo(new Finish(BatchStates.NeedsReview, hold) { Parsed = parsed, Problems = problems, OmittedProblems = parsed.OmittedProblems, WindowStart = windowStart, WindowEnd = windowEnd });
            }
        }

        long inserted = parsed.Added, updated = 0;
        if (parsed.Staged > 0)
        {
            await parsed.Feed.StartAsync(connection, transaction, cancellationToken);
            var (added, changed) = await SnapshotMerge.MergeStagedAsync(connection, transaction, batch, cancellationToken);
            inserted += added;
            updated = changed;
        }

        long removed = 0;
        if (gone.Count > 0)
        {
            await parsed.Feed.StartAsync(connection, transaction, cancellationToken);
            removed = await SnapshotMerge.RemoveAsync(connection, transaction, batch, gone, cancellationToken);
        }

        // The NOTIFY goes with the record (BatchRecorder.RecordAsync); the savepoint is released by the commit.
        string? note = parsed.RowsInvalid > 0
            ? $"{parsed.RowsInvalid.ToString(CultureInfo.InvariantCulture)} invalid row(s) rejected (RejectRows); see the error report"
            : null;
        return new Finish(BatchStates.Applied, note)
        {
            Parsed = parsed,
            Problems = problems,
            OmittedProblems = parsed.OmittedProblems,
            Inserted = inserted,
            Updated = updated,
            Removed = removed,
            WindowStart = windowStart,
            WindowEnd = windowEnd,
        };
    }
}
