using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using RecallFiles.Importer.Database;
using RecallFiles.Importer.Practices;
using RecallFiles.Schemas;
using RecallFiles.Transport;
using RecallFiles.Transport.Internal;

namespace RecallFiles.Importer.Status;

/// <summary>The outcome of one status export of one practice.</summary>
public sealed record StatusExportResult(string PracticeId, bool Busy, IReadOnlyList<string> Uploaded, int Exported, int Replaced);

/// <summary>
/// Exports each practice's queued status updates into <c>STATUS_…</c> files on its drop box's status folder
/// (<see cref="DropBoxLayout.Status"/>). Runs of one practice never overlap (an advisory lock across servers).
/// </summary>
public sealed partial class StatusExport
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly CloudPractices _practices;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public StatusExport(NpgsqlDataSource dataSource, ImporterOptions options, IReadOnlyDictionary<string, DropBoxOptions> dropBoxes, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
        _practices = new CloudPractices(options, dropBoxes);
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Exports a practice's queued updates: first re-uploads any file assigned but not uploaded (a crash), then assigns
    /// the queued updates (the newest per APP_LID; older ones are replaced) to ONE new file name in the transaction
    /// that records the file, writes it (with APP_DATE/APP_START_TIME), uploads it atomically and marks them exported.
    /// </summary>
    public async Task<StatusExportResult> ExportAsync(string practiceId, CancellationToken cancellationToken = default)
    {
        var practice = _practices.Find(practiceId);
        await using var held = await AdvisoryLock.TryAcquireAsync(_dataSource, $"recallfiles.status-export:{practice.Id}", cancellationToken);
        if (held is null)
        {
            return new StatusExportResult(practice.Id, true, [], 0, 0);
        }

        var replaced = await AssignAsync(practice, cancellationToken);
        FaultPoints.Hit(FaultPoints.AfterAssign);
        var uploaded = new List<string>();
        var exported = 0;
        await using var dropBox = DropBoxFactory.Create(_practices.DropBoxOf(practice), _time, _logger);
        foreach (var (id, name) in await OpenFilesAsync(practice.Id, cancellationToken))
        {
            exported += await UploadAsync(dropBox, practice, id, name, cancellationToken);
            uploaded.Add(name);
        }

        return new StatusExportResult(practice.Id, false, uploaded, exported, replaced);
    }

    private async Task<int> AssignAsync(PracticeOptions practice, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockRows = Sql.Command(connection, transaction,
            "SELECT id FROM status_updates WHERE practice_id = $1 AND state = 'queued' AND status_file_id IS NULL FOR UPDATE", practice.Id))
        {
            await lockRows.ExecuteNonQueryAsync(cancellationToken);
        }

        // A status file holds one row per APP_LID (the key): the newest answer wins, older ones are replaced.
        int replaced;
        await using (var replace = Sql.Command(connection, transaction, """
            UPDATE status_updates u SET state = 'replaced', updated_at = now(),
                result_message = 'replaced by update ' || (SELECT max(n.id) FROM status_updates n
                    WHERE n.practice_id = u.practice_id AND n.app_lid = u.app_lid AND n.state = 'queued' AND n.status_file_id IS NULL)
            WHERE u.practice_id = $1 AND u.state = 'queued' AND u.status_file_id IS NULL
              AND EXISTS (SELECT 1 FROM status_updates n WHERE n.practice_id = u.practice_id AND n.app_lid = u.app_lid
                          AND n.state = 'queued' AND n.status_file_id IS NULL AND n.id > u.id)
            """, practice.Id))
        {
            replaced = await replace.ExecuteNonQueryAsync(cancellationToken);
        }

        long count;
        await using (var queued = Sql.Command(connection, transaction,
            "SELECT count(*) FROM status_updates WHERE practice_id = $1 AND state = 'queued' AND status_file_id IS NULL", practice.Id))
        {
            count = (long)(await queued.ExecuteScalarAsync(cancellationToken))!;
        }

        if (count > 0)
        {
            // Names are unique: a second export in the same second takes the next free second.
            var stamp = _time.GetUtcNow();
            long fileId;
            while (true)
            {
                var name = ContractFileName.Create(FileKind.Status, practice.Id, stamp).ToString();
                await using var insert = Sql.Command(connection, transaction, """
                    INSERT INTO status_files (practice_id, file_name, remote_folder, rows) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (file_name) DO NOTHING RETURNING id
                    """, practice.Id, name, practice.Layout.Status, (int)count);
                if (await insert.ExecuteScalarAsync(cancellationToken) is long id)
                {
                    fileId = id;
                    await using var assign = Sql.Command(connection, transaction, """
                        UPDATE status_updates SET status_file_id = $2, file_name = $3, updated_at = now()
                        WHERE practice_id = $1 AND state = 'queued' AND status_file_id IS NULL
                        """, practice.Id, fileId, name);
                    await assign.ExecuteNonQueryAsync(cancellationToken);
                    break;
                }

                stamp = stamp.AddSeconds(1);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return replaced;
    }

    private async Task<List<(long Id, string Name)>> OpenFilesAsync(string practiceId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var select = Sql.Command(connection, null, "SELECT id, file_name FROM status_files WHERE practice_id = $1 AND uploaded_at IS NULL ORDER BY id", practiceId);
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
        await using (var select = Sql.Command(connection, null, """
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
        var folder = practice.Layout.Status;
        await dropBox.EnsureFolderAsync(folder, cancellationToken);
        if (StatusSignature.ParseKey(practice.StatusSigningKey) is { } key)
        {
            // The signature first: when the status file appears, its sidecar is already there.
            using var signature = new MemoryStream(StatusSignature.Encode(StatusSignature.Sign(key, content.ToArray())));
            await dropBox.UploadAsync(folder, name + StatusSignature.Suffix, signature, cancellationToken);
        }

        content.Position = 0;
        await dropBox.UploadAsync(folder, name, content, cancellationToken);
        await using var done = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await done.BeginTransactionAsync(cancellationToken);
        await using (var file = Sql.Command(done, transaction, "UPDATE status_files SET uploaded_at = now(), sha256 = $2 WHERE id = $1", fileId, sha))
        {
            await file.ExecuteNonQueryAsync(cancellationToken);
        }

        int exported;
        await using (var updates = Sql.Command(done, transaction,
            "UPDATE status_updates SET state = 'exported', updated_at = now() WHERE status_file_id = $1 AND state = 'queued'", fileId))
        {
            exported = await updates.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        Exported(_logger, practice.Id, name, records.Count, folder);
        return exported;
    }

    [LoggerMessage(LogLevel.Information, "status export {PracticeId}: {FileName} with {Rows} update(s) uploaded to {Folder}")]
    private static partial void Exported(ILogger logger, string practiceId, string fileName, int rows, string folder);
}
