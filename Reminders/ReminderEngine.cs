using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using RecallFiles.Importer.Database;
using RecallFiles.Importer.Feed;
using RecallFiles.Importer.Practices;
using RecallFiles.Schemas;

namespace RecallFiles.Reminders;

/// <summary>A reminder that is due, as the sender gets it.</summary>
public sealed record DueReminder(long Id, string PracticeId, string AppLid, string Kind, string Label, DateTimeOffset DueAt, string Channel, string Address,
    DateTime LocalStart, string? Location);

/// <summary>Sends due reminders. The default writes them to <c>reminder_outbox</c> in the same transaction.</summary>
public interface IReminderSender
{
    /// <summary>Sends (or queues) one message; runs inside the transaction that marks the reminder sent.</summary>
    Task SendAsync(DueReminder reminder, string message, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken);
}

/// <summary>The default sender: one row in <c>reminder_outbox</c> per message, for an SMS/e-mail gateway to pick up.</summary>
public sealed class OutboxSender : IReminderSender
{
    /// <inheritdoc />
    public async Task SendAsync(DueReminder reminder, string message, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reminder);
        await using var insert = new NpgsqlCommand(
            "INSERT INTO reminder_outbox (reminder_id, practice_id, app_lid, channel, address, message) VALUES ($1, $2, $3, $4, $5, $6)", connection, transaction);
        insert.Parameters.Add(new() { Value = reminder.Id });
        insert.Parameters.Add(new() { Value = reminder.PracticeId });
        insert.Parameters.Add(new() { Value = reminder.AppLid });
        insert.Parameters.Add(new() { Value = reminder.Channel });
        insert.Parameters.Add(new() { Value = reminder.Address });
        insert.Parameters.Add(new() { Value = message });
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>
/// The reference reminder engine. It reads the importer's appointment events from its own cursor
/// (consumer <c>reminders</c>) and keeps one plan per appointment: reminders at the configured offsets
/// before the start (default 48 h and 2 h) on the first channel the row allows — mobile (SMS), then
/// e-mail, then landline, honouring COMMUNICATION_PREFERENCES (SMS/e-mail/landline flags) when present —
/// and a feedback message after the appointment. A change re-plans, a removal or a cancellation
/// cancels what is still planned; nothing already sent is planned again. Planning happens in the
/// transaction that moves the cursor, so every event counts exactly once.
/// </summary>
public sealed class ReminderEngine(NpgsqlDataSource dataSource, ReminderOptions options, TimeProvider time, IReminderSender? sender = null, ILogger? logger = null)
{
    /// <summary>The consumer name of the engine in <c>event_cursors</c>.</summary>
    public const string Consumer = "reminders";

    private readonly IReminderSender _sender = sender ?? new OutboxSender();
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>
    /// Creates the engine's tables when missing. They are one of the importer's migrations
    /// (<c>Importer/Database/Migrations/0200_reminders.sql</c>), so this runs <see cref="Migrator"/>: one mechanism, one lock.
    /// </summary>
    public static Task EnsureSchemaAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default) =>
        Migrator.MigrateAsync(dataSource, cancellationToken);

    /// <summary>Plans from every new event, in batches; returns how many events were handled.</summary>
    public async Task<int> PlanAsync(CancellationToken cancellationToken = default)
    {
        await using var feed = new EventFeed(dataSource, Consumer);
        var total = 0;
        int handled;
        do
        {
            handled = await feed.ProcessNextAsync(HandleAsync, 1000, cancellationToken);
            total += handled;
        }
        while (handled > 0);

        return total;
    }

