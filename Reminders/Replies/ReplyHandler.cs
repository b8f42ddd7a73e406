using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using RecallFiles.Importer.Status;
using RecallFiles.Reminders.Templates;
using RecallFiles.Schemas;

namespace RecallFiles.Reminders.Replies;

/// <summary>How a reply was handled.</summary>
public enum ReplyOutcome
{
    /// <summary>A confirmation queued for the PMS.</summary>
    Confirmed,

    /// <summary>A cancellation queued for the PMS; the appointment's planned messages are cancelled.</summary>
    Cancelled,

    /// <summary>The appointment has started or passed: no status.</summary>
    TooLate,

    /// <summary>The appointment was moved, removed or cancelled since the message: no status.</summary>
    Changed,

    /// <summary>STOP: the address opted out.</summary>
    OptedOut,

    /// <summary>START: the opt-out is lifted.</summary>
    OptedIn,

    /// <summary>Not understood, or no message was sent to this address.</summary>
    NotUnderstood,
}

/// <summary>What was done with a reply, and the answer to send back (null: say nothing, such as a second STOP).</summary>
public sealed record ReplyResult(ReplyOutcome Outcome, string? Answer, string? PracticeId, string? AppLid, long? UpdateId);

/// <summary>
/// Handles a patient's reply by SMS or e-mail (the gateway's inbound callback, a forwarded e-mail): the reply answers
/// the last reminder sent to that address and is read in that message's language (<see cref="ReplyParser"/>).
/// STOP records an opt-out at once (across the deployment's practices, or one practice: <see cref="ReminderOptions.OptOutAcrossPractices"/>),
/// suppresses what is planned for the address and is confirmed once; START lifts it. A confirm or cancel for an
/// appointment that has started, moved or gone gets a "too late" or "changed" answer and no status; otherwise it is a
/// status update for the PMS, and a cancel cancels the appointment's planned messages immediately.
/// </summary>
public sealed class ReplyHandler(NpgsqlDataSource dataSource, ReminderOptions options, TimeProvider time, MessageTemplates? templates = null, ILogger? logger = null)
{
    private const string OptOutReason = "opted out (STOP)";
    private readonly MessageTemplates _templates = templates ?? new MessageTemplates(options.TemplateFolder);
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    private sealed record LastMessage(string PracticeId, string AppLid, string Language, DateTime? MessageStart, DateTime? Start, bool Removed, string? Status);

    /// <summary>Handles one reply from <paramref name="address"/> on <paramref name="channel"/> (<c>sms</c> or <c>email</c>).</summary>
    public async Task<ReplyResult> HandleAsync(string channel, string address, string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        var key = ReminderDispatcher.AddressKey(address);
        var last = await LastMessageAsync(key, cancellationToken);
        var language = last?.Language ?? options.DefaultLanguage;
        var intent = ReplyParser.Parse(text, language);
        var result = intent switch
        {
            ReplyIntent.Stop => await StopAsync(key, last, language, cancellationToken),
            ReplyIntent.Start => await StartAsync(key, last, language, cancellationToken),
            ReplyIntent.Confirm or ReplyIntent.Cancel when last is not null => await AnswerAsync(last, intent, channel, cancellationToken),
            _ => new ReplyResult(ReplyOutcome.NotUnderstood, Render(language, "not-understood", last), last?.PracticeId, last?.AppLid, null),
        };
        Log.Reply(_logger, address.Contains('@', StringComparison.Ordinal) ? Mask.Email(address) : Mask.Phone(address), channel, result.Outcome.ToString(),
            result.PracticeId ?? "-", result.AppLid ?? "-");
        return result;
    }

    private async Task<ReplyResult> AnswerAsync(LastMessage last, ReplyIntent intent, string channel, CancellationToken cancellationToken)
    {
        if (last.Removed || last.Start is null || last.Start != last.MessageStart 
            || (AppointmentStatuses.TryParse(last.Status, out var status) && status is AppointmentStatus.CancelledByUser or AppointmentStatus.CancelledByAdmin))
        {
            return new ReplyResult(ReplyOutcome.Changed, Render(last.Language, "changed", last), last.PracticeId, last.AppLid, null);
        }

        var zones = await LoadZoneAsync(last.PracticeId, cancellationToken);
        if (LocalTimes.ToInstant(last.Start.Value, zones) <= time.GetUtcNow())
        {
            return new ReplyResult(ReplyOutcome.TooLate, Render(last.Language, "too-late", last), last.PracticeId, last.AppLid, null);
        }

        var cancel = intent == ReplyIntent.Cancel;
        var id = await StatusUpdates.AddAsync(dataSource, last.PracticeId, last.AppLid, cancel ? AppointmentStatus.CancelledByUser : AppointmentStatus.Approved, channel,
            cancellationToken);
        if (cancel)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await ReminderEngine.CancelPlannedAsync(connection, null, last.PracticeId, last.AppLid, "cancelled by the patient's reply", cancellationToken);
        }

