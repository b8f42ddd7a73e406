using System.Globalization;
using Npgsql;
using RecallFiles.Importer.Batches;
using RecallFiles.Scheduler.Logging;

namespace RecallFiles.Scheduler.Alerts;

/// <summary>A rule's condition holding for one practice now: it opens an incident, or keeps one open.</summary>
internal sealed record AlertCondition(string Rule, string PracticeId, string Summary, string? Detail)
{
    /// <summary>The incident's identity: one open incident per rule and practice.</summary>
    public string Key => $"{Rule}:{PracticeId}";
}

/// <summary>
/// The alert rules (issue 17), each a read of the cloud store as of <c>now</c>. They reuse what the dashboard shows:
/// overdue is the Practices page's <see cref="PracticeStatus.IsOverdue"/>, the drop box is its <c>poll_error</c>
/// (<see cref="PollHealth"/>), the agents are the newest row per practice of <c>agent_heartbeats</c>. Texts carry ids,
/// counts, states and masked reasons: never a phone, an e-mail or an APP_LID's data.
/// </summary>
internal static class AlertRules
{
    public const string Overdue = "overdue";
    public const string BatchFailed = "batch_failed";
    public const string BatchHeld = "batch_held";
    public const string AgentExportFailed = "agent_export_failed";
    public const string AgentSilent = "agent_silent";
    public const string StatusProblems = "status_problems";
    public const string DropBoxUnreachable = "dropbox_unreachable";

