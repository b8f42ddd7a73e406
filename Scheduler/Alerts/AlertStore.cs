using Npgsql;

namespace RecallFiles.Scheduler.Alerts;

/// <summary>One incident as stored (<c>alert_incidents</c>).</summary>
internal sealed record Incident(long Id, string Rule, string PracticeId, string Key, string Summary, string? Detail, DateTimeOffset OpenedAt,
    DateTimeOffset LastSeenAt, DateTimeOffset? NotifiedAt, int NotifyCount, DateTimeOffset? ResolvedAt, DateTimeOffset? ResolvedNotifiedAt, string? LastError)
{
    /// <summary>True while the condition holds.</summary>
    public bool IsOpen => ResolvedAt is null;
}

/// <summary>A practice's snooze: no alert messages for it until <see cref="Until"/>.</summary>
internal sealed record Snooze(string PracticeId, DateTimeOffset Until, string? Reason, string Actor);

/// <summary>Reads and writes incidents and snoozes (migration 0400_alerts.sql).</summary>
internal static class AlertStore
{
    private const string Columns = "id, rule, practice_id, incident_key, summary, detail, opened_at, last_seen_at, notified_at, notify_count, resolved_at, resolved_notified_at, last_error";

    /// <summary>Open incidents, and resolved ones whose "resolved" message is still to go out.</summary>
    public static Task<IReadOnlyList<Incident>> PendingAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        ReadAsync(connection, $"SELECT {Columns} FROM alert_incidents WHERE resolved_at IS NULL OR resolved_notified_at IS NULL ORDER BY id", [], cancellationToken);

    /// <summary>Open incidents first, then the ones resolved since <paramref name="since"/>, newest first.</summary>
    public static async Task<IReadOnlyList<Incident>> RecentAsync(NpgsqlDataSource store, DateTimeOffset since, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        return await ReadAsync(connection, $"SELECT {Columns} FROM alert_incidents WHERE resolved_at IS NULL OR resolved_at >= $1 " +
            "ORDER BY resolved_at IS NULL DESC, opened_at DESC, id DESC LIMIT $2", [since.UtcDateTime, limit], cancellationToken);
    }

    /// <summary>How many incidents are open, by rule.</summary>
    public static async Task<IReadOnlyDictionary<string, long>> OpenCountsAsync(NpgsqlDataSource store, CancellationToken cancellationToken)
    {
        await using var command = store.CreateCommand("SELECT rule, count(*) FROM alert_incidents WHERE resolved_at IS NULL GROUP BY rule");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    public static async Task OpenAsync(NpgsqlConnection connection, AlertCondition condition, DateTimeOffset now, CancellationToken cancellationToken) =>
        await ExecuteAsync(connection, "INSERT INTO alert_incidents (rule, practice_id, incident_key, summary, detail, opened_at, last_seen_at) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (incident_key) WHERE resolved_at IS NULL DO NOTHING",
            [condition.Rule, condition.PracticeId, condition.Key, condition.Summary, condition.Detail, now.UtcDateTime], cancellationToken);

    public static Task SeenAsync(NpgsqlConnection connection, long id, AlertCondition condition, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, "UPDATE alert_incidents SET summary = $2, detail = $3, last_seen_at = $4 WHERE id = $1",
            [id, condition.Summary, condition.Detail, now.UtcDateTime], cancellationToken);

    public static Task ResolveAsync(NpgsqlConnection connection, long id, DateTimeOffset now, bool quietly, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, "UPDATE alert_incidents SET resolved_at = $2, resolved_notified_at = CASE WHEN $3 THEN $2 END WHERE id = $1 AND resolved_at IS NULL",
            [id, now.UtcDateTime, quietly], cancellationToken);

    public static Task NotifiedAsync(NpgsqlConnection connection, long id, bool resolved, DateTimeOffset now, string? error, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, resolved
            ? "UPDATE alert_incidents SET resolved_notified_at = $2, last_error = $3 WHERE id = $1"
            : "UPDATE alert_incidents SET notified_at = $2, notify_count = notify_count + 1, last_error = $3 WHERE id = $1",
            [id, now.UtcDateTime, error], cancellationToken);

    /// <summary>The snoozes still running at <paramref name="now"/>.</summary>
    public static async Task<IReadOnlyList<Snooze>> SnoozesAsync(NpgsqlDataSource store, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = store.CreateCommand("SELECT practice_id, until, reason, actor FROM alert_snoozes WHERE until > $1 ORDER BY practice_id");
        command.Parameters.Add(new() { Value = now.UtcDateTime });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<Snooze>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new Snooze(reader.GetString(0), new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3)));
        }

        return list;
    }

    /// <summary>Snoozes <paramref name="practiceId"/> until <paramref name="until"/> (replacing a running snooze); false when the practice is unknown.</summary>
    public static async Task<bool> SnoozeAsync(NpgsqlDataSource store, string practiceId, DateTimeOffset until, string? reason, string actor, CancellationToken cancellationToken)
    {
        await using var command = store.CreateCommand("""
            INSERT INTO alert_snoozes (practice_id, until, reason, actor) SELECT id, $2, $3, $4 FROM practices WHERE id = $1
            ON CONFLICT (practice_id) DO UPDATE SET until = excluded.until, reason = excluded.reason, actor = excluded.actor, created_at = now()
            """);
        command.Parameters.Add(new() { Value = practiceId });
        command.Parameters.Add(new() { Value = until.UtcDateTime });
        command.Parameters.Add(new() { Value = (object?)reason ?? DBNull.Value });
        command.Parameters.Add(new() { Value = actor });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Ends the snooze of <paramref name="practiceId"/>; false when there was none.</summary>
    public static async Task<bool> UnsnoozeAsync(NpgsqlDataSource store, string practiceId, CancellationToken cancellationToken)
    {
        await using var command = store.CreateCommand("DELETE FROM alert_snoozes WHERE practice_id = $1");
        command.Parameters.Add(new() { Value = practiceId });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static async Task<IReadOnlyList<Incident>> ReadAsync(NpgsqlConnection connection, string sql, object[] values, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new() { Value = value });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<Incident>();
        while (await reader.ReadAsync(cancellationToken))
        {
            DateTimeOffset? At(int i) => reader.IsDBNull(i) ? null : new DateTimeOffset(reader.GetDateTime(i), TimeSpan.Zero);
            list.Add(new Incident(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), At(6)!.Value, At(7)!.Value, At(8), reader.GetInt32(9), At(10), At(11),
                reader.IsDBNull(12) ? null : reader.GetString(12)));
        }

        return list;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, object?[] values, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new() { Value = value ?? DBNull.Value });
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