    private async Task HandleAsync(IReadOnlyList<AppointmentEvent> events, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var zoneIds = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var select = new NpgsqlCommand("SELECT id, time_zone FROM practices", connection, transaction))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                zoneIds[reader.GetString(0)] = reader.GetString(1);
            }
        }

        // Never UTC by default: a reminder at the wrong hour is worse than a job that fails, names the key and is retried.
        var zones = new Dictionary<string, TimeZoneInfo>(StringComparer.Ordinal);
        TimeZoneInfo ZoneOf(string practiceId)
        {
            if (!zones.TryGetValue(practiceId, out var zone))
            {
                zone = zoneIds.TryGetValue(practiceId, out var id)
                    ? PracticeOptions.FindTimeZone(id, $"RecallFiles:Practices:{practiceId}:TimeZone")
                    : throw new TimeZoneNotFoundException(
                        $"practice {practiceId} has appointment events but no row in practices: configure RecallFiles:Practices:{practiceId} (with its TimeZone) and restart the cloud role.");
                zones[practiceId] = zone;
            }

            return zone;
        }

        var now = time.GetUtcNow();
        foreach (var e in events)
        {
            await using (var cancel = new NpgsqlCommand(
                "UPDATE reminders SET state = 'cancelled', updated_at = now() WHERE practice_id = $1 AND app_lid = $2 AND state = 'planned'", connection, transaction))
            {
                cancel.Parameters.Add(new() { Value = e.PracticeId });
                cancel.Parameters.Add(new() { Value = e.AppLid });
                await cancel.ExecuteNonQueryAsync(cancellationToken);
            }

            if (e.Kind == "removed")
            {
                continue;
            }

            var appointment = Appointment.From(e.ReadPayload());
            if (appointment.Status is AppointmentStatus.CancelledByUser or AppointmentStatus.CancelledByAdmin)
            {
                continue;
            }

            if (appointment.Channel() is not { } channel)
            {
                Log.NoChannel(_logger, e.PracticeId, e.AppLid);
                continue;
            }

            var zone = ZoneOf(e.PracticeId);
            var start = ToInstant(appointment.LocalStart, zone);
            foreach (var offset in options.Offsets)
            {
                var due = start - offset;
                if (due > now)
                {
                    await PlanAsync(connection, transaction, e, "reminder", Label(offset), due, channel, cancellationToken);
                }
            }

            if (options.Feedback)
            {
                var end = appointment.LocalEnd is { } localEnd ? ToInstant(localEnd, zone) : start;
                await PlanAsync(connection, transaction, e, "feedback", "feedback", end + options.FeedbackDelay, channel, cancellationToken);
            }
        }
    }

    private static async Task PlanAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AppointmentEvent e, string kind, string label, DateTimeOffset due,
        (string Channel, string Address) channel, CancellationToken cancellationToken)
    {
        // Nothing that was already sent for this appointment, label and time is planned again.
        await using var insert = new NpgsqlCommand("""
            INSERT INTO reminders (practice_id, app_lid, kind, label, due_at, channel, address, event_id)
            SELECT $1, $2, $3, $4, $5, $6, $7, $8
            WHERE NOT EXISTS (SELECT 1 FROM reminders WHERE practice_id = $1 AND app_lid = $2 AND label = $4 AND due_at = $5 AND state = 'sent')
            """, connection, transaction);
        insert.Parameters.Add(new() { Value = e.PracticeId });
        insert.Parameters.Add(new() { Value = e.AppLid });
        insert.Parameters.Add(new() { Value = kind });
        insert.Parameters.Add(new() { Value = label });
        insert.Parameters.Add(new() { Value = due.UtcDateTime });
        insert.Parameters.Add(new() { Value = channel.Channel });
        insert.Parameters.Add(new() { Value = channel.Address });
        insert.Parameters.Add(new() { Value = e.Id });
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Sends every planned reminder that is due (several engines may run: rows are locked, skipped by the others); returns how many.</summary>
    public async Task<int> SendDueAsync(int max = 1000, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var due = new List<DueReminder>();
        await using (var select = new NpgsqlCommand("""
            SELECT r.id, r.practice_id, r.app_lid, r.kind, r.label, r.due_at, r.channel, r.address, a.starts_at, a.location_name
            FROM reminders r LEFT JOIN appointments a ON a.practice_id = r.practice_id AND a.app_lid = r.app_lid
            WHERE r.state = 'planned' AND r.due_at <= $1
            ORDER BY r.due_at, r.id LIMIT $2 FOR UPDATE OF r SKIP LOCKED
            """, connection, transaction))
        {
            select.Parameters.Add(new() { Value = time.GetUtcNow().UtcDateTime });
            select.Parameters.Add(new() { Value = max });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                due.Add(new DueReminder(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    new DateTimeOffset(reader.GetDateTime(5).ToUniversalTime(), TimeSpan.Zero), reader.GetString(6), reader.GetString(7),
                    reader.IsDBNull(8) ? default : reader.GetDateTime(8), reader.IsDBNull(9) ? null : reader.GetString(9)));
            }
        }

        foreach (var reminder in due)
        {
            await _sender.SendAsync(reminder, Message(reminder), connection, transaction, cancellationToken);
            await using var sent = new NpgsqlCommand("UPDATE reminders SET state = 'sent', updated_at = now() WHERE id = $1", connection, transaction);
            sent.Parameters.Add(new() { Value = reminder.Id });
            await sent.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        if (due.Count > 0)
        {
            Log.Sent(_logger, due.Count);
        }

        return due.Count;
    }

    /// <summary>The message text: no patient name, ever; the practice's own words would replace it in a real engine.</summary>
    internal static string Message(DueReminder r)
    {
        var when = r.LocalStart.ToString("dd/MM/yyyy 'at' HH:mm", CultureInfo.InvariantCulture);
        var where = r.Location is null ? "" : $" at {r.Location}";
        return r.Kind == "feedback"
            ? $"Thank you for your visit{where} on {r.LocalStart.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture)}. How did it go? Reply 1 (poor) to 5 (excellent)."
            : $"Reminder: you have an appointment{where} on {when}. Reply C to confirm or X to cancel.";
    }

    private static string Label(TimeSpan offset) =>
        offset.TotalHours == Math.Floor(offset.TotalHours) ? $"{offset.TotalHours.ToString(CultureInfo.InvariantCulture)}h" : $"{offset.TotalMinutes.ToString(CultureInfo.InvariantCulture)}m";

    // The same rule as the exporter's window: an ambiguous local time is its first occurrence, a skipped one moves forward.
    private static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone) => LocalTimes.ToInstant(local, zone);

    private sealed record Appointment(DateTime LocalStart, DateTime? LocalEnd, string? Mobile, string? Landline, string? Email, string? Preferences, AppointmentStatus? Status)
    {
        /// <summary>What the feed's payload (<see cref="AppointmentPayload"/>) says the engine needs.</summary>
        public static Appointment From(AppointmentPayload p) => new(p.StartsAt, p.EndsAt, p.Mobile, p.Landline, p.Email, p.Preferences, p.ParsedStatus);

        /// <summary>Mobile (SMS), then e-mail, then landline, among what COMMUNICATION_PREFERENCES allows (all when absent).</summary>
        public (string Channel, string Address)? Channel()
        {
            bool Allowed(int flag) => Preferences is not { Length: 3 } p || p[flag] == '1';
            if (Mobile is not null && Allowed(0))
            {
                return ("sms", Mobile);
            }

            if (Email is not null && Allowed(1))
            {
                return ("email", Email);
            }

            if (Landline is not null && Allowed(2))
            {
                return ("landline", Landline);
            }

            return null;
        }
    }
}
