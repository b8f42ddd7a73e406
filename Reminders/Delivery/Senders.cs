using Npgsql;
using RecallFiles.Schemas;

namespace RecallFiles.Reminders.Delivery;

/// <summary>
/// A reminder that is due, as the sender gets it: its <c>reminders</c> row id (unique: the idempotency key of the
/// message), practice, appointment, kind and label, due time, channel and address (PHI), the appointment's local start,
/// location and resource names, and the template language the message is written in.
/// </summary>
public sealed record DueReminder(long Id, string PracticeId, string AppLid, string Kind, string Label, DateTimeOffset DueAt, string Channel, string Address,
    DateTime LocalStart, string? Location, string Language = "en", string? Resource = null);

/// <summary>One message to deliver: the reminder, the text, and for e-mail the subject.</summary>
public sealed record OutgoingMessage(DueReminder Reminder, string Text, string Subject);

/// <summary>How a send ended.</summary>
public enum SendOutcome
{
    /// <summary>Accepted by the server or gateway (or queued in the outbox).</summary>
    Sent,

    /// <summary>Refused for good (a bad address, a rejected message): never tried again.</summary>
    Failed,

    /// <summary>Not sent, safe to try again later (the server was unreachable or busy before it took the message).</summary>
    Retry,
}

/// <summary>The result of one send: the outcome, the provider's message id, and the reason of a failure (no address in it).</summary>
public sealed record SendResult(SendOutcome Outcome, string? ProviderId, string? Reason)
{
    /// <summary>Accepted, with the provider's id for the message.</summary>
    public static SendResult Sent(string? providerId) => new(SendOutcome.Sent, providerId, null);

    /// <summary>Refused for good.</summary>
    public static SendResult Failed(string reason) => new(SendOutcome.Failed, null, reason);

    /// <summary>Not sent; try again.</summary>
    public static SendResult Retry(string reason) => new(SendOutcome.Retry, null, reason);

    /// <summary>A text with <paramref name="address"/> masked wherever it appears (server answers often quote it).</summary>
    public static string Redact(string text, string address)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(address);
        var masked = address.Contains('@', StringComparison.Ordinal) ? Mask.Email(address) : Mask.Phone(address);
        return address.Length == 0 ? text : text.Replace(address, masked, StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>
/// Sends one message. The engine calls it inside the transaction that records the result: a sender that writes to the
/// database (the outbox) writes in it, so message and result commit together; a network sender (SMTP, SMS gateway)
/// ignores it. The engine has already recorded the attempt (<c>sending</c>) before the call, so a crash during a
/// network send never leads to a second send.
/// </summary>
public interface IReminderSender
{
    /// <summary>Sends (or queues) one message and says how it ended; throws only for a bug, never for a refused message.</summary>
    Task<SendResult> SendAsync(OutgoingMessage message, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken);
}

/// <summary>The default sender: one row in <c>reminder_outbox</c> per message, for the deployment's own gateway to pick up.</summary>
public sealed class OutboxSender : IReminderSender
{
    /// <inheritdoc />
    public async Task<SendResult> SendAsync(OutgoingMessage message, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var reminder = message.Reminder;
        await using var insert = new NpgsqlCommand(
            "INSERT INTO reminder_outbox (reminder_id, practice_id, app_lid, channel, address, message) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id", connection, transaction);
        insert.Parameters.Add(new() { Value = reminder.Id });
        insert.Parameters.Add(new() { Value = reminder.PracticeId });
        insert.Parameters.Add(new() { Value = reminder.AppLid });
        insert.Parameters.Add(new() { Value = reminder.Channel });
        insert.Parameters.Add(new() { Value = reminder.Address });
        insert.Parameters.Add(new() { Value = message.Text });
        var id = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
        return SendResult.Sent($"outbox:{id}");
    }
}

/// <summary>Chooses the sender of a channel: the configured e-mail or SMS sender, the outbox for everything else.</summary>
public sealed class SenderRouter(IReminderSender? email = null, IReminderSender? sms = null, IReminderSender? fallback = null) : IReminderSender
{
    private readonly IReminderSender _fallback = fallback ?? new OutboxSender();

    /// <inheritdoc />
    public Task<SendResult> SendAsync(OutgoingMessage message, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var sender = message.Reminder.Channel switch
        {
            "email" => email ?? _fallback,
            "sms" => sms ?? _fallback,
            _ => _fallback,
        };
        return sender.SendAsync(message, connection, transaction, cancellationToken);
    }
}
