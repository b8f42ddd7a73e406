using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Practices;
using RecallFiles.Schemas;

namespace RecallFiles.Importer.Loading;

/// <summary>How a load treats the mass-removal guard.</summary>
public enum LoadMode
{
    /// <summary>A first load or a replay: the guard holds suspicious snapshots for review.</summary>
    Normal,

    /// <summary>Support approved a held snapshot: the guard is bypassed (everything else is checked again).</summary>
    Approve,
}

/// <summary>The outcome of one load attempt.</summary>
/// <param name="BatchId">The batch.</param>
/// <param name="State">Its state afterwards (see <see cref="BatchStates"/>).</param>
/// <param name="Reason">Why it is not applied, or a note (warnings, rejected rows); null when clean.</param>
/// <param name="RowsTotal">Data rows in the file.</param>
/// <param name="RowsValid">Rows without errors.</param>
/// <param name="RowsInvalid">Rows with errors (rejected).</param>
/// <param name="Inserted">Appointments added (new, or back after a removal).</param>
/// <param name="Updated">Appointments changed (including status changes).</param>
/// <param name="Removed">Appointments marked removed.</param>
/// <param name="Unchanged">Valid rows that changed nothing.</param>
/// <param name="AlreadyFinal">True when the batch was already applied, superseded or a duplicate and nothing was done.</param>
public sealed record LoadResult(long BatchId, string State, string? Reason, long RowsTotal, long RowsValid, long RowsInvalid,
    long Inserted, long Updated, long Removed, long Unchanged, bool AlreadyFinal = false);

/// <summary>
/// Applies one archived snapshot to the store in one transaction: read what the practice has
/// (<see cref="ExistingAppointments"/>), stream-parse and validate the file with Schemas, and classify every valid row
/// by APP_LID and content hash on the way: new appointments and their <c>added</c> events go straight into their
/// tables by binary COPY, changed ones into a temporary staging table merged into <c>appointments</c> afterwards
/// (keyed by practice and APP_LID), unchanged ones nowhere. Appointments of the snapshot's window that the file does not
/// name are marked removed. Every change appends one <c>appointment_events</c> row, followed by
/// <c>NOTIFY appointment_events</c>. Whatever the file wrote is rolled back to a savepoint when the batch ends held or failed.
/// Duplicates, superseded snapshots, the mass-removal guard, row-error policies and file errors are decided here and
/// recorded on the batch. Loading a batch that is already final does nothing, so every caller may retry.
/// </summary>
public sealed class BatchLoader
{
    /// <summary>The NOTIFY channel of the reminder feed; the payload is the practice id.</summary>
    public const string NotifyChannel = "appointment_events";

    // Event ids must become visible in id order, or a consumer reading "id > cursor" could skip an id that commits
    // after a higher one. Loads take this transaction lock just before their first event, so the event phase and
    // commit of two loads never interleave (loads of the same practice are serialized by the practices row lock anyway).
    internal const long FeedLockKey = 0x5265_6361_6c6c_4602;

    private const string StagingColumns =
        "app_lid, starts_at, app_date, app_start_time, app_end_time, user_landline_phone, user_mobile_phone, user_work_phone, user_email, " +
        "user_language, communication_preferences, privacy, status, resource_lid, resource_name, resource_mobile_phone, resource_email, location_lid, location_name";

    private const string Compared =
        "starts_at, app_date, app_start_time, app_end_time, user_landline_phone, user_mobile_phone, user_work_phone, user_email, " +
        "user_language, communication_preferences, privacy, status, resource_lid, resource_name, resource_mobile_phone, resource_email, location_lid, location_name";

    // The event payload: what a reminder engine needs to plan, as compact json (jsonb_build_object of every column
    // cost 2.3x as much on a 1,000,000-row first load). The full row stays in appointments.
    private const string PayloadColumns =
        "app_lid, last_change, starts_at, app_end_time, user_mobile_phone, user_landline_phone, user_email, user_language, communication_preferences, status, resource_lid, location_lid";

    private const string Payload = """
        json_build_object('starts_at', x.starts_at, 'end', x.app_end_time, 'mobile', x.user_mobile_phone, 'landline', x.user_landline_phone,
            'email', x.user_email, 'language', x.user_language, 'preferences', x.communication_preferences, 'status', x.status,
            'resource', x.resource_lid, 'location', x.location_lid)
        """;

