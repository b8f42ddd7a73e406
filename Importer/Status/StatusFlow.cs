using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using RecallFiles.Importer.Practices;
using RecallFiles.Schemas;
using RecallFiles.Transport;
using static RecallFiles.Importer.Loading.BatchLoader;

namespace RecallFiles.Importer.Status;

/// <summary>The states of a status update (table <c>status_updates</c>).</summary>
public static class StatusUpdateStates
{
    public const string Pending = "pending";
    public const string Superseded = "superseded";
    public const string Exported = "exported";
    public const string Applied = "applied";
    public const string Conflicted = "conflicted";
    public const string Failed = "failed";
    public const string NotFound = "not_found";

    /// <summary>The state a result code leads to.</summary>
    public static string From(StatusResultCode code) => code switch
    {
        StatusResultCode.Ok => Applied,
        StatusResultCode.Conflict => Conflicted,
        StatusResultCode.NotFound => NotFound,
        _ => Failed,
    };
}

/// <summary>One status update as <c>status-updates</c> lists it.</summary>
public sealed record StatusUpdateRow(long Id, string PracticeId, string AppLid, string Status, string State, string? FileName, string? ResultMessage, DateTime CreatedAt);

/// <summary>The outcome of one status export of one practice.</summary>
public sealed record StatusExportResult(string PracticeId, bool Busy, IReadOnlyList<string> Uploaded, int Exported, int Superseded);

/// <summary>The outcome of one results import of one practice.</summary>
public sealed record ResultsImportResult(string PracticeId, IReadOnlyList<string> Imported, int Applied, int Conflicted, int Failed, int NotFound, IReadOnlyList<string> Rejected);

