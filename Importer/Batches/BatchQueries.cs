using Npgsql;

namespace RecallFiles.Importer.Batches;

/// <summary>Which batches to list.</summary>
/// <param name="PracticeId">Only this practice, or all.</param>
/// <param name="States">Only these states, or all.</param>
/// <param name="Limit">At most this many, newest first.</param>
public sealed record BatchFilter(string? PracticeId = null, IReadOnlyList<string>? States = null, int Limit = 50)
{
    /// <summary>Only the batch of this id, or all.</summary>
    public long? Id { get; init; }
}

/// <summary>One batch as listed for support (the CLI and the dashboard).</summary>
public sealed record BatchSummary(long Id, string PracticeId, string RemoteName, string State, DateTime ClaimedAt, string? Sha256,
    long? RowsTotal, long? RowsValid, long? RowsInvalid, long? Inserted, long? Updated, long? Removed, long? Unchanged,
    string? Reason, bool RemoteDone, string? RemoteDisposition, long? DuplicateOf, int Attempts);

/// <summary>Read-only queries over <c>batches</c>.</summary>
public static class BatchQueries
{
    /// <summary>Lists batches, newest first.</summary>
    public static async Task<IReadOnlyList<BatchSummary>> ListAsync(NpgsqlDataSource dataSource, BatchFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(filter);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT id, practice_id, remote_name, state, claimed_at, sha256, rows_total, rows_valid, rows_invalid, inserted, updated, removed, unchanged,
                   reason, remote_done, remote_disposition, duplicate_of, attempts
            FROM batches
            WHERE ($1::text IS NULL OR practice_id = $1) AND ($2::text[] IS NULL OR state = ANY($2)) AND ($4::bigint IS NULL OR id = $4)
            ORDER BY id DESC LIMIT $3
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)filter.PracticeId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)filter.States?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = filter.Limit });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)filter.Id ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<BatchSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            long? N(int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);
            string? S(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            list.Add(new BatchSummary(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetDateTime(4), S(5),
                N(6), N(7), N(8), N(9), N(10), N(11), N(12), S(13), reader.GetBoolean(14), S(15), N(16), reader.GetInt32(17)));
        }

        return list;
    }

    /// <summary>One batch by id (an index lookup), or null.</summary>
    public static async Task<BatchSummary?> FindAsync(NpgsqlDataSource dataSource, long id, CancellationToken cancellationToken = default) =>
        (await ListAsync(dataSource, new BatchFilter(Limit: 1) { Id = id }, cancellationToken)).SingleOrDefault();
}
