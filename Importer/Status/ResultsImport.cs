using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using RecallFiles.Importer.Database;
using RecallFiles.Importer.Practices;
using RecallFiles.Schemas;
using RecallFiles.Transport;

namespace RecallFiles.Importer.Status;

/// <summary>The outcome of one results import of one practice; <c>Waiting</c> counts result files left because they were still being written.</summary>
public sealed record ResultsImportResult(string PracticeId, IReadOnlyList<string> Imported, int Applied, int Conflicted, int Failed, int NotFound, IReadOnlyList<string> Rejected, int Waiting = 0);

/// <summary>
/// The results flow on the shared <see cref="Inbox"/>: the PMS side's <c>STATUS_RESULT_…</c> files in each practice's
/// results folder (<see cref="DropBoxLayout.Results"/>). Claim: an archive copy of the bytes; apply: in one transaction
/// mark each update of the status file it answers applied / conflicted / failed / not_found (an update without a result
/// row: failed, the PMS side rejected its file), keyed by <c>status_result_files</c> so the same file twice changes
/// nothing; the inbox then moves the file to <c>processed/yyyy/MM/dd/</c>, or a file that is not a result file of the
/// practice (or not readable) to <c>failed/</c> with its reason. Keep one instance per process (the inbox holds the
/// safe-pickup state).
/// </summary>
public sealed partial class ResultsImport
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly ImporterOptions _options;
    private readonly CloudPractices _practices;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Inbox _inbox;

    public ResultsImport(NpgsqlDataSource dataSource, ImporterOptions options, IReadOnlyDictionary<string, DropBoxOptions> dropBoxes, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        _dataSource = dataSource;
        _options = options;
        _practices = new CloudPractices(options, dropBoxes);
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _inbox = new Inbox(_time, _logger);
    }

    /// <summary>Imports a practice's result files. With <paramref name="once"/>, files not yet stable are waited for (at most MinFileAge).</summary>
    public async Task<ResultsImportResult> ImportAsync(string practiceId, bool once, CancellationToken cancellationToken = default)
    {
        var practice = _practices.Find(practiceId);
        var dropBoxOptions = _practices.DropBoxOf(practice);
        await using var dropBox = DropBoxFactory.Create(dropBoxOptions, _time, _logger);
        var folder = practice.Layout.Results;
        await _inbox.EnsureFolderAsync(dropBox, folder, cancellationToken);
        var totals = new int[4];
        var store = new ResultClaims(practice, Path.GetFullPath(Path.Combine(_options.ArchiveFolder, practice.Id, "results")), _time);
        var run = await _inbox.RunAsync(dropBox, dropBoxOptions, folder, store, async (_, claim, token) =>
        {
            if (claim.Rejection is { } rejection)
            {
                return InboxVerdict.Failed(rejection);
            }

            List<StatusResultRecord> rows;
            try
            {
                using var reader = ContractReader.OpenStatusResults(new MemoryStream(claim.Bytes), claim.Name);
                rows = reader.ReadRows(token).Where(r => r.IsValid).Select(r => r.Record).ToList();
            }
            catch (ContractFileException ex)
            {
                claim.Rejection = ex.Message;
                return InboxVerdict.Failed(ex.Message);
            }

            var counts = await RecordAsync(practice, claim.Name, claim.ContractName!, claim.Sha256, rows, token);
            for (var i = 0; i < totals.Length; i++)
            {
                totals[i] += counts[i];
            }

            return InboxVerdict.Processed;
        }, new InboxRunOptions { WaitOnce = once, WrittenAtomically = true }, cancellationToken); // the agent's StatusApplier wrote them: temporary name, renamed

        foreach (var rejected in run.Finished.Where(c => c.Rejection is not null))
        {
            Rejected(_logger, practice.Id, FileNameRules.Printable(rejected.Name), rejected.Rejection!);
        }

        return new ResultsImportResult(practice.Id, [.. run.Finished.Where(c => c.Rejection is null).Select(c => c.Name)], totals[0], totals[1], totals[2], totals[3],
            [.. run.Finished.Where(c => c.Rejection is not null).Select(c => $"{c.Name}: {c.Rejection}")], run.Waiting.Count);
    }

    /// <summary>Marks the updates of the answered status file in one transaction; returns applied, conflicted, failed, not_found (zeros when already imported).</summary>
    private async Task<int[]> RecordAsync(PracticeOptions practice, string fileName, ContractFileName name, string sha, List<StatusResultRecord> rows, CancellationToken cancellationToken)
    {
        var statusName = (name with { Kind = FileKind.Status }).ToString();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long? statusFileId;
        await using (var find = Sql.Command(connection, transaction, "SELECT id FROM status_files WHERE practice_id = $1 AND file_name = $2 FOR UPDATE", practice.Id, statusName))
        {
            statusFileId = await find.ExecuteScalarAsync(cancellationToken) as long?;
        }

        var counts = new int[4];
        var unmatched = 0;
        await using (var claim = Sql.Command(connection, transaction, """
            INSERT INTO status_result_files (practice_id, file_name, sha256, status_file_id, rows, applied, conflicted, failed, not_found, unmatched)
            VALUES ($1, $2, $3, $4, $5, 0, 0, 0, 0, 0) ON CONFLICT DO NOTHING RETURNING 1
            """, practice.Id, fileName, sha, statusFileId, rows.Count))
        {
            if (await claim.ExecuteScalarAsync(cancellationToken) is null)
            {
                await transaction.RollbackAsync(cancellationToken);
                ImportedBefore(_logger, practice.Id, fileName);
                return counts;
            }
        }

        foreach (var row in rows)
        {
            var code = row.ParsedResult ?? StatusResultCode.Error;
            var state = StatusUpdateStates.From(code);
            // The update of the answered file; a result for a status file the cloud did not write (a vendor's) matches the
            // newest exported update of that APP_LID.
            await using var update = Sql.Command(connection, transaction, """
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
            await using var missing = Sql.Command(connection, transaction, """
                UPDATE status_updates SET state = 'failed', updated_at = now(),
                    result_message = 'no result row for this update: the PMS side rejected its status file (see status/failed/ on the drop box)'
                WHERE status_file_id = $1 AND state = 'exported'
                """, id);
            counts[2] += await missing.ExecuteNonQueryAsync(cancellationToken);
            await using var file = Sql.Command(connection, transaction, "UPDATE status_files SET result_file = $2, result_at = now() WHERE id = $1", id, fileName);
            await file.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var totals = Sql.Command(connection, transaction, """
            UPDATE status_result_files SET applied = $4, conflicted = $5, failed = $6, not_found = $7, unmatched = $8
            WHERE practice_id = $1 AND file_name = $2 AND sha256 = $3
            """, practice.Id, fileName, sha, counts[0], counts[1], counts[2], counts[3], unmatched))
        {
            await totals.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        Imported(_logger, practice.Id, fileName, counts[0], counts[1], counts[2], counts[3], unmatched);
        return counts;
    }

    [LoggerMessage(LogLevel.Warning, "results import {PracticeId}: {FileName} moved to failed/: {Reason}")]
    private static partial void Rejected(ILogger logger, string practiceId, string fileName, string reason);

    [LoggerMessage(LogLevel.Information, "results import {PracticeId}: {FileName} was imported before; nothing changed")]
    private static partial void ImportedBefore(ILogger logger, string practiceId, string fileName);

    [LoggerMessage(LogLevel.Information, "results import {PracticeId}: {FileName}: {Applied} applied, {Conflicted} conflicted, {Failed} failed, {NotFound} not found, {Unmatched} unmatched")]
    private static partial void Imported(ILogger logger, string practiceId, string fileName, int applied, int conflicted, int failed, int notFound, int unmatched);

    /// <summary>A result file taken: its bytes (archived), or why it is refused.</summary>
    private sealed class ResultClaim(string name, DateTimeOffset claimedAt) : IInboxClaim
    {
        public string Name { get; } = name;

        public DateTimeOffset ClaimedAt { get; } = claimedAt;

        public ContractFileName? ContractName { get; init; }

        public byte[] Bytes { get; init; } = [];

        public string Sha256 { get; init; } = "";

        public string? Rejection { get; set; }

        public override string ToString() => Name;
    }

    /// <summary>
    /// The results inbox's claim store. The claim itself is <c>status_result_files</c>, written in the apply step's
    /// transaction; here the bytes are archived first, so nothing is left unfinished across runs.
    /// </summary>
    private sealed class ResultClaims(PracticeOptions practice, string archiveFolder, TimeProvider time) : IInboxClaimStore<ResultClaim>
    {
        public Task<IReadOnlyList<ResultClaim>> UnfinishedAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<ResultClaim>>([]);

        public async Task<ResultClaim?> ClaimAsync(IDropBox dropBox, RemoteFileInfo file, CancellationToken cancellationToken)
        {
            if (!ContractFileName.TryParse(file.Name, out var name, out var why) || name!.Kind != FileKind.StatusResult || name.PracticeId != practice.Id)
            {
                return new ResultClaim(file.Name, time.GetUtcNow()) { Rejection = why ?? $"{file.Name} is not a status result file of practice {practice.Id}" };
            }

            var archive = Path.Combine(archiveFolder, file.Name);
            Directory.CreateDirectory(archiveFolder);
            await dropBox.DownloadToFileAsync(practice.Layout.Results, file.Name, archive, cancellationToken);
            var bytes = await File.ReadAllBytesAsync(archive, cancellationToken);
            return new ResultClaim(file.Name, time.GetUtcNow()) { ContractName = name, Bytes = bytes, Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)) };
        }

        public Task ReleaseAsync(ResultClaim claim, InboxDisposition disposition, string where, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