    // A million-row snapshot keeps single statements busy for tens of seconds on a small machine: far past Npgsql's
    // default of 30 s. A broken connection still fails at once; this only bounds a statement that is working.
    internal static readonly TimeSpan LongCommandTimeout = TimeSpan.FromMinutes(10);

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

    /// <summary>Problems stored per batch in <c>batch_row_errors</c> and the report; more are counted, not listed.</summary>
    public int MaxStoredProblems { get; init; } = 100_000;

    /// <summary>
    /// Loads batch <paramref name="batchId"/> (state <c>downloaded</c>, or <c>failed</c>/<c>needs_review</c> for a
    /// replay; <c>needs_review</c> only with <see cref="LoadMode.Approve"/>). Content problems end in a recorded state;
    /// infrastructure failures (database, disk) throw and leave the batch as it was.
    /// </summary>
    public async Task<LoadResult> LoadAsync(long batchId, string actor, LoadMode mode = LoadMode.Normal, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(actor);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var batch = await LockAsync(connection, transaction, batchId, cancellationToken);
        if (batch.State is BatchStates.Applied or BatchStates.Superseded or BatchStates.Duplicate)
        {
            await transaction.RollbackAsync(cancellationToken);
            return batch.ToResult(alreadyFinal: true);
        }

        if (batch.State == BatchStates.Claimed)
        {
            throw new InvalidOperationException($"batch {batchId} is only claimed: its file has not been archived yet (the next poll downloads it)");
        }

        if (mode == LoadMode.Approve && batch.State != BatchStates.NeedsReview)
        {
            throw new InvalidOperationException($"batch {batchId} is {batch.State}, not needs_review: only a held snapshot can be approved (use replay for a failed batch)");
        }

        var outcome = await LoadLockedAsync(connection, transaction, batch, mode, cancellationToken);
        var result = await RecordAsync(connection, transaction, batch, outcome, actor, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        _logger.LogInformation("batch {BatchId} of {Practice} ({File}): {State}{Reason}", batchId, batch.PracticeId, batch.RemoteName, result.State,
            result.Reason is null ? "" : ": " + result.Reason);
        return result;
    }

    private async Task<Finish> LoadLockedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BatchRow batch, LoadMode mode, CancellationToken cancellationToken)
    {
        if (batch.ArchivePath is null || batch.Sha256 is null || !File.Exists(batch.ArchivePath))
        {
            return Finish.Failed($"the archived copy {batch.ArchivePath ?? "(none)"} is missing: restore it from backup and replay", [], 0);
        }

        // The same bytes as an earlier batch of this practice change nothing (issue 5.4).
        await using (var duplicate = Command(connection, transaction, """
            SELECT id FROM batches WHERE practice_id = $1 AND sha256 = $2 AND id < $3
              AND state IN ('applied', 'needs_review', 'superseded') ORDER BY id LIMIT 1
            """, batch.PracticeId, batch.Sha256, batch.Id))
        {
            if (await duplicate.ExecuteScalarAsync(cancellationToken) is long original)
            {
                return new Finish(BatchStates.Duplicate, $"the same bytes (SHA-256 {batch.Sha256[..12]}…) as batch {original.ToString(CultureInfo.InvariantCulture)}; nothing changed")
                {
                    DuplicateOf = original,
                };
            }
        }

        // The practice comes from the folder; a name that says otherwise is a vendor mistake we do not guess about.
        if (ContractFileName.TryParse(batch.RemoteName, out var name, out _))
        {
            if (name!.Kind != FileKind.Appointments)
            {
                return Finish.Failed($"{batch.RemoteName} is a {name.Kind.ToName()} file, not an appointments file: put it in the right folder", [], 0);
            }

            if (!string.Equals(name.PracticeId, batch.PracticeId, StringComparison.Ordinal))
            {
                return Finish.Failed($"{batch.RemoteName} names practice {name.PracticeId} but was found in the folder of practice {batch.PracticeId}; " +
                    "a file is always applied to the practice whose folder it is in, so it was not applied: rename it or move it to the right folder", [], 0);
            }
        }

        // An older snapshot than the newest applied one would roll the practice back (issue 5.3).
        await using (var newest = Command(connection, transaction,
            "SELECT max(file_timestamp) FROM batches WHERE practice_id = $1 AND state = 'applied' AND id <> $2", batch.PracticeId, batch.Id))
        {
            if (await newest.ExecuteScalarAsync(cancellationToken) is DateTime newestApplied && batch.SnapshotTime < newestApplied)
            {
                return new Finish(BatchStates.Superseded,
                    $"snapshot of {batch.SnapshotTime:yyyy-MM-dd HH:mm:ss}Z is older than the newest applied one ({newestApplied:yyyy-MM-dd HH:mm:ss}Z); not applied");
            }
        }

        // What the practice has (all of it, or from the snapshot's configured window on: MaxHistoryRows), to classify
        // every file row as new, changed or unchanged on the way in. New appointments and their events go straight into
        // their tables by COPY; changed ones, and unknown ones when older history was not read, go to a staging table
        // merged afterwards; unchanged ones cost nothing in the database. The practice's row lock (LockAsync) keeps
        // every other load of the practice out until commit, so the picture stays true.
        var existing = await ExistingAppointments.LoadAsync(connection, transaction, batch.PracticeId, batch.Window(null, null).Start, MaxHistoryRows, cancellationToken);
        await transaction.SaveAsync(ApplySavepoint, cancellationToken);
        Parsed parsed;
        try
        {
            parsed = await StreamAsync(connection, transaction, batch, existing, cancellationToken);
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

        if (!string.Equals(parsed.Sha256, batch.Sha256, StringComparison.Ordinal))
        {
            return await Undo(Finish.Failed($"the archived copy {batch.ArchivePath} no longer has the SHA-256 recorded at download ({batch.Sha256[..12]}…, now {parsed.Sha256[..12]}…): restore it from backup and replay", [], 0));
        }

        var problems = parsed.Problems;
        if (parsed.RowsInvalid > 0 && batch.Policy == RowErrorPolicy.RejectFile)
        {
            return await Undo(Finish.Failed($"{parsed.RowsInvalid.ToString(CultureInfo.InvariantCulture)} invalid row(s) and the practice's policy is RejectFile; nothing applied", problems, parsed.OmittedProblems) with
            {
                Parsed = parsed,
            });
        }

        // The guard and the removal look at the appointments as they were before this file: ExistingAppointments.
        var (windowStart, windowEnd) = batch.Window(parsed.FirstDate, parsed.LastDate);
        var inWindow = existing.CountInWindow(windowStart, windowEnd);
        var gone = existing.Unseen(windowStart, windowEnd);
        if (mode == LoadMode.Normal)
        {
            string? hold = null;
            if (parsed.RowsValid == 0 && await HadNonEmptySnapshotAsync(connection, transaction, batch, cancellationToken))
            {
                hold = "an empty snapshot after a non-empty one: held for review (approve it if the practice really has no appointments)";
            }
            else if (inWindow > 0 && gone.Count > batch.MaxRemovalShare * inWindow)
            {
                hold = string.Create(CultureInfo.InvariantCulture,
                    $"would remove {gone.Count} of the {inWindow} appointments in its window ({100.0 * gone.Count / inWindow:0.#} % > {100 * batch.MaxRemovalShare:0.#} % MaxRemovalShare): held for review");
            }

            if (hold is not null)
            {
                return await Undo(new Finish(BatchStates.NeedsReview, hold) { Parsed = parsed, Problems = problems, OmittedProblems = parsed.OmittedProblems, WindowStart = windowStart, WindowEnd = windowEnd });
            }
        }

        long inserted = parsed.Added, updated = 0;
        if (parsed.Staged > 0)
        {
            await parsed.Feed.AcquireAsync(connection, transaction, cancellationToken);
            var (added, changed) = await MergeStagedAsync(connection, transaction, batch, cancellationToken);
            inserted += added;
            updated = changed;
        }

        long removed = 0;
        if (gone.Count > 0)
        {
            await parsed.Feed.AcquireAsync(connection, transaction, cancellationToken);
            await using var removal = Command(connection, transaction, $"""
                WITH removed AS (
                    UPDATE appointments a SET removed = true, last_batch_id = $2, last_change = 'removed', updated_at = now()
                    FROM unnest($3::text[]) AS g (app_lid) WHERE a.practice_id = $1 AND a.app_lid = g.app_lid AND NOT a.removed
                    RETURNING {string.Join(", ", PayloadColumns.Split(", ").Select(c => "a." + c))}
                ), ev AS (
                    INSERT INTO appointment_events (practice_id, app_lid, kind, payload, batch_id)
                    SELECT $1, x.app_lid, 'removed', {Payload}, $2 FROM removed x
                    RETURNING 1
                )
                SELECT count(*) FROM ev
                """, batch.PracticeId, batch.Id, gone.ToArray());
            removed = (long)(await removal.ExecuteScalarAsync(cancellationToken))!;
        }

        if (inserted + updated + removed > 0)
        {
            await using var notify = Command(connection, transaction, $"SELECT pg_notify('{NotifyChannel}', $1)", batch.PracticeId);
            await notify.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.ReleaseAsync(ApplySavepoint, cancellationToken);
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

    /// <summary>
    /// Merges the staged rows (appointments the practice has whose stored values differ or that were removed, and rows
    /// not among the appointments read, which may be new) and appends their events; returns (added, changed). Rows
    /// whose hash differed but whose values are equal (a hash of an older version, or none yet) only get the new hash:
    /// no event.
    /// </summary>
    private static async Task<(long Added, long Changed)> MergeStagedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BatchRow batch, CancellationToken cancellationToken)
    {
        await using (var analyze = Command(connection, transaction, "ANALYZE staging"))
        {
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        }

        long added, changed;
        var set = string.Join(", ", Compared.Split(", ").Select(c => $"{c} = excluded.{c}"));
        await using (var merge = Command(connection, transaction, $"""
            WITH up AS (
                INSERT INTO appointments AS a (practice_id, {StagingColumns}, row_hash, removed, first_batch_id, last_batch_id, last_change, updated_at)
                SELECT $1, {StagingColumns}, row_hash, false, $2, $2, 'added', now() FROM staging
                ON CONFLICT (practice_id, app_lid) DO UPDATE SET {set}, row_hash = excluded.row_hash, removed = false, last_batch_id = excluded.last_batch_id,
                    last_change = CASE WHEN a.removed THEN 'added' WHEN a.status IS DISTINCT FROM excluded.status THEN 'status-changed' ELSE 'changed' END,
                    updated_at = now()
                WHERE a.removed OR ({string.Join(", ", Compared.Split(", ").Select(c => "a." + c))}) IS DISTINCT FROM ({string.Join(", ", Compared.Split(", ").Select(c => "excluded." + c))})
                RETURNING {string.Join(", ", PayloadColumns.Split(", ").Select(c => "a." + c))}
            ), ev AS (
                INSERT INTO appointment_events (practice_id, app_lid, kind, payload, batch_id)
                SELECT $1, x.app_lid, x.last_change, {Payload}, $2 FROM up x
                RETURNING kind
            )
            SELECT count(*) FILTER (WHERE kind = 'added'), count(*) FILTER (WHERE kind <> 'added') FROM ev
            """, batch.PracticeId, batch.Id))
        await using (var reader = await merge.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            added = reader.GetInt64(0);
            changed = reader.GetInt64(1);
        }

        await using (var heal = Command(connection, transaction, """
            UPDATE appointments a SET row_hash = s.row_hash FROM staging s
            WHERE a.practice_id = $1 AND a.app_lid = s.app_lid AND a.row_hash IS DISTINCT FROM s.row_hash
            """, batch.PracticeId))
        {
            await heal.ExecuteNonQueryAsync(cancellationToken);
        }

        return (added, changed);
    }

    /// <summary>
    /// Reads, validates and classifies the archived file, and writes it to the database on the way: new appointments
    /// and their <c>added</c> events by binary COPY into their tables, changed ones into the staging table. Parsing runs
    /// on its own thread, a few chunks ahead of the COPYs (memory stays flat whatever the file size); each chunk is
    /// one COPY per table, so a file error stops the reading between two COPYs and the transaction stays usable.
    /// </summary>
    private async Task<Parsed> StreamAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BatchRow batch, ExistingAppointments existing, CancellationToken cancellationToken)
    {
        var parsed = new Parsed();
        await using var file = new FileStream(batch.ArchivePath!, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var hashing = new HashingStream(file);
        using var reader = ContractReader.OpenAppointments(hashing, batch.RemoteName, leaveOpen: true);
        foreach (var warning in reader.HeaderWarnings)
        {
            parsed.Add(warning, MaxStoredProblems);
        }

        var rejectFile = batch.Policy == RowErrorPolicy.RejectFile;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var full = Channel.CreateBounded<LoadChunk>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var spare = new System.Collections.Concurrent.ConcurrentQueue<LoadChunk>();
        var producer = Task.Run(async () =>
        {
            try
            {
                var encoder = new RowEncoder(batch.PracticeId, batch.Id);
                var chunk = new LoadChunk();
                foreach (var row in reader.ReadRows(stop.Token))
                {
                    parsed.RowsTotal++;
                    var r = row.Record;
                    if (!row.IsValid)
                    {
                        parsed.RowsInvalid++;
                        foreach (var p in row.Problems)
                        {
                            if (p.Severity == ProblemSeverity.Error)
                            {
                                parsed.Add(p, MaxStoredProblems);
                            }
                        }

                        // A rejected row still names its appointment: the snapshot does not say it is gone.
                        existing.MarkSeen(r.AppLid);
                        continue;
                    }

                    if (!ContractFormats.TryParseDate(r.AppDate, out var date))
                    {
                        throw new InvalidOperationException($"Schemas accepted APP_DATE '{r.AppDate}' on line {row.Line} but it does not parse"); // a bug, not input
                    }

                    parsed.RowsValid++;
                    parsed.Observe(date);
                    if (rejectFile && parsed.RowsInvalid > 0)
                    {
                        continue; // nothing of this file will be applied: read on only to report every problem
                    }

                    TimeOnly? start = ContractFormats.TryParseTime(r.AppStartTime, out var s) ? s : null;
                    TimeOnly? end = ContractFormats.TryParseTime(r.AppEndTime, out var e) ? e : null;
                    encoder.Encode(r, date, start, end);
                    var entry = existing.Find(encoder.AppLid);
                    if (entry < 0 && existing.Complete)
                    {
                        encoder.WriteNew(chunk.Appointments, chunk.Events, r, date, start, end);
                        parsed.Added++;
                    }
                    else if (entry < 0 || !existing.MarkSeen(entry, encoder.Hash))
                    {
                        encoder.WriteStaging(chunk.Staging); // changed, or not among the appointments read: the merge decides
                        parsed.Staged++;
                    }

                    if (chunk.Bytes >= ChunkBytes)
                    {
                        await full.Writer.WriteAsync(chunk, stop.Token);
                        chunk = spare.TryDequeue(out var reused) ? reused : new LoadChunk();
                    }
                }

                if (chunk.Bytes > 0 && !(rejectFile && parsed.RowsInvalid > 0))
                {
                    await full.Writer.WriteAsync(chunk, stop.Token);
                }

                parsed.Sha256 = hashing.Finish();
            }
            finally
            {
                full.Writer.Complete();
            }
        }, stop.Token);

        var completed = false;
        try
        {
            var stagingCreated = false;
            await foreach (var chunk in full.Reader.ReadAllAsync(cancellationToken))
            {
                if (chunk.Appointments.Rows > 0)
                {
                    await CopyAsync(connection, $"COPY appointments (practice_id, {StagingColumns}, row_hash, removed, first_batch_id, last_batch_id, last_change) FROM STDIN (FORMAT BINARY)",
                        chunk.Appointments, crashPoint: true, cancellationToken);
                    await parsed.Feed.AcquireAsync(connection, transaction, cancellationToken);
                    await CopyAsync(connection, "COPY appointment_events (practice_id, app_lid, kind, payload, batch_id) FROM STDIN (FORMAT BINARY)",
                        chunk.Events, crashPoint: false, cancellationToken);
                }

                if (chunk.Staging.Rows > 0)
                {
                    if (!stagingCreated)
                    {
                        await using var create = Command(connection, transaction, """
                            CREATE TEMP TABLE staging (
                                app_lid text NOT NULL, starts_at timestamp NOT NULL, app_date date NOT NULL, app_start_time time, app_end_time time,
                                user_landline_phone text, user_mobile_phone text, user_work_phone text, user_email text, user_language text,
                                communication_preferences text, privacy text, status text, resource_lid text NOT NULL, resource_name text NOT NULL,
                                resource_mobile_phone text, resource_email text, location_lid text, location_name text, row_hash uuid NOT NULL) ON COMMIT DROP
                            """);
                        await create.ExecuteNonQueryAsync(cancellationToken);
                        stagingCreated = true;
                    }

                    await CopyAsync(connection, $"COPY staging ({StagingColumns}, row_hash) FROM STDIN (FORMAT BINARY)", chunk.Staging, crashPoint: true, cancellationToken);
                }

                chunk.Clear();
                spare.Enqueue(chunk);
            }

            await producer; // a file error surfaces here, between two COPYs
            completed = true;
        }
        finally
        {
            if (!completed)
            {
                await stop.CancelAsync();
                _logger.LogDebug("stopping the load of batch {BatchId}", batch.Id);
                // Wait for the producer without observing its outcome: its failure (or the COPY's) is already being thrown.
                await Task.WhenAny(producer);
            }
        }

        return parsed;
    }

    // A chunk is flushed once its buffers hold this much: about 10,000 appointment rows with their events.
    private const int ChunkBytes = 4 << 20;

    private const string ApplySavepoint = "apply_snapshot";

    private static async Task CopyAsync(NpgsqlConnection connection, string copy, CopyBuffer rows, bool crashPoint, CancellationToken cancellationToken)
    {
        await using var stream = await connection.BeginRawBinaryCopyAsync(copy, cancellationToken);
        stream.WriteTimeout = (int)LongCommandTimeout.TotalMilliseconds;
        stream.ReadTimeout = (int)LongCommandTimeout.TotalMilliseconds;
        var written = false;
        try
        {
            await stream.WriteAsync(CopyBuffer.Header.ToArray(), cancellationToken);
            await stream.WriteAsync(rows.WrittenMemory, cancellationToken);
            if (crashPoint)
            {
                await stream.FlushAsync(cancellationToken);
                CrashPoints.Hit(CrashPoints.DuringCopy);
            }

            await stream.WriteAsync(CopyBuffer.Trailer.ToArray(), cancellationToken);
            written = true;
        }
        finally
        {
            if (!written)
            {
                // CopyFail, so a half-written chunk is never taken as complete, and the original error is what surfaces.
                await stream.CancelAsync();
            }
        }

        // Disposing the stream sends CopyDone and waits for the server to finish the COPY.
    }

    /// <summary>The buffers of one chunk of the file, on their way from the parsing thread to the COPYs.</summary>
    private sealed class LoadChunk
    {
        public CopyBuffer Appointments { get; } = new(1 << 20);

        public CopyBuffer Events { get; } = new(1 << 20);

        public CopyBuffer Staging { get; } = new(1 << 16);

        public int Bytes => Appointments.Length + Events.Length + Staging.Length;

        public void Clear()
        {
            Appointments.Clear();
            Events.Clear();
            Staging.Clear();
        }
    }

    /// <summary>The feed lock (<see cref="FeedLockKey"/>), taken once per load just before its first event.</summary>
    private sealed class FeedLock
    {
        private bool _held;

        public async Task AcquireAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
        {
            if (_held)
            {
                return;
            }

            await using var command = Command(connection, transaction, $"SELECT pg_advisory_xact_lock({FeedLockKey})");
            await command.ExecuteNonQueryAsync(cancellationToken);
            _held = true;
        }
    }

    private static void WriteText(NpgsqlBinaryImporter importer, string? value)
    {
        if (value is null)
        {
            importer.WriteNull();
        }
        else
        {
            importer.Write(value, NpgsqlDbType.Text);
        }
    }

    private static async Task<bool> HadNonEmptySnapshotAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BatchRow batch, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction,
            "SELECT EXISTS (SELECT 1 FROM batches WHERE practice_id = $1 AND id <> $2 AND state = 'applied' AND rows_valid > 0)", batch.PracticeId, batch.Id);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<BatchRow> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long batchId, CancellationToken cancellationToken)
    {
        // Lock the practice first: every load of one practice is serialized (pickup on any server, replay, approve).
        await using (var practice = Command(connection, transaction,
            "SELECT 1 FROM practices WHERE id = (SELECT practice_id FROM batches WHERE id = $1) FOR UPDATE", batchId))
        {
            if (await practice.ExecuteScalarAsync(cancellationToken) is null)
            {
                throw new BatchNotFoundException(batchId);
            }
        }

        await using var command = Command(connection, transaction, """
            SELECT b.id, b.practice_id, b.remote_name, b.state, b.sha256, b.archive_path, coalesce(b.file_timestamp, b.remote_mtime),
                   p.time_zone, p.row_error_policy, p.max_removal_share, p.window_past, p.window_ahead,
                   b.rows_total, b.rows_valid, b.rows_invalid, b.inserted, b.updated, b.removed, b.unchanged, b.reason
            FROM batches b JOIN practices p ON p.id = b.practice_id WHERE b.id = $1 FOR UPDATE OF b
            """, batchId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new BatchNotFoundException(batchId);
        }

        return new BatchRow(
            reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
            DateTime.SpecifyKind(reader.GetDateTime(6), DateTimeKind.Utc),
            reader.GetString(7), PracticeStore.FromDb(reader.GetString(8)), (double)reader.GetDecimal(9),
            reader.GetFieldValue<TimeSpan>(10), reader.GetFieldValue<TimeSpan>(11),
            [.. Enumerable.Range(12, 7).Select(i => reader.IsDBNull(i) ? 0L : reader.GetInt64(i))],
            reader.IsDBNull(19) ? null : reader.GetString(19));
    }

