using Microsoft.Extensions.Logging;
using Npgsql;
using RecallFiles.Scheduler.Metrics;

namespace RecallFiles.Scheduler.Alerts;

/// <summary>What one evaluation did.</summary>
internal sealed record AlertRun(bool Busy, int Open, int Opened, int Resolved, int Sent, IReadOnlyList<string> Errors)
{
    public override string ToString() => Busy ? "busy: another server is evaluating the alerts"
        : $"{Open} open incident(s): {Opened} opened, {Resolved} resolved, {Sent} message(s) sent" + (Errors.Count > 0 ? $"; {Errors.Count} channel failure(s)" : "");
}

/// <summary>
/// One evaluation of the alert rules (issue 17): reads what holds now (<see cref="AlertRules"/>), opens an incident per
/// new condition, resolves the incidents whose condition cleared, then sends what is due — "open" once, a reminder every
/// <see cref="AlertOptions.RenotifyInterval"/> while it stays open, "resolved" once when it clears (only if someone was
/// told it opened); nothing for a snoozed practice while its snooze runs. Several cloud servers run it every minute: a
/// session advisory lock lets one evaluate at a time (the others return <see cref="AlertRun.Busy"/>), and every message
/// sent is recorded on its incident before the next is considered, so a message goes out once whichever server sends it.
/// A channel that fails is recorded (<c>last_error</c>) and not retried before the next reminder: never a duplicate.
/// </summary>
internal sealed partial class AlertEvaluator(NpgsqlDataSource store, AlertOptions options, double overdueAfterIntervals, IReadOnlyList<IAlertChannel> channels,
    TimeProvider time, ILogger logger, RecallFilesMetrics? metrics = null)
{
    // pg_try_advisory_lock key: "RFAL" (RecallFiles alerts).
    private const long LockKey = 0x5246414C;

    /// <summary>Evaluates once.</summary>
    public async Task<AlertRun> EvaluateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand($"SELECT pg_try_advisory_lock({LockKey})", connection))
        {
            if (!(bool)(await take.ExecuteScalarAsync(cancellationToken))!)
            {
                await RefreshGaugeAsync(cancellationToken);
                return new AlertRun(true, 0, 0, 0, 0, []);
            }
        }

        try
        {
            var run = await EvaluateLockedAsync(connection, cancellationToken);
            await RefreshGaugeAsync(cancellationToken);
            return run;
        }
        finally
        {
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({LockKey})", connection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private async Task<AlertRun> EvaluateLockedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var conditions = (await AlertRules.EvaluateAsync(store, options, overdueAfterIntervals, now, cancellationToken)).ToDictionary(c => c.Key, StringComparer.Ordinal);
        var open = (await AlertStore.PendingAsync(connection, cancellationToken)).Where(i => i.IsOpen).ToDictionary(i => i.Key, StringComparer.Ordinal);
        int opened = 0, resolved = 0;
        foreach (var (key, condition) in conditions)
        {
            if (open.TryGetValue(key, out var incident))
            {
                await AlertStore.SeenAsync(connection, incident.Id, condition, now, cancellationToken);
            }
            else
            {
                await AlertStore.OpenAsync(connection, condition, now, cancellationToken);
                Opened(logger, condition.Rule, condition.PracticeId, condition.Summary);
                opened++;
            }
        }

        foreach (var incident in open.Values.Where(i => !conditions.ContainsKey(i.Key)))
        {
            // Nobody was told it opened (snoozed, no channel, cleared within the minute): nobody is told it resolved.
            await AlertStore.ResolveAsync(connection, incident.Id, now, quietly: incident.NotifiedAt is null, cancellationToken);
            Resolved(logger, incident.Rule, incident.PracticeId);
            resolved++;
        }

        var (sent, errors) = channels.Count == 0 ? (0, (IReadOnlyList<string>)[]) : await NotifyAsync(connection, now, cancellationToken);
        var stillOpen = (await AlertStore.PendingAsync(connection, cancellationToken)).Count(i => i.IsOpen);
        return new AlertRun(false, stillOpen, opened, resolved, sent, errors);
    }

    private async Task<(int Sent, IReadOnlyList<string> Errors)> NotifyAsync(NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var snoozed = (await AlertStore.SnoozesAsync(store, now, cancellationToken)).Select(s => s.PracticeId).ToHashSet(StringComparer.Ordinal);
        var errors = new List<string>();
        var sent = 0;
        foreach (var incident in await AlertStore.PendingAsync(connection, cancellationToken))
        {
            AlertEvent? kind = incident switch
            {
                { IsOpen: false } => AlertEvent.Resolved,
                _ when snoozed.Contains(incident.PracticeId) => null,
                { NotifiedAt: null } => AlertEvent.Open,
                { NotifiedAt: { } last } when now - last >= options.RenotifyInterval => AlertEvent.Reminder,
                _ => null,
            };
            if (kind is not { } due)
            {
                continue;
            }

            var message = AlertMessage.For(due, incident, now, options.DashboardUrl);
            var failures = new List<string>();
            foreach (var channel in channels)
            {
                try
                {
                    await channel.SendAsync(message, cancellationToken);
                    sent++;
                }
                catch (AlertDeliveryException ex)
                {
                    failures.Add($"{channel.Name}: {ex.Message}");
                    DeliveryFailed(logger, channel.Name, incident.Id, ex.Message);
                }
            }

            await AlertStore.NotifiedAsync(connection, incident.Id, due == AlertEvent.Resolved, now, failures.Count == 0 ? null : AlertRules.Clip(string.Join("; ", failures)),
                cancellationToken);
            errors.AddRange(failures);
        }

        return (sent, errors);
    }

    private async Task RefreshGaugeAsync(CancellationToken cancellationToken)
    {
        if (metrics is not null)
        {
            metrics.SetOpenIncidents(await AlertStore.OpenCountsAsync(store, cancellationToken));
        }
    }

    [LoggerMessage(LogLevel.Warning, "Alert opened: {Rule} {PracticeId}: {Summary}")]
    private static partial void Opened(ILogger logger, string rule, string practiceId, string summary);

    [LoggerMessage(LogLevel.Information, "Alert resolved: {Rule} {PracticeId}")]
    private static partial void Resolved(ILogger logger, string rule, string practiceId);

    [LoggerMessage(LogLevel.Error, "Alert channel {Channel} failed for incident {IncidentId}: {Reason}")]
    private static partial void DeliveryFailed(ILogger logger, string channel, long incidentId, string reason);
}
