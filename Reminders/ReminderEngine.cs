using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using RecallFiles.Importer.Database;
using RecallFiles.Importer.Feed;
using RecallFiles.Importer.Practices;
using RecallFiles.Reminders.Delivery;
using RecallFiles.Reminders.Templates;
using RecallFiles.Schemas;

namespace RecallFiles.Reminders;

/// <summary>
/// The reference reminder engine. It reads the importer's appointment events from its own cursor
/// (consumer <c>reminders</c>) and keeps one plan per appointment: reminders at the configured offsets
/// before the start (default 48 h and 2 h) on the first channel the row allows — mobile (SMS), then
/// e-mail, then landline, honouring COMMUNICATION_PREFERENCES (SMS/e-mail/landline flags) and the
/// blocked channels — and a feedback message after the appointment, each moved out of the practice's
/// quiet hours (<see cref="QuietHours"/>). A patient who has not accepted the privacy regulations
/// (PRIVACY 0/N) gets nothing: the messages are recorded as <c>suppressed</c>. A change re-plans, a removal
/// or a cancellation cancels what is still planned; nothing already sent is planned again. Planning happens
/// in the transaction that moves the cursor, so every event counts exactly once. Sending is
/// <see cref="ReminderDispatcher"/>'s.
/// </summary>
public sealed class ReminderEngine(NpgsqlDataSource dataSource, ReminderOptions options, TimeProvider time, IReminderSender? sender = null, ILogger? logger = null)
{
    /// <summary>The consumer name of the engine in <c>event_cursors</c>.</summary>
    public const string Consumer = "reminders";

    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly MessageTemplates _templates = new(options.TemplateFolder);
    private int _languageFallbacks;

    /// <summary>How many appointments this engine planned in a fallback language because theirs has no templates.</summary>
    public int LanguageFallbacks => _languageFallbacks;

    /// <summary>The templates the engine writes with.</summary>
    public MessageTemplates Templates => _templates;

    /// <summary>
    /// Creates the engine's tables when missing. They are migrations of the importer's
    /// (<c>Importer/Database/Migrations/02xx</c>), so this runs <see cref="Migrator"/>: one mechanism, one lock.
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

    /// <summary>Sends every due message (see <see cref="ReminderDispatcher.SendDueAsync"/>); returns how many were sent.</summary>
    public Task<int> SendDueAsync(int max = 1000, CancellationToken cancellationToken = default) =>
        new ReminderDispatcher(dataSource, options, time, _templates, sender, _logger).SendDueAsync(max, cancellationToken);

    private async Task HandleAsync(IReadOnlyList<AppointmentEvent> events, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var zones = await PracticeZones.LoadAsync(connection, transaction, cancellationToken);
        var now = time.GetUtcNow();
        foreach (var e in events)
        {
            await CancelPlannedAsync(connection, transaction, e.PracticeId, e.AppLid, e.Kind == "removed" ? "removed" : "replanned", cancellationToken);
            if (e.Kind == "removed")
            {
                continue;
            }

            var appointment = e.ReadPayload();
            if (appointment.ParsedStatus is AppointmentStatus.CancelledByUser or AppointmentStatus.CancelledByAdmin)
            {
                continue;
            }

            if (Channel(appointment) is not { } channel)
            {
                Log.NoChannel(_logger, e.PracticeId, e.AppLid);
                continue;
            }

            var language = MessageTemplates.Normalize(appointment.Language);
            var practiceLanguage = options.LanguageOf(e.PracticeId);
            var templateLanguage = _templates.Resolve(language, practiceLanguage);
            if (language is not null && language != templateLanguage)
            {
                Interlocked.Increment(ref _languageFallbacks);
                Log.LanguageFallback(_logger, e.PracticeId, e.AppLid, language, templateLanguage);
            }

            var plan = new Plan(e, channel, language, templateLanguage, appointment.StartsAt,
                appointment.PrivacyAccepted ? null : "privacy not accepted (PRIVACY)");
            var zone = zones.Of(e.PracticeId);
            var (from, until) = options.AllowedHoursOf(e.PracticeId);
            var start = LocalTimes.ToInstant(appointment.StartsAt, zone);
            foreach (var offset in options.Offsets)
            {
                var due = QuietHours.Earlier(start - offset, zone, from, until);
                if (due > now && due < start)
                {
                    await InsertAsync(connection, transaction, plan, "reminder", Label(offset), due, cancellationToken);
                }
            }

            if (options.Feedback)
            {
                var end = appointment.EndsAt is { } localEnd ? LocalTimes.ToInstant(localEnd, zone) : start;
                await InsertAsync(connection, transaction, plan, "feedback", "feedback", QuietHours.Later(end + options.FeedbackDelay, zone, from, until), cancellationToken);
            }
        }
    }