        return new ReplyResult(cancel ? ReplyOutcome.Cancelled : ReplyOutcome.Confirmed, Render(last.Language, cancel ? "cancelled" : "confirmed", last),
            last.PracticeId, last.AppLid, id);
    }

    private async Task<ReplyResult> StopAsync(string key, LastMessage? last, string language, CancellationToken cancellationToken)
    {
        var scope = options.OptOutAcrossPractices || last is null ? "" : last.PracticeId;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = new NpgsqlCommand(
            "INSERT INTO reminder_opt_outs (address, practice_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", connection, transaction);
        insert.Parameters.Add(new() { Value = key });
        insert.Parameters.Add(new() { Value = scope });
        insert.Parameters.Add(new() { Value = time.GetUtcNow().UtcDateTime });
        var first = await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
        await using var suppress = new NpgsqlCommand($"""
            UPDATE reminders SET state = 'suppressed', reason = '{OptOutReason}', updated_at = $3
            WHERE state = 'planned' AND {Key("address")} = $1 AND ($2 = '' OR practice_id = $2)
            """, connection, transaction);
        suppress.Parameters.Add(new() { Value = key });
        suppress.Parameters.Add(new() { Value = scope });
        suppress.Parameters.Add(new() { Value = time.GetUtcNow().UtcDateTime });
        await suppress.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new ReplyResult(ReplyOutcome.OptedOut, first ? Render(language, "stopped", last) : null, last?.PracticeId, last?.AppLid, null);
    }

    private async Task<ReplyResult> StartAsync(string key, LastMessage? last, string language, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var delete = new NpgsqlCommand("DELETE FROM reminder_opt_outs WHERE address = $1", connection, transaction);
        delete.Parameters.Add(new() { Value = key });
        await delete.ExecuteNonQueryAsync(cancellationToken);

        // What STOP suppressed and is still ahead is planned again.
        await using var revive = new NpgsqlCommand($"""
            UPDATE reminders SET state = 'planned', reason = NULL, updated_at = $2
            WHERE state = 'suppressed' AND reason = '{OptOutReason}' AND {Key("address")} = $1 AND due_at > $2
            """, connection, transaction);
        revive.Parameters.Add(new() { Value = key });
        revive.Parameters.Add(new() { Value = time.GetUtcNow().UtcDateTime });
        await revive.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new ReplyResult(ReplyOutcome.OptedIn, Render(language, "started", last), last?.PracticeId, last?.AppLid, null);
    }

    private async Task<LastMessage?> LastMessageAsync(string key, CancellationToken cancellationToken)
    {
        await using var select = dataSource.CreateCommand($"""
            SELECT r.practice_id, r.app_lid, COALESCE(r.template_language, $2), r.starts_at, a.starts_at, COALESCE(a.removed, true), a.status
            FROM reminders r LEFT JOIN appointments a ON a.practice_id = r.practice_id AND a.app_lid = r.app_lid
            WHERE r.state = 'sent' AND r.kind = 'reminder' AND {Key("r.address")} = $1
            ORDER BY r.sent_at DESC NULLS LAST, r.id DESC LIMIT 1
            """);
        select.Parameters.Add(new() { Value = key });
        select.Parameters.Add(new() { Value = options.DefaultLanguage });
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new LastMessage(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetDateTime(3),
            reader.IsDBNull(4) ? null : reader.GetDateTime(4), reader.GetBoolean(5), reader.IsDBNull(6) ? null : reader.GetString(6));
    }

    private async Task<TimeZoneInfo> LoadZoneAsync(string practiceId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await PracticeZones.LoadAsync(connection, null, cancellationToken)).Of(practiceId);
    }

    private string Render(string language, string name, LastMessage? last) =>
        _templates.Render(language, name, new MessageModel(last?.MessageStart ?? default, null, null));

    private static string Key(string column) => string.Format(CultureInfo.InvariantCulture, ReminderDispatcher.AddressKeySql, column);
}
