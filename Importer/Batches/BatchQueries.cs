using Npgsql;
using NpgsqlTypes;

namespace RecallFiles.Importer.Batches;

/// <summary>Which batches to list (every criterion is optional; they combine with AND).</summary>
/// <param name="PracticeId">Only this practice, or all.</param>
/// <param name="States">Only these states, or all.</param>
/// <param name="Limit">At most this many, newest first.</param>
public sealed record BatchFilter(string? PracticeId = null, IReadOnlyList<string>? States = null, int Limit = 50)
{
    /// <summary>Only the batch of this id, or all.</summary>
    public long? Id { get; init; }

    /// <summary>Only files whose name contains this text (case-insensitive).</summary>
    public string? FileName { get; init; }

    /// <summary>Only batches that added, changed or removed this APP_LID (its events) or first brought it.</summary>
    public string? AppLid { get; init; }

    /// <summary>Only batches claimed at or after this instant (UTC).</summary>
    public DateTime? From { get; init; }

    /// <summary>Only batches claimed before this instant (UTC).</summary>
    public DateTime? To { get; init; }

    /// <summary>Paging: only batches with a smaller id than this one (the last id of the previous page).</summary>
    public long? BeforeId { get; init; }
}

/// <summary>One batch as listed for support (the CLI and the dashboard).</summary>
public sealed record BatchSummary(long Id, string PracticeId, string RemoteName, string State, DateTime ClaimedAt, string? Sha256,
    long? RowsTotal, long? RowsValid, long? RowsInvalid, long? Inserted, long? Updated, long? Removed, long? Unchanged,
    string? Reason, bool RemoteDone, string? RemoteDisposition, long? DuplicateOf, int Attempts)
{
    /// <summary>Where the archived copy is (null until downloaded).</summary>
    public string? ArchivePath { get; init; }

    /// <summary>True when the batch has an error report to download.</summary>
    public bool HasReport { get; init; }
}

/// <summary>Read-only queries over <c>batches</c>.</summary>
public static class BatchQueries
{
    private const string Columns = """
        id, practice_id, remote_name, state, claimed_at, sha256, rows_total, rows_valid, rows_invalid, inserted, updated, removed, unchanged,
        reason, remote_done, remote_disposition, duplicate_of, attempts, archive_path, error_report IS NOT NULL
        """;

    /// <summary>Lists batches, newest first (keyset paging with <see cref="BatchFilter.BeforeId"/>).</summary>
    public static async Task<IReadOnlyList<BatchSummary>> ListAsync(NpgsqlDataSource dataSource, BatchFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Id is { } id)
        {
            return await FindAsync(dataSource, id, cancellationToken) is { } one && Matches(one, filter) ? [one] : [];
        }

        // Only the criteria given become conditions (no "$n IS NULL OR …": an OR keeps the planner from using the file
        // name's trigram index); each is index-backed (migration 0310).
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand { Connection = connection };
        var where = new List<string>();
        string Add(object value, NpgsqlDbType type)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = type });
            return "$" + command.Parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (filter.PracticeId is { } practice)
        {
            where.Add($"practice_id = {Add(practice, NpgsqlDbType.Text)}");
        }

        if (filter.States is { } states)
        {
            where.Add($"state = ANY({Add(states.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text)})");
        }

        if (Like(filter.FileName) is { } name)
        {
            where.Add($"remote_name ILIKE '%' || {Add(name, NpgsqlDbType.Text)} || '%'");
        }

        if (Utc(filter.From) is { } from)
        {
            where.Add($"claimed_at >= {Add(from, NpgsqlDbType.TimestampTz)}");
        }

        if (Utc(filter.To) is { } to)
        {
            where.Add($"claimed_at < {Add(to, NpgsqlDbType.TimestampTz)}");
        }

        if (filter.BeforeId is { } before)
        {
            where.Add($"id < {Add(before, NpgsqlDbType.Bigint)}");
        }

        // An APP_LID names a few batches (its events, its first): they drive the query, each looked up by its key, so the
        // newest-first LIMIT never walks the batches table from the top looking for them (OFFSET 0 keeps the planner from
        // flattening the lateral lookup into a join it may reorder).
        var source = "batches b";
        if (filter.AppLid is { } appLid)
        {
            var lid = Add(appLid, NpgsqlDbType.Text);
            var inPractice = filter.PracticeId is null ? "" : " AND a.practice_id = $1";
            source = $"""
                (SELECT e.batch_id FROM appointments a JOIN appointment_events e ON e.practice_id = a.practice_id AND e.app_lid = a.app_lid
                 WHERE a.app_lid = {lid}{inPractice} AND e.batch_id IS NOT NULL
                 UNION SELECT a.first_batch_id FROM appointments a WHERE a.app_lid = {lid}{inPractice}) c (batch)
                CROSS JOIN LATERAL (SELECT * FROM batches WHERE id = c.batch OFFSET 0) b
                """;
        }

        command.CommandText = $"SELECT {Columns} FROM {source} {(where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where))} ORDER BY id DESC LIMIT {Add(filter.Limit, NpgsqlDbType.Integer)}";
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>One batch by id (a primary-key lookup), or null.</summary>
    public static async Task<BatchSummary?> FindAsync(NpgsqlDataSource dataSource, long id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM batches b WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return (await ReadAsync(command, cancellationToken)).SingleOrDefault();
    }

    /// <summary>Some APP_LIDs a batch added, changed or removed (its events), for the trace links of its page.</summary>
    public static async Task<IReadOnlyList<string>> AppLidsAsync(NpgsqlDataSource dataSource, long id, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("SELECT app_lid FROM appointment_events WHERE batch_id = $1 ORDER BY id LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(reader.GetString(0));
        }

        return list;
    }

    /// <summary>A batch's stored error report (the bytes uploaded to errors/), or null.</summary>
    public static async Task<byte[]?> ErrorReportAsync(NpgsqlDataSource dataSource, long id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("SELECT error_report FROM batches WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    private static bool Matches(BatchSummary b, BatchFilter f) =>
        (f.PracticeId is null || b.PracticeId == f.PracticeId) && (f.States is null || f.States.Contains(b.State));

    // ILIKE's own wildcards in a searched name are literal characters.
    private static string? Like(string? text) => text is { Length: > 0 }
        ? text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal)
        : null;

    private static DateTime? Utc(DateTime? at) => at is { } t ? DateTime.SpecifyKind(t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : t, DateTimeKind.Utc) : null;

    private static async Task<List<BatchSummary>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<BatchSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            long? N(int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);
            string? S(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            list.Add(new BatchSummary(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetDateTime(4), S(5),
                N(6), N(7), N(8), N(9), N(10), N(11), N(12), S(13), reader.GetBoolean(14), S(15), N(16), reader.GetInt32(17))
            {
                ArchivePath = S(18),
                HasReport = reader.GetBoolean(19),
            });
        }

        return list;
    }
}
