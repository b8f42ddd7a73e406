using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using RecallFiles.Reminders.Delivery;
using RecallFiles.Reminders.Templates;
using RecallFiles.Schemas;

namespace RecallFiles.Reminders;

/// <summary>
/// Sends the due messages, at most once each. One round:
/// <list type="number">
/// <item><b>recover</b>: a message left <c>sending</c> longer than <see cref="ReminderOptions.SendingTimeout"/> (a crash
/// mid-send) is failed as "outcome unknown" — or <c>sent</c> when its outbox row committed — and never sent again;</item>
/// <item><b>claim</b>, in one transaction: due <c>planned</c> rows (locked, skipped by other engines) are either
/// <c>suppressed</c> (the address opted out; a reminder of a cancelled appointment — PMS status or the latest status
/// update — or whose visit has started; a feedback for a visit removed or cancelled, or that the PMS has not reported
/// <c>COMPLETED</c> within <see cref="ReminderOptions.FeedbackWait"/> after it was due) or rendered and marked
/// <c>sending</c> with one more attempt. A feedback due before the PMS reports the visit completed waits: it stays
/// <c>planned</c> and is looked at again an hour later (within the quiet hours) — a no-show is never thanked;</item>
/// <item><b>send</b> each, then record <c>sent</c> (with the provider's id), <c>failed</c> (with the reason) or, for a
/// transient failure, <c>planned</c> again with a later attempt — never past the visit and never more than
/// <see cref="ReminderOptions.MaxAttempts"/> times. The outbox writes its row in the recording transaction.</item>
/// </list>
/// </summary>
public sealed class ReminderDispatcher(NpgsqlDataSource dataSource, ReminderOptions options, TimeProvider time, MessageTemplates templates,
    IReminderSender? sender = null, ILogger? logger = null)
{
    /// <summary>An address as opt-outs and replies compare it: an e-mail in lower case, a phone's digits without a leading 00.</summary>
    internal const string AddressKeySql = "CASE WHEN {0} LIKE '%@%' THEN lower({0}) ELSE regexp_replace(regexp_replace({0}, '[^0-9]', '', 'g'), '^00', '') END";

    /// <summary>How often a due feedback whose visit is not yet reported completed is looked at again.</summary>
    internal static readonly TimeSpan FeedbackRecheck = TimeSpan.FromHours(1);

    private readonly IReminderSender _sender = sender ?? new OutboxSender();
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>The key of an address (the same as <see cref="AddressKeySql"/>).</summary>
    public static string AddressKey(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.Contains('@', StringComparison.Ordinal))
        {
            return address.Trim().ToLowerInvariant();
        }

        var digits = new string([.. address.Where(char.IsAsciiDigit)]);
        return digits.StartsWith("00", StringComparison.Ordinal) ? digits[2..] : digits;
    }

    /// <summary>Runs one round; returns how many messages were sent.</summary>
    public async Task<int> SendDueAsync(int max = 1000, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var interrupted = await RecoverAsync(now, cancellationToken);
        if (interrupted > 0)
        {
            Log.Interrupted(_logger, interrupted);
        }

        var (claimed, suppressed) = await ClaimAsync(now, max, cancellationToken);
        int sent = 0, failed = 0, retry = 0;
        foreach (var message in claimed)
        {
            var outcome = await SendOneAsync(message, cancellationToken);
            sent += outcome == SendOutcome.Sent ? 1 : 0;
            failed += outcome == SendOutcome.Failed ? 1 : 0;
            retry += outcome == SendOutcome.Retry ? 1 : 0;
        }

        ReminderMetrics.Record(sent, failed, retry);
        if (claimed.Count + suppressed > 0)
        {
            Log.Sent(_logger, sent, failed, suppressed, retry);
        }

        return sent;
    }

    private async Task<int> RecoverAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var recover = dataSource.CreateCommand("""
            UPDATE reminders r SET
                state = CASE WHEN EXISTS (SELECT 1 FROM reminder_outbox o WHERE o.reminder_id = r.id) THEN 'sent' ELSE 'failed' END,
                reason = CASE WHEN EXISTS (SELECT 1 FROM reminder_outbox o WHERE o.reminder_id = r.id) THEN NULL
                         ELSE 'outcome unknown, not sent again: the run that was sending it stopped' END,
                updated_at = $1
            WHERE state = 'sending' AND updated_at < $2
            """);
        recover.Parameters.Add(new() { Value = now.UtcDateTime });
        recover.Parameters.Add(new() { Value = (now - options.SendingTimeout).UtcDateTime });
        return await recover.ExecuteNonQueryAsync(cancellationToken);
    }

    private sealed record Claimed(OutgoingMessage Message, int Attempts, DateTimeOffset VisitStart);

    private async Task<(List<Claimed> Claimed, int Suppressed)> ClaimAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var zones = await PracticeZones.LoadAsync(connection, transaction, cancellationToken);
        var rows = new List<(DueReminder Reminder, int Attempts, bool Cancelled, bool OptedOut, bool Removed, bool Completed)>();
        await using (var select = new NpgsqlCommand($"""
            SELECT r.id, r.practice_id, r.app_lid, r.kind, r.label, r.due_at, r.channel, r.address, COALESCE(r.starts_at, a.starts_at), a.location_name,
                   COALESCE(r.template_language, $3), a.resource_name, r.attempts,
                   COALESCE(a.status, '') LIKE 'CANCELLED%' OR COALESCE((SELECT u.status FROM status_updates u WHERE u.practice_id = r.practice_id
                       AND u.app_lid = r.app_lid AND u.state NOT IN ('replaced', 'conflicted', 'failed', 'not_found') ORDER BY u.id DESC LIMIT 1), '') LIKE 'CANCELLED%',
                   EXISTS (SELECT 1 FROM reminder_opt_outs o WHERE o.address = {string.Format(System.Globalization.CultureInfo.InvariantCulture, AddressKeySql, "r.address")}
                           AND o.practice_id IN ('', r.practice_id)),
                   COALESCE(a.removed, true),
                   COALESCE(a.status, '') = '{AppointmentStatuses.Completed}'
            FROM reminders r LEFT JOIN appointments a ON a.practice_id = r.practice_id AND a.app_lid = r.app_lid
            WHERE r.state = 'planned' AND COALESCE(r.next_attempt_at, r.due_at) <= $1
            ORDER BY r.due_at, r.id LIMIT $2 FOR UPDATE OF r SKIP LOCKED
            """, connection, transaction))
        {
            select.Parameters.Add(new() { Value = now.UtcDateTime });
            select.Parameters.Add(new() { Value = max });
            select.Parameters.Add(new() { Value = options.DefaultLanguage });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var reminder = new DueReminder(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    new DateTimeOffset(reader.GetDateTime(5).ToUniversalTime(), TimeSpan.Zero), reader.GetString(6), reader.GetString(7),
                    reader.IsDBNull(8) ? default : reader.GetDateTime(8), reader.IsDBNull(9) ? null : reader.GetString(9), reader.GetString(10),
                    reader.IsDBNull(11) ? null : reader.GetString(11));
                rows.Add((reminder, reader.GetInt32(12), reader.GetBoolean(13), reader.GetBoolean(14), reader.GetBoolean(15), reader.GetBoolean(16)));
            }
        }

        var claimed = new List<Claimed>();
        var suppressed = 0;
        foreach (var (reminder, attempts, cancelled, optedOut, removed, completed) in rows)
        {
            var zone = zones.Of(reminder.PracticeId);
            var visitStart = LocalTimes.ToInstant(reminder.LocalStart, zone);
            var feedback = reminder.Kind == "feedback";
            var rule = optedOut ? "opted out (STOP)"
                : cancelled && !feedback ? "cancelled: the appointment is CANCELLED (in the PMS or by a status update)"
                : !feedback && visitStart <= now ? "too late: the visit has started"
                : feedback && (removed || cancelled) ? "no feedback: the visit is not reported completed (removed or cancelled)"
                : feedback && !completed && now >= reminder.DueAt + options.FeedbackWait
                    ? "no feedback: the visit is not reported completed (the PMS did not report it COMPLETED within FeedbackWait)"
                : null;
            if (feedback && rule is null && !completed)
            {
                // Not yet reported: wait for a later snapshot (a no-show stays Scheduled in the PMS and is never thanked).
                var (from, until) = options.AllowedHoursOf(reminder.PracticeId);
                await using var wait = new NpgsqlCommand(
                    "UPDATE reminders SET next_attempt_at = $2, reason = $3, updated_at = $4 WHERE id = $1", connection, transaction);
                wait.Parameters.Add(new() { Value = reminder.Id });
                wait.Parameters.Add(new() { Value = QuietHours.Later(now + FeedbackRecheck, zone, from, until).UtcDateTime });
                wait.Parameters.Add(new() { Value = "waiting for the PMS to report the visit COMPLETED" });
                wait.Parameters.Add(new() { Value = now.UtcDateTime });
                await wait.ExecuteNonQueryAsync(cancellationToken);
                continue;
            }

            if (rule is not null)
            {
                await SetStateAsync(connection, transaction, reminder.Id, "suppressed", rule, now, cancellationToken);
                suppressed++;
                continue;
            }

            var model = new MessageModel(reminder.LocalStart, reminder.Resource, reminder.Location);
            var message = new OutgoingMessage(reminder, templates.Render(reminder.Language, reminder.Kind, model), templates.Render(reminder.Language, "subject", model));
            await using var claim = new NpgsqlCommand(
                "UPDATE reminders SET state = 'sending', attempts = attempts + 1, next_attempt_at = NULL, updated_at = $2 WHERE id = $1", connection, transaction);
            claim.Parameters.Add(new() { Value = reminder.Id });
            claim.Parameters.Add(new() { Value = now.UtcDateTime });
            await claim.ExecuteNonQueryAsync(cancellationToken);
            claimed.Add(new Claimed(message, attempts + 1, visitStart));
        }

        await transaction.CommitAsync(cancellationToken);
        return (claimed, suppressed);
    }

    private async Task<SendOutcome> SendOneAsync(Claimed claimed, CancellationToken cancellationToken)
    {
        var reminder = claimed.Message.Reminder;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        SendResult result;
        try
        {
            result = await _sender.SendAsync(claimed.Message, connection, transaction, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A sender's bug must not leave this message (and the rest of the round) 'sending': record it failed, go on.
            await transaction.RollbackAsync(cancellationToken);
            await transaction.DisposeAsync();
            transaction = await connection.BeginTransactionAsync(cancellationToken);
            result = SendResult.Failed($"outcome unknown, not sent again: the sender failed ({ex.GetType().Name}: {SendResult.Redact(ex.Message, reminder.Address)})");
        }

        await using var _ = transaction;
        var now = time.GetUtcNow();
        switch (result.Outcome)
        {
            case SendOutcome.Sent:
                await using (var sent = new NpgsqlCommand(
                    "UPDATE reminders SET state = 'sent', provider_id = $2, sent_at = $3, reason = NULL, updated_at = $3 WHERE id = $1", connection, transaction))
                {
                    sent.Parameters.Add(new() { Value = reminder.Id });
                    sent.Parameters.Add(new() { Value = (object?)result.ProviderId ?? DBNull.Value });
                    sent.Parameters.Add(new() { Value = now.UtcDateTime });
                    await sent.ExecuteNonQueryAsync(cancellationToken);
                }

                break;
            case SendOutcome.Retry when claimed.Attempts < options.MaxAttempts
                && now + options.RetryDelay * Math.Pow(2, claimed.Attempts - 1) is var next
                && (reminder.Kind == "feedback" || next < claimed.VisitStart):
                await using (var again = new NpgsqlCommand(
                    "UPDATE reminders SET state = 'planned', next_attempt_at = $2, reason = $3, updated_at = $4 WHERE id = $1", connection, transaction))
                {
                    again.Parameters.Add(new() { Value = reminder.Id });
                    again.Parameters.Add(new() { Value = next.UtcDateTime });
                    again.Parameters.Add(new() { Value = result.Reason ?? "retry" });
                    again.Parameters.Add(new() { Value = now.UtcDateTime });
                    await again.ExecuteNonQueryAsync(cancellationToken);
                }

                break;
            default:
                var reason = result.Outcome == SendOutcome.Retry
                    ? $"gave up after {claimed.Attempts} attempt(s) (no retry left before the visit): {result.Reason}"
                    : result.Reason ?? "failed";
                await SetStateAsync(connection, transaction, reminder.Id, "failed", reason, now, cancellationToken);
                Log.SendFailed(_logger, reminder.Id, reminder.Channel, reason);
                await transaction.CommitAsync(cancellationToken);
                return SendOutcome.Failed;
        }

        await transaction.CommitAsync(cancellationToken);
        return result.Outcome;
    }

    private static async Task SetStateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long id, string state, string reason, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var update = new NpgsqlCommand("UPDATE reminders SET state = $2, reason = $3, updated_at = $4 WHERE id = $1", connection, transaction);
        update.Parameters.Add(new() { Value = id });
        update.Parameters.Add(new() { Value = state });
        update.Parameters.Add(new() { Value = reason });
        update.Parameters.Add(new() { Value = now.UtcDateTime });
        await update.ExecuteNonQueryAsync(cancellationToken);
    }
}
