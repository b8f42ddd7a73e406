using Npgsql;

namespace RecallFiles.Importer.Agents;

/// <summary>A practice's agent as its newest heartbeat shows it (issue 17).</summary>
/// <param name="PracticeId">The practice.</param>
/// <param name="Agent">The agent's name.</param>
/// <param name="Version">Its version.</param>
/// <param name="Host">Its host.</param>
/// <param name="SentAt">The newest heartbeat's stamp (the agent's last run).</param>
/// <param name="ReceivedAt">When the cloud took it in.</param>
/// <param name="Interval">The agent's promised interval.</param>
/// <param name="ExportResult"><c>ok</c>, <c>failed</c> or <c>none</c>.</param>
/// <param name="ExportError">The last export's error (masked by the agent), or null.</param>
/// <param name="ExportFinishedAt">When the last export finished.</param>
/// <param name="LedgerFailures">Failed export runs since the last upload.</param>
/// <param name="StatusApplied">Status rows applied in the agent's last 24 hours.</param>
/// <param name="StatusFailed">Status rows failed (ERROR, NOT_FOUND).</param>
/// <param name="StatusConflicts">Status rows conflicted.</param>
public sealed record AgentStatus(string PracticeId, string Agent, string Version, string Host, DateTimeOffset SentAt, DateTimeOffset ReceivedAt, TimeSpan Interval,
    string ExportResult, string? ExportError, DateTimeOffset? ExportFinishedAt, int LedgerFailures, int StatusApplied, int StatusFailed, int StatusConflicts)
{
    /// <summary>
    /// How many intervals without a heartbeat make an agent silent, by default: 1.5, so that an agent that stops right
    /// after a heartbeat is silent within two intervals (the alert rule's <c>RecallFiles:Alerts:AgentSilentFactor</c>,
    /// which the Practices page uses too).
    /// </summary>
    public const double SilentAfterIntervals = 1.5;

    /// <summary>Silent: the newest heartbeat is older than <paramref name="factor"/> × its interval at <paramref name="now"/>.</summary>
    public bool IsSilent(DateTimeOffset now, double factor = SilentAfterIntervals) => now - SentAt > Interval * factor;

    /// <summary>The agent's last export failed.</summary>
    public bool ExportFailed => ExportResult == "failed";
}

/// <summary>
/// Agent health per practice (issue 17): the newest row of <c>agent_heartbeats</c> for each practice. The Practices page
/// shows it; "silent" is <see cref="AgentStatus.IsSilent"/> (no heartbeat for more than 1.5 intervals by default).
/// </summary>
public static class AgentHealth
{
    /// <summary>The newest heartbeat of every practice that ever sent one, by practice.</summary>
    public static async Task<IReadOnlyList<AgentStatus>> ListAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("""
            SELECT DISTINCT ON (practice_id) practice_id, agent, version, host, sent_at, received_at, interval_seconds, export_result, export_error,
                export_finished_at, ledger_failures, status_applied, status_failed, status_conflicts
            FROM agent_heartbeats ORDER BY practice_id, sent_at DESC
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<AgentStatus>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new AgentStatus(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetFieldValue<DateTimeOffset>(5), TimeSpan.FromSeconds(reader.GetInt32(6)), reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9), reader.GetInt32(10), reader.GetInt32(11), reader.GetInt32(12), reader.GetInt32(13)));
        }

        return list;
    }
}