    /// <summary>Every rule, by name.</summary>
    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal)
        { Overdue, BatchFailed, BatchHeld, AgentExportFailed, AgentSilent, StatusProblems, DropBoxUnreachable };

    /// <summary>A rule's name for people.</summary>
    public static string Title(string rule) => rule switch
    {
        Overdue => "practice overdue",
        BatchFailed => "batch failed",
        BatchHeld => "batch held for review",
        AgentExportFailed => "export failed at the agent",
        AgentSilent => "agent silent",
        StatusProblems => "status updates failing",
        DropBoxUnreachable => "drop box unreachable",
        _ => rule,
    };

    /// <summary>Every condition that holds now, for the enabled rules.</summary>
    public static async Task<IReadOnlyList<AlertCondition>> EvaluateAsync(NpgsqlDataSource store, AlertOptions options, double overdueAfterIntervals, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var found = new List<AlertCondition>();
        foreach (var p in await SupportQueries.PracticesAsync(store, cancellationToken))
        {
            if (!p.Enabled)
            {
                continue;
            }

            if (p.PollError is not null)
            {
                found.Add(new(DropBoxUnreachable, p.PracticeId, $"{p.PracticeId}: the drop box folder cannot be polled", Clip(p.PollError)));
            }

            if (p.IsOverdue(now, overdueAfterIntervals))
            {
                found.Add(new(Overdue, p.PracticeId, p.Age(now) is { } age
                    ? $"{p.PracticeId}: no file for {Span(age)} (cadence {Span(p.Cadence)}, overdue after {overdueAfterIntervals.ToString("0.#", CultureInfo.InvariantCulture)} x)"
                    : $"{p.PracticeId}: no file received yet", null));
            }
        }

        await BatchesAsync(store, found, cancellationToken);
        await AgentsAsync(store, options, now, found, cancellationToken);
        await StatusAsync(store, options, now, found, cancellationToken);
        return [.. found.Where(c => !options.DisabledRules.Contains(c.Rule))];
    }

    // Failed or held batches newer than the practice's last applied one: a later applied snapshot (or the replay that
    // applied them) makes them moot, and the incident resolves.
    private static async Task BatchesAsync(NpgsqlDataSource store, List<AlertCondition> found, CancellationToken cancellationToken)
    {
        await using var command = store.CreateCommand("""
            SELECT b.practice_id, b.state, count(*), max(b.id), (array_agg(b.reason ORDER BY b.id DESC))[1]
            FROM batches b JOIN practices p ON p.id = b.practice_id AND p.enabled
            WHERE b.state IN ('failed', 'needs_review')
              AND b.id > COALESCE((SELECT max(a.id) FROM batches a WHERE a.practice_id = b.practice_id AND a.state = 'applied'), 0)
            GROUP BY b.practice_id, b.state
            ORDER BY b.practice_id, b.state
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var (practice, state, count, last) = (reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3));
            var reason = reader.IsDBNull(4) ? null : Clip(reader.GetString(4));
            found.Add(state == BatchStates.Failed
                ? new(BatchFailed, practice, $"{practice}: {count} batch(es) failed since the last applied one (latest: batch {last})", reason)
                : new(BatchHeld, practice, $"{practice}: {count} batch(es) held for review (latest: batch {last}); approve or replay it", reason));
        }
    }

    // The contract with the heartbeat ingestion (0410_agent_heartbeats.sql): the newest row per practice decides.
    private static async Task AgentsAsync(NpgsqlDataSource store, AlertOptions options, DateTimeOffset now, List<AlertCondition> found, CancellationToken cancellationToken)
    {
        await using var command = store.CreateCommand("""
            SELECT DISTINCT ON (h.practice_id) h.practice_id, h.sent_at, h.interval_seconds, h.export_result, h.export_error, h.agent, h.host
            FROM agent_heartbeats h JOIN practices p ON p.id = h.practice_id AND p.enabled
            ORDER BY h.practice_id, h.sent_at DESC
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var practice = reader.GetString(0);
            var sentAt = new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero);
            var interval = TimeSpan.FromSeconds(reader.GetInt32(2));
            var agent = $"agent {reader.GetString(5)} on {reader.GetString(6)}";
            if (reader.GetString(3) == "failed")
            {
                found.Add(new(AgentExportFailed, practice, $"{practice}: the export failed at {agent}",
                    reader.IsDBNull(4) ? null : Clip(reader.GetString(4))));
            }

            var silentAfter = interval * options.AgentSilentFactor;
            if (now - sentAt > silentAfter)
            {
                found.Add(new(AgentSilent, practice, $"{practice}: no heartbeat from {agent} for {Span(now - sentAt)} (expected every {Span(interval)})", null));
            }
        }
    }

    private static async Task StatusAsync(NpgsqlDataSource store, AlertOptions options, DateTimeOffset now, List<AlertCondition> found, CancellationToken cancellationToken)
    {
        await using var command = store.CreateCommand("""
            SELECT u.practice_id, count(*) FILTER (WHERE u.state = 'failed'), count(*) FILTER (WHERE u.state = 'conflicted')
            FROM status_updates u JOIN practices p ON p.id = u.practice_id AND p.enabled
            WHERE u.state IN ('failed', 'conflicted') AND u.updated_at > $1
            GROUP BY u.practice_id HAVING count(*) >= $2
            ORDER BY u.practice_id
            """);
        command.Parameters.Add(new() { Value = (now - options.StatusProblemWindow).UtcDateTime });
        command.Parameters.Add(new() { Value = (long)options.StatusProblemThreshold });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var practice = reader.GetString(0);
            found.Add(new(StatusProblems, practice,
                $"{practice}: {reader.GetInt64(1)} status update(s) failed and {reader.GetInt64(2)} conflicted in the last {Span(options.StatusProblemWindow)}", null));
        }
    }

    /// <summary>Masked and bounded: an error text may quote a row.</summary>
    internal static string Clip(string text)
    {
        var masked = PhiText.Mask(text);
        return masked.Length > 1000 ? masked[..1000] + "…" : masked;
    }

    internal static string At(DateTimeOffset? at) => at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "unknown";

    internal static string Span(TimeSpan span) => span switch
    {
        { TotalDays: >= 1 } s => string.Create(CultureInfo.InvariantCulture, $"{(int)s.TotalDays} d {s.Hours} h"),
        { TotalHours: >= 1 } s => string.Create(CultureInfo.InvariantCulture, $"{(int)s.TotalHours} h {s.Minutes} min"),
        { } s => string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (int)s.TotalMinutes)} min"),
    };
}