/// <summary>
/// The cloud side of issue 6: status updates are recorded (<see cref="AddAsync"/>), exported per practice into
/// <c>STATUS_…</c> files on the practice's drop box <c>status/</c> folder (<see cref="ExportAsync"/>), and the PMS side's
/// <c>STATUS_RESULT_…</c> files are imported from <c>results/</c> (<see cref="ImportResultsAsync"/>). The practice's
/// folders are siblings of its appointments folder: <c>{id}/appointments</c> → <c>{id}/status</c>, <c>{id}/results</c>.
/// Keep one instance per process (it holds the safe-pickup state of the results folders).
/// </summary>
public sealed class StatusFlow
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly ImporterOptions _options;
    private readonly IReadOnlyDictionary<string, DropBoxOptions> _dropBoxes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<string, SafePickup> _pickups = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public StatusFlow(NpgsqlDataSource dataSource, ImporterOptions options, IReadOnlyDictionary<string, DropBoxOptions> dropBoxes, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dropBoxes);
        _dataSource = dataSource;
        _options = options;
        _dropBoxes = dropBoxes;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Test hook: called with a step name (after-assign); throwing simulates a crash there.</summary>
    internal Action<string>? FaultAt { get; set; }

    /// <summary>The practices (enabled ones).</summary>
    public IEnumerable<PracticeOptions> Practices => _options.Practices.Select(p => p.Value with { Id = string.IsNullOrEmpty(p.Value.Id) ? p.Key : p.Value.Id }).Where(p => p.Enabled);

    /// <summary>The practice's folder root: the parent of its appointments folder.</summary>
    public static string RootOf(PracticeOptions practice)
    {
        ArgumentNullException.ThrowIfNull(practice);
        var folder = practice.EffectiveFolder;
        var slash = folder.LastIndexOf('/');
        return slash < 0 ? "" : folder[..slash];
    }

    /// <summary>The folder status files are uploaded to.</summary>
    public static string StatusFolder(PracticeOptions practice) => Join(RootOf(practice), "status");

    /// <summary>The folder result files come back in.</summary>
    public static string ResultsFolder(PracticeOptions practice) => Join(RootOf(practice), "results");

    private static string Join(string root, string name) => root.Length == 0 ? name : root + "/" + name;

    private PracticeOptions Practice(string practiceId) => Practices.FirstOrDefault(p => p.Id == practiceId)
        ?? throw new InvalidOperationException($"practice {practiceId} is not configured or not enabled (RecallFiles:Practices:{practiceId})");

    private DropBoxOptions DropBoxOf(PracticeOptions practice) => _dropBoxes.TryGetValue(practice.DropBox, out var found)
        ? found
        : throw new InvalidOperationException($"RecallFiles:Practices:{practice.Id}:DropBox names '{practice.DropBox}', which is not configured under RecallFiles:DropBoxes");

    /// <summary>
    /// Records a status update for an appointment the cloud knows, with the date, time and resource it knows now (so
    /// the PMS side can detect a move) and its contact fields. Returns the update's id.
    /// </summary>
    public static async Task<long> AddAsync(NpgsqlDataSource dataSource, string practiceId, string appLid, AppointmentStatus status, string source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var insert = Command(connection, null, """
            INSERT INTO status_updates (practice_id, app_lid, status, app_date, app_start_time, resource_lid, user_landline_phone, user_mobile_phone, user_email, source)
            SELECT practice_id, app_lid, $3, app_date, app_start_time, resource_lid, user_landline_phone, user_mobile_phone, user_email, $4
            FROM appointments WHERE practice_id = $1 AND app_lid = $2
            RETURNING id
            """, practiceId, appLid, status.ToWire(), source);
        return await insert.ExecuteScalarAsync(cancellationToken) is long id
            ? id
            : throw new InvalidOperationException($"practice {practiceId} has no appointment {appLid} in the cloud store; a status update needs the schedule the cloud knows");
    }

    /// <summary>Status updates, newest first.</summary>
    public static async Task<IReadOnlyList<StatusUpdateRow>> ListAsync(NpgsqlDataSource dataSource, string? practiceId, string? state, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var select = Command(connection, null, """
            SELECT id, practice_id, app_lid, status, state, file_name, result_message, created_at FROM status_updates
            WHERE ($1::text IS NULL OR practice_id = $1) AND ($2::text IS NULL OR state = $2) ORDER BY id DESC LIMIT $3
            """, practiceId, state, limit);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var rows = new List<StatusUpdateRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new StatusUpdateRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetDateTime(7)));
        }

        return rows;
    }

    /// <summary>
    /// Exports a practice's pending updates: first re-uploads any file assigned but not uploaded (a crash), then assigns
    /// the pending updates (the newest per APP_LID; older ones are superseded) to ONE new file name in the transaction
    /// that records the file, writes it (with APP_DATE/APP_START_TIME), uploads it atomically and marks them exported.
    /// </summary>
    public async Task<StatusExportResult> ExportAsync(string practiceId, CancellationToken cancellationToken = default)
    {
        var practice = Practice(practiceId);
        await using var lockConnection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var lockKey = $"recallfiles.status-export:{practice.Id}";
        await using (var tryLock = Command(lockConnection, null, "SELECT pg_try_advisory_lock(hashtextextended($1, 0))", lockKey))
        {
            if (!(bool)(await tryLock.ExecuteScalarAsync(cancellationToken))!)
            {
                return new StatusExportResult(practice.Id, true, [], 0, 0);
            }
        }

        try
        {
            var superseded = await AssignAsync(practice, cancellationToken);
            FaultAt?.Invoke("after-assign");
            var uploaded = new List<string>();
            var exported = 0;
            await using var dropBox = DropBoxFactory.Create(DropBoxOf(practice), _time, _logger);
            foreach (var (id, name) in await OpenFilesAsync(practice.Id, cancellationToken))
            {
                exported += await UploadAsync(dropBox, practice, id, name, cancellationToken);
                uploaded.Add(name);
            }

            return new StatusExportResult(practice.Id, false, uploaded, exported, superseded);
        }
        finally
        {
            await using var unlock = Command(lockConnection, null, "SELECT pg_advisory_unlock(hashtextextended($1, 0))", lockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private async Task<int> AssignAsync(PracticeOptions practice, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockRows = Command(connection, transaction,
            "SELECT id FROM status_updates WHERE practice_id = $1 AND state = 'pending' AND status_file_id IS NULL FOR UPDATE", practice.Id))
        {
            await lockRows.ExecuteNonQueryAsync(cancellationToken);
        }

        // A status file holds one row per APP_LID (the key): the newest answer wins, older ones are superseded.
        int superseded;
        await using (var supersede = Command(connection, transaction, """
            UPDATE status_updates u SET state = 'superseded', updated_at = now(),
                result_message = 'superseded by update ' || (SELECT max(n.id) FROM status_updates n
                    WHERE n.practice_id = u.practice_id AND n.app_lid = u.app_lid AND n.state = 'pending' AND n.status_file_id IS NULL)
            WHERE u.practice_id = $1 AND u.state = 'pending' AND u.status_file_id IS NULL
              AND EXISTS (SELECT 1 FROM status_updates n WHERE n.practice_id = u.practice_id AND n.app_lid = u.app_lid
                          AND n.state = 'pending' AND n.status_file_id IS NULL AND n.id > u.id)
            """, practice.Id))
        {
            superseded = await supersede.ExecuteNonQueryAsync(cancellationToken);
        }

        long count;
        await using (var pending = Command(connection, transaction,
            "SELECT count(*) FROM status_updates WHERE practice_id = $1 AND state = 'pending' AND status_file_id IS NULL", practice.Id))
        {
            count = (long)(await pending.ExecuteScalarAsync(cancellationToken))!;
        }

        if (count > 0)
        {
            // Names are unique: a second export in the same second takes the next free second.
            var stamp = _time.GetUtcNow();
            long fileId;
            while (true)
            {
                var name = ContractFileName.Create(FileKind.Status, practice.Id, stamp).ToString();
                await using var insert = Command(connection, transaction, """
                    INSERT INTO status_files (practice_id, file_name, remote_folder, rows) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (file_name) DO NOTHING RETURNING id
                    """, practice.Id, name, StatusFolder(practice), (int)count);
                if (await insert.ExecuteScalarAsync(cancellationToken) is long id)
                {
                    fileId = id;
                    await using var assign = Command(connection, transaction, """
                        UPDATE status_updates SET status_file_id = $2, file_name = $3, updated_at = now()
                        WHERE practice_id = $1 AND state = 'pending' AND status_file_id IS NULL
                        """, practice.Id, fileId, name);
                    await assign.ExecuteNonQueryAsync(cancellationToken);
                    break;
                }

                stamp = stamp.AddSeconds(1);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return superseded;
    }

    private async Task<List<(long Id, string Name)>> OpenFilesAsync(string practiceId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var select = Command(connection, null, "SELECT id, file_name FROM status_files WHERE practice_id = $1 AND uploaded_at IS NULL ORDER BY id", practiceId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var files = new List<(long, string)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            files.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        return files;
    }

    private async Task<int> UploadAsync(IDropBox dropBox, PracticeOptions practice, long fileId, string name, CancellationToken cancellationToken)
    {
        var records = new List<StatusRecord>();
        await using (var connection = await _dataSource.OpenConnectionAsync(cancellationToken))
        await using (var select = Command(connection, null, """
            SELECT app_lid, user_landline_phone, user_mobile_phone, user_email, resource_lid, status, app_date, app_start_time
            FROM status_updates WHERE status_file_id = $1 ORDER BY app_lid
            """, fileId))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
                records.Add(new StatusRecord
                {
                    AppLid = reader.GetString(0),
                    UserLandlinePhone = Text(1),
                    UserMobilePhone = Text(2),
                    UserEmail = Text(3),
                    ResourceLid = reader.GetString(4),
                    Status = reader.GetString(5),
                    AppDate = reader.IsDBNull(6) ? null : ContractFormats.FormatDate(reader.GetFieldValue<DateOnly>(6)),
                    AppStartTime = reader.IsDBNull(7) ? null : ContractFormats.FormatTime(reader.GetFieldValue<TimeOnly>(7)),
                });
            }
        }

        // The same rows in the same order: a re-upload after a crash writes the same bytes under the same name.
        using var content = new MemoryStream();
        using (var writer = ContractWriter.ForStatus(content, leaveOpen: true, withSchedule: true))
        {
            writer.WriteAll(records);
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(content.ToArray()));
        var folder = StatusFolder(practice);
        await dropBox.EnsureFolderAsync(folder, cancellationToken);
        content.Position = 0;
        await dropBox.UploadAsync(folder, name, content, cancellationToken);
        if (DropBoxOf(practice).RequireDoneFile)
        {
            await dropBox.UploadAsync(folder, name + FileNameRules.DoneSuffix, new MemoryStream([]), cancellationToken);
        }

        await using var done = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await done.BeginTransactionAsync(cancellationToken);
        await using (var file = Command(done, transaction, "UPDATE status_files SET uploaded_at = now(), sha256 = $2 WHERE id = $1", fileId, sha))
        {
            await file.ExecuteNonQueryAsync(cancellationToken);
        }

        int exported;
        await using (var updates = Command(done, transaction,
            "UPDATE status_updates SET state = 'exported', updated_at = now() WHERE status_file_id = $1 AND state = 'pending'", fileId))
        {
            exported = await updates.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        _logger.LogInformation("status export {Practice}: {File} with {Rows} update(s) uploaded to {Folder}", practice.Id, name, records.Count, folder);
        return exported;
    }

    /// <summary>
    /// Imports a practice's result files: safe pickup of <c>results/</c> → archive copy → in one transaction mark each
    /// update of the status file it answers applied / conflicted / failed / not_found (an update without a result row:
    /// failed, the PMS side rejected its file) → move the result file to <c>results/processed/</c>. The same file twice
    /// changes nothing. With <paramref name="once"/>, files not yet stable are waited for (at most MinFileAge).
    /// </summary>
    public async Task<ResultsImportResult> ImportResultsAsync(string practiceId, bool once, CancellationToken cancellationToken = default)
    {
        var practice = Practice(practiceId);
        var dropBoxOptions = DropBoxOf(practice);
        await using var dropBox = DropBoxFactory.Create(dropBoxOptions, _time, _logger);
        var folder = ResultsFolder(practice);
        await dropBox.EnsureFolderAsync(folder, cancellationToken);
        SafePickup pickup;
        lock (_gate)
        {
            if (!_pickups.TryGetValue(practice.Id, out pickup!))
            {
                _pickups[practice.Id] = pickup = new SafePickup(dropBoxOptions, _time);
            }
        }

        var listing = pickup.Evaluate(await dropBox.ListAsync(folder, cancellationToken));
        if (once && listing.Waiting.Count > 0 && !dropBoxOptions.RequireDoneFile)
        {
            await Task.Delay(dropBoxOptions.MinFileAge + TimeSpan.FromMilliseconds(200), _time, cancellationToken);
            listing = pickup.Evaluate(await dropBox.ListAsync(folder, cancellationToken));
        }

        var imported = new List<string>();
        var rejected = new List<string>();
        int applied = 0, conflicted = 0, failed = 0, notFound = 0;
        foreach (var file in listing.Eligible)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!ContractFileName.TryParse(file.Name, out var name, out var why) || name!.Kind != FileKind.StatusResult || name.PracticeId != practice.Id)
            {
                var reason = why ?? $"{file.Name} is not a status result file of practice {practice.Id}";
                _logger.LogWarning("results import {Practice}: {File} moved to failed/: {Reason}", practice.Id, FileNameRules.Printable(file.Name), reason);
                await MoveAsync(dropBox, folder, file.Name, "failed", cancellationToken);
                rejected.Add($"{file.Name}: {reason}");
                pickup.Forget(file.Name);
                continue;
            }

            var archive = Path.GetFullPath(Path.Combine(_options.ArchiveFolder, practice.Id, "results", file.Name));
            Directory.CreateDirectory(Path.GetDirectoryName(archive)!);
            await dropBox.DownloadToFileAsync(folder, file.Name, archive, cancellationToken);
            var bytes = await File.ReadAllBytesAsync(archive, cancellationToken);
            List<StatusResultRecord> rows;
            try
            {
                using var reader = ContractReader.OpenStatusResults(new MemoryStream(bytes), file.Name);
                rows = reader.ReadRows(cancellationToken).Where(r => r.IsValid).Select(r => r.Record).ToList();
            }
            catch (ContractFileException ex)
            {
                _logger.LogWarning("results import {Practice}: {File} moved to failed/: {Reason}", practice.Id, file.Name, ex.Message);
                await MoveAsync(dropBox, folder, file.Name, "failed", cancellationToken);
                rejected.Add($"{file.Name}: {ex.Message}");
                pickup.Forget(file.Name);
                continue;
            }

            var counts = await RecordAsync(practice, file.Name, name, Convert.ToHexStringLower(SHA256.HashData(bytes)), rows, cancellationToken);
            applied += counts[0];
            conflicted += counts[1];
            failed += counts[2];
            notFound += counts[3];
            await MoveAsync(dropBox, folder, file.Name, "processed", cancellationToken);
            pickup.Forget(file.Name);
            imported.Add(file.Name);
        }

        return new ResultsImportResult(practice.Id, imported, applied, conflicted, failed, notFound, rejected);
    }

    /// <summary>Marks the updates of the answered status file in one transaction; returns applied, conflicted, failed, not_found (zeros when already imported).</summary>
    private async Task<int[]> RecordAsync(PracticeOptions practice, string fileName, ContractFileName name, string sha, List<StatusResultRecord> rows, CancellationToken cancellationToken)
    {
        var statusName = (name with { Kind = FileKind.Status }).ToString();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long? statusFileId;
        await using (var find = Command(connection, transaction, "SELECT id FROM status_files WHERE practice_id = $1 AND file_name = $2 FOR UPDATE", practice.Id, statusName))
        {
            statusFileId = await find.ExecuteScalarAsync(cancellationToken) as long?;
        }

        var counts = new int[4];
        var unmatched = 0;
        await using (var claim = Command(connection, transaction, """
            INSERT INTO status_result_files (practice_id, file_name, sha256, status_file_id, rows, applied, conflicted, failed, not_found, unmatched)
            VALUES ($1, $2, $3, $4, $5, 0, 0, 0, 0, 0) ON CONFLICT DO NOTHING RETURNING 1
            """, practice.Id, fileName, sha, statusFileId, rows.Count))
        {
            if (await claim.ExecuteScalarAsync(cancellationToken) is null)
            {
                await transaction.RollbackAsync(cancellationToken);
                _logger.LogInformation("results import {Practice}: {File} was imported before; nothing changed", practice.Id, fileName);
                return counts;
            }
        }

        foreach (var row in rows)
        {
            var code = row.ParsedResult ?? StatusResultCode.Error;
            var state = StatusUpdateStates.From(code);
            // The update of the answered file; a result for a status file the cloud did not write (a vendor's) matches the
            // newest exported update of that APP_LID.
            await using var update = Command(connection, transaction, """
                UPDATE status_updates SET state = $4, result_message = $5, updated_at = now()
                WHERE id = (SELECT id FROM status_updates WHERE practice_id = $1 AND app_lid = $2
                              AND (status_file_id = $3 OR ($3::bigint IS NULL AND state = 'exported')) ORDER BY id DESC LIMIT 1)
                """, practice.Id, row.AppLid, statusFileId, state, row.Message);
            if (await update.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                unmatched++;
                continue;
            }

            counts[code switch { StatusResultCode.Ok => 0, StatusResultCode.Conflict => 1, StatusResultCode.NotFound => 3, _ => 2 }]++;
        }

        if (statusFileId is { } id)
        {
            await using var missing = Command(connection, transaction, """
                UPDATE status_updates SET state = 'failed', updated_at = now(),
                    result_message = 'no result row for this update: the PMS side rejected its status file (see status/failed/ on the drop box)'
                WHERE status_file_id = $1 AND state = 'exported'
                """, id);
            counts[2] += await missing.ExecuteNonQueryAsync(cancellationToken);
            await using var file = Command(connection, transaction, "UPDATE status_files SET result_file = $2, result_at = now() WHERE id = $1", id, fileName);
            await file.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var totals = Command(connection, transaction, """
            UPDATE status_result_files SET applied = $4, conflicted = $5, failed = $6, not_found = $7, unmatched = $8
            WHERE practice_id = $1 AND file_name = $2 AND sha256 = $3
            """, practice.Id, fileName, sha, counts[0], counts[1], counts[2], counts[3], unmatched))
        {
            await totals.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        _logger.LogInformation("results import {Practice}: {File}: {Applied} applied, {Conflicted} conflicted, {Failed} failed, {NotFound} not found, {Unmatched} unmatched",
            practice.Id, fileName, counts[0], counts[1], counts[2], counts[3], unmatched);
        return counts;
    }

    private static async Task MoveAsync(IDropBox dropBox, string folder, string name, string sub, CancellationToken cancellationToken)
    {
        var target = folder + "/" + sub;
        await dropBox.EnsureFolderAsync(target, cancellationToken);
        try
        {
            await dropBox.MoveAsync(folder, name, target, name, cancellationToken);
        }
        catch (DropBoxException ex) when (ex.Error == DropBoxError.FileMissing)
        {
            // Moved by an earlier run that stopped before recording it: it has left the folder either way.
        }
    }
}