    private static async Task<LoadResult> RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BatchRow batch, Finish f, string actor, CancellationToken cancellationToken)
    {
        var p = f.Parsed;
        var unchanged = f.State == BatchStates.Applied && p is not null ? p.RowsValid - f.Inserted - f.Updated : 0;
        var report = f.Problems.Count > 0 ? ErrorReport.Build(f.Problems, f.OmittedProblems) : null;
        await using (var update = Command(connection, transaction, """
            UPDATE batches SET state = $2, reason = $3, rows_total = $4, rows_valid = $5, rows_invalid = $6, inserted = $7, updated = $8,
                removed = $9, unchanged = $10, window_start = $11, window_end = $12, error_report = $13, duplicate_of = $14,
                report_uploaded = CASE WHEN $13 IS NULL THEN true ELSE false END,
                attempts = attempts + 1, finished_at = now(), updated_at = now()
            WHERE id = $1
            """, batch.Id, f.State, f.Reason, p?.RowsTotal, p?.RowsValid, p?.RowsInvalid,
            f.State == BatchStates.Applied ? f.Inserted : null, f.State == BatchStates.Applied ? f.Updated : null,
            f.State == BatchStates.Applied ? f.Removed : null, f.State == BatchStates.Applied ? unchanged : null,
            f.WindowStart, f.WindowEnd, report, f.DuplicateOf))
        {
            update.Parameters[12].NpgsqlDbType = NpgsqlDbType.Bytea;
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var clear = Command(connection, transaction, "DELETE FROM batch_row_errors WHERE batch_id = $1", batch.Id))
        {
            await clear.ExecuteNonQueryAsync(cancellationToken);
        }

        if (f.Problems.Count > 0)
        {
            await using var copy = await connection.BeginBinaryImportAsync(
                "COPY batch_row_errors (batch_id, line, column_name, code, severity, message) FROM STDIN (FORMAT BINARY)", cancellationToken);
            foreach (var problem in f.Problems)
            {
                copy.StartRow();
                copy.Write(batch.Id, NpgsqlDbType.Bigint);
                if (problem.Line is { } line)
                {
                    copy.Write(line, NpgsqlDbType.Bigint);
                }
                else
                {
                    copy.WriteNull();
                }

                WriteText(copy, problem.Column);
                copy.Write(problem.Code, NpgsqlDbType.Text);
                copy.Write(problem.Severity == ProblemSeverity.Error ? "error" : "warning", NpgsqlDbType.Text);
                copy.Write(problem.Message, NpgsqlDbType.Text);
            }

            await copy.CompleteAsync(cancellationToken);
        }

        await BatchStates.RecordAsync(connection, transaction, batch.Id, batch.State, f.State, actor, f.Reason, cancellationToken);
        return new LoadResult(batch.Id, f.State, f.Reason, p?.RowsTotal ?? 0, p?.RowsValid ?? 0, p?.RowsInvalid ?? 0, f.Inserted, f.Updated, f.Removed, unchanged);
    }

    internal static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params object?[] values)
    {
        var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = (int)LongCommandTimeout.TotalSeconds };
        foreach (var value in values)
        {
            command.Parameters.Add(value switch
            {
                null => new NpgsqlParameter { Value = DBNull.Value }, // sent untyped: the server infers the type from the statement
                DateTime { Kind: DateTimeKind.Unspecified } local => new NpgsqlParameter { Value = local, NpgsqlDbType = NpgsqlDbType.Timestamp },
                _ => new NpgsqlParameter { Value = value },
            });
        }

        return command;
    }

    private sealed record BatchRow(long Id, string PracticeId, string RemoteName, string State, string? Sha256, string? ArchivePath, DateTime SnapshotTime,
        string TimeZone, RowErrorPolicy Policy, double MaxRemovalShare, TimeSpan WindowPast, TimeSpan WindowAhead, long[] Counts, string? Reason)
    {
        /// <summary>
        /// The snapshot's window, in the practice's local time (appointment times are local): the exporter's window
        /// around the snapshot time (WindowPast before, WindowAhead after), narrowed to the days the file covers
        /// (first day 00:00 to the day after the last), so a vendor exporting a narrower window never removes what
        /// it did not send. An empty file uses the configured window. End exclusive. See docs/importer.md.
        /// </summary>
        public (DateTime Start, DateTime End) Window(DateOnly? first, DateOnly? last)
        {
            PracticeOptions.TryFindTimeZone(TimeZone, out var zone);
            var local = DateTime.SpecifyKind(TimeZoneInfo.ConvertTimeFromUtc(SnapshotTime, zone), DateTimeKind.Unspecified);
            var start = local - WindowPast;
            var end = local + WindowAhead;
            if (first is { } f && last is { } l)
            {
                var fileStart = f.ToDateTime(TimeOnly.MinValue);
                var fileEnd = l.AddDays(1).ToDateTime(TimeOnly.MinValue);
                start = start > fileStart ? start : fileStart;
                end = end < fileEnd ? end : fileEnd;
            }

            return end > start ? (start, end) : (start, start);
        }

        public LoadResult ToResult(bool alreadyFinal) =>
            new(Id, State, Reason, Counts[0], Counts[1], Counts[2], Counts[3], Counts[4], Counts[5], Counts[6], alreadyFinal);
    }

    private sealed class Parsed
    {
        /// <summary>New appointments written (COPY into appointments), each with its added event.</summary>
        public long Added { get; set; }

        /// <summary>Rows staged for the merge: known appointments with other values or removed, and rows that may be new.</summary>
        public long Staged { get; set; }

        public FeedLock Feed { get; } = new();

        public long RowsTotal { get; set; }

        public long RowsValid { get; set; }

        public long RowsInvalid { get; set; }

        public string Sha256 { get; set; } = "";

        public List<ContractProblem> Problems { get; } = [];

        public long OmittedProblems { get; private set; }

        public DateOnly? FirstDate { get; private set; }

        public DateOnly? LastDate { get; private set; }

        public void Add(ContractProblem problem, int max)
        {
            if (Problems.Count < max)
            {
                Problems.Add(problem);
            }
            else
            {
                OmittedProblems++;
            }
        }

        public void Observe(DateOnly date)
        {
            if (FirstDate is null || date < FirstDate)
            {
                FirstDate = date;
            }

            if (LastDate is null || date > LastDate)
            {
                LastDate = date;
            }
        }
    }

    private sealed record Finish(string State, string? Reason)
    {
        public Parsed? Parsed { get; init; }

        public IReadOnlyList<ContractProblem> Problems { get; init; } = [];

        public long OmittedProblems { get; init; }

        public long? DuplicateOf { get; init; }

        public long Inserted { get; init; }

        public long Updated { get; init; }

        public long Removed { get; init; }

        public DateTime? WindowStart { get; init; }

        public DateTime? WindowEnd { get; init; }

        public static Finish Failed(string reason, IReadOnlyList<ContractProblem> problems, long omitted) =>
            new(BatchStates.Failed, reason) { Problems = problems, OmittedProblems = omitted };
    }
}

/// <summary>No batch has that id.</summary>
public sealed class BatchNotFoundException : Exception
{
    /// <summary>Creates the exception for <paramref name="batchId"/>.</summary>
    public BatchNotFoundException(long batchId)
        : base($"there is no batch {batchId.ToString(CultureInfo.InvariantCulture)}: list them with 'recallfiles batches'") => BatchId = batchId;

    /// <summary>Creates the exception without an id.</summary>
    public BatchNotFoundException()
        : base("no such batch")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public BatchNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public BatchNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The id asked for.</summary>
    public long BatchId { get; }
}
