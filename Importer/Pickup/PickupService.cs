using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Loading;
using RecallFiles.Importer.Practices;
using RecallFiles.Transport;
using static RecallFiles.Importer.Loading.BatchLoader;

namespace RecallFiles.Importer.Pickup;

/// <summary>The outcome of one poll of one practice.</summary>
/// <param name="PracticeId">The practice.</param>
/// <param name="Busy">True when another poll of the practice (this or another server) was running: nothing was done.</param>
/// <param name="Claimed">New files claimed by this poll.</param>
/// <param name="Finished">Batches brought to their end (final state and remote file moved) by this poll, resumed ones included.</param>
/// <param name="Errors">Failures that left a batch to be finished by the next poll (drop box or database trouble).</param>
public sealed record PollResult(string PracticeId, bool Busy, int Claimed, int Finished, IReadOnlyList<string> Errors);

/// <summary>
/// Picks up a practice's files: eligible files (safe-pickup rules) → claim (a <c>batches</c> row whose unique key is
/// practice + folder + name + size + mtime, so two servers cannot both take a file) → download into the archive
/// (SHA-256 recorded) → load (<see cref="BatchLoader"/>, one transaction) → upload the error report when there is one
/// → only then move the remote file to <c>processed/yyyy/MM/dd/</c> (or delete it). Every step is recorded in the
/// batch before the next starts, and each poll first finishes the batches an earlier (crashed) poll left half done.
/// Polls of one practice never overlap: a session advisory lock per practice, held for the poll, covers every server.
/// </summary>
public sealed class PickupService
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly ImporterOptions _options;
    private readonly IReadOnlyDictionary<string, DropBoxOptions> _dropBoxes;
    private readonly BatchLoader _loader;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<string, SafePickup> _stable = new(StringComparer.Ordinal);
    private readonly Lock _stableLock = new();

    // Folders known to exist (endpoint + folder): creating processed/yyyy/MM/dd costs several round trips per file.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _ensured = new(StringComparer.Ordinal);

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
        _dropBoxes = dropBoxes;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _loader = new BatchLoader(dataSource, _logger);
    }

    /// <summary>The practices this service polls (enabled ones).</summary>
    public IEnumerable<PracticeOptions> Practices => _options.Practices.Select(p => p.Value with { Id = string.IsNullOrEmpty(p.Value.Id) ? p.Key : p.Value.Id }).Where(p => p.Enabled);

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
    public async Task<PollResult> PollAsync(PracticeOptions practice, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(practice);
        await using var lockConnection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var lockKey = $"recallfiles.pickup:{practice.Id}";
        await using (var tryLock = Command(lockConnection, null, "SELECT pg_try_advisory_lock(hashtextextended($1, 0))", lockKey))
        {
            if (!(bool)(await tryLock.ExecuteScalarAsync(cancellationToken))!)
            {
                return new PollResult(practice.Id, true, 0, 0, []);
            }
        }

        try
        {
            return await PollLockedAsync(practice, cancellationToken);
        }
        finally
        {
            await using var unlock = Command(lockConnection, null, "SELECT pg_advisory_unlock(hashtextextended($1, 0))", lockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private async Task<PollResult> PollLockedAsync(PracticeOptions practice, CancellationToken cancellationToken)
    {
        var dropBoxOptions = _dropBoxes.TryGetValue(practice.DropBox, out var found)
            ? found
            : throw new InvalidOperationException($"RecallFiles:Practices:{practice.Id}:DropBox names '{practice.DropBox}', which is not configured under RecallFiles:DropBoxes");
        await using var dropBox = DropBoxFactory.Create(dropBoxOptions, _time, _logger);
        var folder = practice.EffectiveFolder;
        var errors = new List<string>();
        var finished = 0;

        // 1. Finish what an earlier poll (on any server) left half done.
        var open = await OpenBatchesAsync(practice.Id, cancellationToken);
        var busyNames = new HashSet<string>(open.Select(b => b.RemoteName), StringComparer.Ordinal);
        foreach (var batch in open)
        {
            if (await AdvanceAsync(dropBox, practice, batch, errors, cancellationToken))
            {
                finished++;
            }
        }

        // 2. New files.
        var listing = await dropBox.ListAsync(folder, cancellationToken);
        PickupResult pickup;
        lock (_stableLock)
        {
            if (!_stable.TryGetValue(practice.Id, out var safe))
            {
                _stable[practice.Id] = safe = new SafePickup(dropBoxOptions, _time);
            }

            pickup = safe.Evaluate(listing);
        }

        foreach (var rejected in pickup.Rejected)
        {
            _logger.LogWarning("{Practice}: {File} is never opened: {Reason}", practice.Id, FileNameRules.Printable(rejected.Name), rejected.Reason);
        }

        var claimed = 0;
        foreach (var file in pickup.Eligible)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (busyNames.Contains(file.Name))
            {
                continue; // still being finished (step 1 left it for the next poll)
            }

            var batch = await ClaimAsync(practice, folder, file, cancellationToken);
            if (batch is null)
            {
                continue; // another server holds it
            }

            claimed++;
            CrashPoints.Hit(CrashPoints.AfterClaim);
            if (await AdvanceAsync(dropBox, practice, batch, errors, cancellationToken))
            {
                finished++;
            }
        }

        return new PollResult(practice.Id, false, claimed, finished, errors);
    }

    /// <summary>Moves one batch through its remaining steps; returns true when it reached its end.</summary>
    private async Task<bool> AdvanceAsync(IDropBox dropBox, PracticeOptions practice, OpenBatch batch, List<string> errors, CancellationToken cancellationToken)
    {
        try
        {
            var state = batch.State;
            if (state == BatchStates.Claimed)
            {
                state = await DownloadAsync(dropBox, batch, cancellationToken);
                CrashPoints.Hit(CrashPoints.AfterDownload);
            }

            if (state == BatchStates.Downloaded)
            {
                state = await LoadWithAttemptsAsync(batch, cancellationToken);
                CrashPoints.Hit(CrashPoints.AfterCommit);
            }

            if (!BatchStates.Final.Contains(state))
            {
                return false;
            }

            await UploadReportAsync(dropBox, practice, batch, cancellationToken);
            await DisposeRemoteAsync(dropBox, batch, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is DropBoxException or IOException or NpgsqlException or UnauthorizedAccessException or TimeoutException)
        {
            var message = $"batch {batch.Id} ({batch.RemoteName}): {ex.Message}";
            _logger.LogWarning(ex, "pickup of {Practice}: {Message}; the next poll retries", practice.Id, message);
            errors.Add(message);
            return false;
        }
    }

    private async Task<OpenBatch?> ClaimAsync(PracticeOptions practice, string folder, RemoteFileInfo file, CancellationToken cancellationToken)
    {
        DateTime? fileTimestamp = Schemas.ContractFileName.TryParse(file.Name, out var name, out _) ? name!.Timestamp.UtcDateTime : null;
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = Command(connection, transaction, """
            INSERT INTO batches (practice_id, remote_folder, remote_name, remote_size, remote_mtime, file_timestamp, state, claimed_by)
            VALUES ($1, $2, $3, $4, $5, $6, 'claimed', $7)
            ON CONFLICT (practice_id, remote_folder, remote_name, remote_size, remote_mtime) WHERE NOT remote_done DO NOTHING
            RETURNING id, claimed_at
            """, practice.Id, folder, file.Name, file.Size, DateTime.SpecifyKind(file.LastWriteTimeUtc, DateTimeKind.Utc),
            fileTimestamp is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : null, _options.EffectiveServerName);
        if (fileTimestamp is null)
        {
            insert.Parameters[5].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz;
        }

        long id;
        DateTime claimedAt;
        await using (var reader = await insert.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            id = reader.GetInt64(0);
            claimedAt = reader.GetDateTime(1);
        }

        await BatchStates.RecordAsync(connection, transaction, id, null, BatchStates.Claimed, _options.EffectiveServerName, null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        _logger.LogInformation("claimed {File} of {Practice} as batch {BatchId}", file.Name, practice.Id, id);
        return new OpenBatch(id, practice.Id, folder, file.Name, file.Size, BatchStates.Claimed, claimedAt, null, false, null);
    }

    private async Task<string> DownloadAsync(IDropBox dropBox, OpenBatch batch, CancellationToken cancellationToken)
    {
        var day = batch.ClaimedAt.ToUniversalTime();
        var path = Path.GetFullPath(Path.Combine(_options.ArchiveFolder, batch.PracticeId, day.ToString("yyyy", CultureInfo.InvariantCulture),
            day.ToString("MM", CultureInfo.InvariantCulture), day.ToString("dd", CultureInfo.InvariantCulture), batch.Id.ToString(CultureInfo.InvariantCulture), batch.RemoteName));
        long size;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
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
            return BatchStates.Failed;
        }

        if (size != batch.RemoteSize)
        {
            // Someone rewrote the file after it looked stable: do not trust either version; the new one is claimed afresh.
            File.Delete(path);
            await FinishWithoutFileAsync(batch, string.Create(CultureInfo.InvariantCulture,
                $"the file changed while it was picked up ({batch.RemoteSize} bytes listed, {size} downloaded); it is left in place and picked up again once stable"), cancellationToken);
            return BatchStates.Failed;
        }

        var sha = await HashingStream.HashFileAsync(path, cancellationToken);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var update = Command(connection, transaction, """
            UPDATE batches SET state = 'downloaded', sha256 = $2, archive_path = $3, downloaded_at = now(), updated_at = now()
            WHERE id = $1 AND state = 'claimed'
            """, batch.Id, sha, path))
        {
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        await BatchStates.RecordAsync(connection, transaction, batch.Id, BatchStates.Claimed, BatchStates.Downloaded, _options.EffectiveServerName,
            $"archived {path} (SHA-256 {sha})", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return BatchStates.Downloaded;
    }

    private async Task FinishWithoutFileAsync(OpenBatch batch, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var update = Command(connection, transaction, """
            UPDATE batches SET state = 'failed', reason = $2, remote_done = true, remote_done_at = now(), remote_disposition = 'left in place',
                finished_at = now(), updated_at = now() WHERE id = $1
            """, batch.Id, reason))
        {
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        await BatchStates.RecordAsync(connection, transaction, batch.Id, batch.State, BatchStates.Failed, _options.EffectiveServerName, reason, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        batch.RemoteDone = true;
    }

    private async Task<string> LoadWithAttemptsAsync(OpenBatch batch, CancellationToken cancellationToken)
    {
        try
        {
            return (await _loader.LoadAsync(batch.Id, _options.EffectiveServerName, LoadMode.Normal, cancellationToken)).State;
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or UnauthorizedAccessException)
        {
            // Not the file's fault: count the attempt, fail the batch (visibly, replayable) after MaxLoadAttempts.
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await using var update = Command(connection, null, """
                UPDATE batches SET attempts = attempts + 1, reason = $2, updated_at = now(),
                    state = CASE WHEN attempts + 1 >= $3 THEN 'failed' ELSE state END,
                    finished_at = CASE WHEN attempts + 1 >= $3 THEN now() ELSE finished_at END
                WHERE id = $1 AND state = 'downloaded' RETURNING state
                """, batch.Id, $"load attempt failed: {ex.Message}", _options.MaxLoadAttempts);
            var state = (string?)await update.ExecuteScalarAsync(cancellationToken);
            if (state == BatchStates.Failed)
            {
                await BatchStates.RecordAsync(connection, null, batch.Id, BatchStates.Downloaded, BatchStates.Failed, _options.EffectiveServerName,
                    $"gave up after {_options.MaxLoadAttempts} load attempts: {ex.Message}", cancellationToken);
                return BatchStates.Failed;
            }

            throw;
        }
    }

    private async Task UploadReportAsync(IDropBox dropBox, PracticeOptions practice, OpenBatch batch, CancellationToken cancellationToken)
    {
        if (!_options.UploadErrorReports || batch.RemoteDone)
        {
            return;
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var select = Command(connection, null, "SELECT error_report FROM batches WHERE id = $1 AND NOT report_uploaded AND error_report IS NOT NULL", batch.Id);
        if (await select.ExecuteScalarAsync(cancellationToken) is not byte[] report)
        {
            return;
        }

        var name = $"{Path.GetFileNameWithoutExtension(batch.RemoteName)}.errors.csv";
        await EnsureFolderAsync(dropBox, practice.EffectiveErrorsFolder, cancellationToken);
        using (var content = new MemoryStream(report))
        {
            await dropBox.UploadAsync(practice.EffectiveErrorsFolder, name, content, cancellationToken);
        }

        await using var done = Command(connection, null, "UPDATE batches SET report_uploaded = true, updated_at = now() WHERE id = $1", batch.Id);
        await done.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task DisposeRemoteAsync(IDropBox dropBox, OpenBatch batch, CancellationToken cancellationToken)
    {
        if (batch.RemoteDone)
        {
            return;
        }

        string disposition;
        if (_options.AfterImport == RemoteDisposition.Delete)
        {
            disposition = await dropBox.DeleteAsync(batch.Folder, batch.RemoteName, cancellationToken) ? "deleted" : "already gone";
        }
        else
        {
            var day = batch.ClaimedAt.ToUniversalTime();
            var target = $"{batch.Folder}/{_options.ProcessedFolder.Trim('/')}/{day:yyyy}/{day:MM}/{day:dd}";
            try
            {
                await EnsureFolderAsync(dropBox, target, cancellationToken);
                await dropBox.MoveAsync(batch.Folder, batch.RemoteName, target, batch.RemoteName, cancellationToken);
                disposition = $"moved to {target}/";
            }
            catch (DropBoxException ex) when (ex.Error == DropBoxError.FolderMissing)
            {
                _ensured.TryRemove(dropBox.Endpoint + "|" + target, out _); // someone removed it: create it again next time
                throw;
            }
            catch (DropBoxException ex) when (ex.Error == DropBoxError.FileMissing)
            {
                // A crash after an earlier move, or someone removed it: either way it is no longer in the inbox.
                disposition = await dropBox.ExistsAsync(target, batch.RemoteName, cancellationToken) ? $"moved to {target}/" : "already gone";
            }
        }

        // The file's .done marker (RequireDoneFile drop boxes) has served its purpose once the file has left the inbox.
        await dropBox.DeleteAsync(batch.Folder, batch.RemoteName + ".done", cancellationToken);

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var update = Command(connection, null,
            "UPDATE batches SET remote_done = true, remote_done_at = now(), remote_disposition = $2, updated_at = now() WHERE id = $1", batch.Id, disposition);
        await update.ExecuteNonQueryAsync(cancellationToken);
        batch.RemoteDone = true;
    }

    private async Task EnsureFolderAsync(IDropBox dropBox, string folder, CancellationToken cancellationToken)
    {
        var key = dropBox.Endpoint + "|" + folder;
        if (!_ensured.ContainsKey(key))
        {
            await dropBox.EnsureFolderAsync(folder, cancellationToken);
            _ensured[key] = true;
        }
    }

    private async Task<List<OpenBatch>> OpenBatchesAsync(string practiceId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var select = Command(connection, null, """
            SELECT id, practice_id, remote_folder, remote_name, remote_size, state, claimed_at, archive_path
            FROM batches WHERE practice_id = $1 AND NOT remote_done ORDER BY id
            """, practiceId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var open = new List<OpenBatch>();
        while (await reader.ReadAsync(cancellationToken))
        {
            open.Add(new OpenBatch(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4), reader.GetString(5),
                reader.GetDateTime(6), reader.IsDBNull(7) ? null : reader.GetString(7), false, null));
        }

        return open;
    }

    private sealed record OpenBatch(long Id, string PracticeId, string Folder, string RemoteName, long RemoteSize, string State, DateTime ClaimedAt, string? ArchivePath, bool Done, string? Reason)
    {
        public bool RemoteDone { get; set; } = Done;
    }
}