    /// <summary>Cancels what is still planned for one appointment (a cancellation stops its reminders at once); returns how many.</summary>
    public static async Task<int> CancelPlannedAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string practiceId, string appLid, string reason,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var cancel = new NpgsqlCommand(
            "UPDATE reminders SET state = 'cancelled', reason = $3, updated_at = now() WHERE practice_id = $1 AND app_lid = $2 AND state = 'planned'", connection, transaction);
        cancel.Parameters.Add(new() { Value = practiceId });
        cancel.Parameters.Add(new() { Value = appLid });
        cancel.Parameters.Add(new() { Value = reason });
        return await cancel.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>After a status update: a cancellation (by the patient or the practice) cancels the appointment's planned messages; returns how many.</summary>
    public static async Task<int> CancelPlannedForStatusAsync(NpgsqlDataSource dataSource, string practiceId, string appLid, AppointmentStatus status,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        if (status is not (AppointmentStatus.CancelledByUser or AppointmentStatus.CancelledByAdmin))
        {
            return 0;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await CancelPlannedAsync(connection, null, practiceId, appLid, $"cancelled: status {status.ToWire()}", cancellationToken);
    }

    private sealed record Plan(AppointmentEvent Event, (string Channel, string Address) Channel, string? Language, string TemplateLanguage, DateTime LocalStart,
        string? SuppressedBy);

    private static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Plan plan, string kind, string label, DateTimeOffset due,
        CancellationToken cancellationToken)
    {
        // Nothing that was sent (or is being sent) for this appointment, label and time is planned again; a suppressed one is recorded once.
        await using var insert = new NpgsqlCommand("""
            INSERT INTO reminders (practice_id, app_lid, kind, label, due_at, channel, address, event_id, language, template_language, starts_at, state, reason)
            SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13
            WHERE NOT EXISTS (SELECT 1 FROM reminders WHERE practice_id = $1 AND app_lid = $2 AND label = $4 AND due_at = $5
                              AND (state IN ('sending', 'sent') OR (state = 'suppressed' AND $12 = 'suppressed')))
            """, connection, transaction);
        var e = plan.Event;
        insert.Parameters.Add(new() { Value = e.PracticeId });
        insert.Parameters.Add(new() { Value = e.AppLid });
        insert.Parameters.Add(new() { Value = kind });
        insert.Parameters.Add(new() { Value = label });
        insert.Parameters.Add(new() { Value = due.UtcDateTime });
        insert.Parameters.Add(new() { Value = plan.Channel.Channel });
        insert.Parameters.Add(new() { Value = plan.Channel.Address });
        insert.Parameters.Add(new() { Value = e.Id });
        insert.Parameters.Add(new() { Value = (object?)plan.Language ?? DBNull.Value });
        insert.Parameters.Add(new() { Value = plan.TemplateLanguage });
        insert.Parameters.Add(new() { Value = plan.LocalStart, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Timestamp });
        insert.Parameters.Add(new() { Value = plan.SuppressedBy is null ? "planned" : "suppressed" });
        insert.Parameters.Add(new() { Value = (object?)plan.SuppressedBy ?? DBNull.Value });
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Label(TimeSpan offset) =>
        offset.TotalHours == Math.Floor(offset.TotalHours) ? $"{offset.TotalHours.ToString(CultureInfo.InvariantCulture)}h" : $"{offset.TotalMinutes.ToString(CultureInfo.InvariantCulture)}m";

    /// <summary>Mobile (SMS), then e-mail, then landline, among what COMMUNICATION_PREFERENCES allows (all when absent) and no channel blocked.</summary>
    private (string Channel, string Address)? Channel(AppointmentPayload p)
    {
        bool Allowed(int flag, string channel) => (p.Preferences is not { Length: 3 } flags || flags[flag] == '1') && !options.BlockedChannels.Contains(channel);
        if (p.Mobile is not null && Allowed(0, "sms"))
        {
            return ("sms", p.Mobile);
        }

        if (p.Email is not null && Allowed(1, "email"))
        {
            return ("email", p.Email);
        }

        if (p.Landline is not null && Allowed(2, "landline"))
        {
            return ("landline", p.Landline);
        }

        return null;
    }
}

/// <summary>The practices' time zones, looked up once per batch; never UTC by default (a reminder at the wrong hour is worse than a job that fails, names the key and is retried).</summary>
internal sealed class PracticeZones(Dictionary<string, string> ids)
{
    private readonly Dictionary<string, TimeZoneInfo> _zones = new(StringComparer.Ordinal);

    public static async Task<PracticeZones> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var select = new NpgsqlCommand("SELECT id, time_zone FROM practices", connection, transaction);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids[reader.GetString(0)] = reader.GetString(1);
        }

        return new PracticeZones(ids);
    }

    public TimeZoneInfo Of(string practiceId)
    {
        if (!_zones.TryGetValue(practiceId, out var zone))
        {
            zone = ids.TryGetValue(practiceId, out var id)
                ? PracticeOptions.FindTimeZone(id, $"RecallFiles:Practices:{practiceId}:TimeZone")
                : throw new TimeZoneNotFoundException(
                    $"practice {practiceId} has appointment events but no row in practices: configure RecallFiles:Practices:{practiceId} (with its TimeZone) and restart the cloud role.");
            _zones[practiceId] = zone;
        }

        return zone;
    }
}
