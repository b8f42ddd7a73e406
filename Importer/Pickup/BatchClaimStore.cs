using Microsoft.Extensions.Logging;
using Npgsql;
using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Database;
using RecallFiles.Schemas;
using RecallFiles.Transport;

namespace RecallFiles.Importer.Pickup;

/// <summary>One batch whose remote file has not left the inbox yet.</summary>
internal sealed record OpenBatch(long Id, string PracticeId, string Folder, string RemoteName, long RemoteSize, string State, DateTime ClaimedAtUtc, string? ArchivePath)
    : IInboxClaim
{
    public string Name => RemoteName;

    public DateTimeOffset ClaimedAt => new(DateTime.SpecifyKind(ClaimedAtUtc, DateTimeKind.Utc));

    public override string ToString() => $"batch {Id} ({RemoteName})";
}

/// <summary>
/// The appointment inbox's claim store: a <c>batches</c> row whose unique key is practice + folder + name + size + mtime,
/// so two servers cannot both take a file; open batches (remote file not yet moved) are what a crashed poll left.
/// </summary>
internal sealed partial class BatchClaimStore(NpgsqlDataSource dataSource, string practiceId, string folder, string serverName, ILogger logger)
    : IInboxClaimStore<OpenBatch>
{
    public async Task<IReadOnlyList<OpenBatch>> UnfinishedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var select = Sql.Command(connection, null, """
            SELECT id, practice_id, remote_folder, remote_name, remote_size, state, claimed_at, archive_path
            FROM batches WHERE practice_id = $1 AND NOT remote_done ORDER BY id
            """, practiceId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var open = new List<OpenBatch>();
        while (await reader.ReadAsync(cancellationToken))
        {
            open.Add(new OpenBatch(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4), reader.GetString(5),
                reader.GetDateTime(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        return open;
    }

    public async Task<OpenBatch?> ClaimAsync(IDropBox dropBox, RemoteFileInfo file, CancellationToken cancellationToken)
    {
        DateTime? fileTimestamp = ContractFileName.TryParse(file.Name, out var name, out _) ? name!.Timestamp.UtcDateTime : null;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // The claim and its batch_history line in one statement, so one round trip and one commit (issue 18).
        await using var insert = Sql.Command(connection, null, """
            WITH claimed AS (
                INSERT INTO batches (practice_id, remote_folder, remote_name, remote_size, remote_mtime, file_timestamp, state, claimed_by)
                VALUES ($1, $2, $3, $4, $5, $6, $8, $7)
                ON CONFLICT (practice_id, remote_folder, remote_name, remote_size, remote_mtime) WHERE NOT remote_done DO NOTHING
                RETURNING id, claimed_at),
            history AS (
                INSERT INTO batch_history (batch_id, from_state, to_state, actor, reason) SELECT id, NULL, $8, $7, NULL FROM claimed)
            SELECT id, claimed_at FROM claimed
            """, practiceId, folder, file.Name, file.Size, DateTime.SpecifyKind(file.LastWriteTimeUtc, DateTimeKind.Utc),
            fileTimestamp is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : null, serverName, BatchStates.Claimed);
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

        Claimed(logger, file.Name, practiceId, id);
        return new OpenBatch(id, practiceId, folder, file.Name, file.Size, BatchStates.Claimed, claimedAt, null);
    }

    public async Task ReleaseAsync(OpenBatch claim, InboxDisposition disposition, string where, CancellationToken cancellationToken)
    {
        if (disposition == InboxDisposition.LeftInPlace)
        {
            return; // recorded with the batch's failure (PickupService.FinishWithoutFileAsync)
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var update = Sql.Command(connection, null,
            "UPDATE batches SET remote_done = true, remote_done_at = now(), remote_disposition = $2, updated_at = now() WHERE id = $1", claim.Id, where);
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(LogLevel.Information, "claimed {FileName} of {PracticeId} as batch {BatchId}")]
    private static partial void Claimed(ILogger logger, string fileName, string practiceId, long batchId);
}
