using Npgsql;

namespace RecallFiles.Importer.Batches;

/// <summary>One practice's freshness, for the Practices page.</summary>
public sealed record PracticeStatus(string PracticeId, bool Enabled, TimeSpan Cadence, DateTimeOffset? LastReceived, DateTimeOffset? LastApplied,
    long AppointmentsInWindow, string? LastError, DateTimeOffset? LastErrorAt, string? PollError = null, DateTimeOffset? PollFailedAt = null)
{
    /// <summary>How long ago the last file arrived (null: never).</summary>
    public TimeSpan? Age(DateTimeOffset now) => LastReceived is { } at ? now - at : null;

    /// <summary>True when no file arrived for more than <paramref name="intervals"/> expected intervals.</summary>
    public bool IsOverdue(DateTimeOffset now, double intervals) => Enabled && (Age(now) is not { } age || age > Cadence * intervals);
}

/// <summary>A line of a batch's error report (contact data masked when shown).</summary>
public sealed record RowError(long? Line, string? Column, string Code, string Severity, string Message);

/// <summary>A state change of a batch.</summary>
public sealed record BatchEvent(DateTimeOffset At, string? From, string To, string Actor, string? Reason);

/// <summary>Status updates of one practice, counted by state (issue 6).</summary>
public sealed record StatusCounts(string PracticeId, long Queued, long Exported, long Applied, long Conflicted, long Failed, long NotFound, long Replaced, DateTimeOffset? Last);

/// <summary>
/// Read-only queries support needs over the importer's store: practices' freshness, a batch's history and row errors, the
/// status updates per practice. The dashboard pages and the CLI (<c>recallfiles batches</c>) both use them.
/// </summary>
public static class SupportQueries
{
    /// <summary>Status updates per practice and state; practices without any update are listed with zeros.</summary>
    public static async Task<IReadOnlyList<StatusCounts>> StatusCountsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT p.id,
                   count(*) FILTER (WHERE u.state = 'queued'), count(*) FILTER (WHERE u.state = 'exported'),
                   count(*) FILTER (WHERE u.state = 'applied'), count(*) FILTER (WHERE u.state = 'conflicted'),
                   count(*) FILTER (WHERE u.state = 'failed'), count(*) FILTER (WHERE u.state = 'not_found'),
                   count(*) FILTER (WHERE u.state = 'replaced'), max(u.updated_at)
            FROM practices p LEFT JOIN status_updates u ON u.practice_id = p.id
            GROUP BY p.id
            ORDER BY count(*) FILTER (WHERE u.state IN ('conflicted', 'failed', 'not_found')) DESC, p.id
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<StatusCounts>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new StatusCounts(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5),
                reader.GetInt64(6), reader.GetInt64(7), reader.IsDBNull(8) ? null : new DateTimeOffset(reader.GetDateTime(8).ToUniversalTime(), TimeSpan.Zero)));
        }

        return list;
    }

    /// <summary>Every practice with its last file, last applied batch, appointments in its window and last error.</summary>
    public static async Task<IReadOnlyList<PracticeStatus>> PracticesAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT p.id, p.enabled, p.cadence,
                   (SELECT max(b.claimed_at) FROM batches b WHERE b.practice_id = p.id),
                   (SELECT max(b.finished_at) FROM batches b WHERE b.practice_id = p.id AND b.state = 'applied'),
                   (SELECT count(*) FROM appointments a WHERE a.practice_id = p.id AND NOT a.removed
                       AND a.starts_at >= (now() AT TIME ZONE p.time_zone) - p.window_past
                       AND a.starts_at <  (now() AT TIME ZONE p.time_zone) + p.window_ahead),
                   e.reason, e.claimed_at, p.poll_error, p.poll_failed_at
            FROM practices p
            LEFT JOIN LATERAL (SELECT b.reason, b.claimed_at FROM batches b
                               WHERE b.practice_id = p.id AND b.state IN ('failed', 'needs_review') ORDER BY b.id DESC LIMIT 1) e ON true
            ORDER BY p.id
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<PracticeStatus>();
        while (await reader.ReadAsync(cancellationToken))
        {
            DateTimeOffset? At(int i) => reader.IsDBNull(i) ? null : new DateTimeOffset(reader.GetDateTime(i), TimeSpan.Zero);
            list.Add(new PracticeStatus(reader.GetString(0), reader.GetBoolean(1), reader.GetTimeSpan(2), At(3), At(4), reader.GetInt64(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), At(7), reader.IsDBNull(8) ? null : reader.GetString(8), At(9)));
        }

        return list;
    }

    /// <summary>A batch's row errors, in line order (at most <paramref name="limit"/>).</summary>
    public static async Task<IReadOnlyList<RowError>> RowErrorsAsync(NpgsqlDataSource dataSource, long batchId, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT line, column_name, code, severity, message FROM batch_row_errors WHERE batch_id = $1 ORDER BY line NULLS FIRST LIMIT $2", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = batchId });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<RowError>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new RowError(reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.GetString(2), reader.GetString(3), reader.GetString(4)));
        }

        return list;
    }

    /// <summary>A batch's history, oldest first.</summary>
    public static async Task<IReadOnlyList<BatchEvent>> HistoryAsync(NpgsqlDataSource dataSource, long batchId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT at, from_state, to_state, actor, reason FROM batch_history WHERE batch_id = $1 ORDER BY id", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = batchId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<BatchEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new BatchEvent(new DateTimeOffset(reader.GetDateTime(0), TimeSpan.Zero), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2),
                reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return list;
    }
}
