using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using RecallFiles.Importer.Feed;

namespace RecallFiles.Reminders.Delivery;

/// <summary>
/// The signatures of the gateway's callbacks (delivery receipts, inbound replies). The JSON API signs like the
/// webhook (<see cref="WebhookForwarder.Sign"/>: <c>X-RecallFiles-Timestamp</c> and <c>X-RecallFiles-Signature:
/// sha256=HEX</c> of <c>TIMESTAMP "." BODY</c>, refused outside a 5-minute window); Twilio signs with its auth token:
/// <c>X-Twilio-Signature</c> = Base64(HMAC-SHA1(token, URL + each form field's name and value, sorted by name)).
/// </summary>
public static class CallbackSignatures
{
    /// <summary>How far a signed timestamp may be from now.</summary>
    public static readonly TimeSpan ReplayWindow = TimeSpan.FromMinutes(5);

    /// <summary>Whether a JSON callback is signed with <paramref name="secret"/> and recent.</summary>
    public static bool VerifyJson(string secret, string? timestamp, string? signature, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > ReplayWindow
            || signature is null || !signature.StartsWith("sha256=", StringComparison.Ordinal))
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(WebhookForwarder.Sign(secret, seconds, body));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature["sha256=".Length..].ToLowerInvariant()));
    }

    /// <summary>Twilio's signature of a form posted to <paramref name="url"/>.</summary>
    public static string Twilio(string authToken, string url, IEnumerable<KeyValuePair<string, string>> form)
    {
        ArgumentNullException.ThrowIfNull(authToken);
        var data = new StringBuilder(url);
        foreach (var (name, value) in form.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            data.Append(name).Append(value);
        }

        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString())));
    }

    /// <summary>Whether a Twilio callback carries the right signature.</summary>
    public static bool VerifyTwilio(string authToken, string url, IEnumerable<KeyValuePair<string, string>> form, string? signature) =>
        signature is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Twilio(authToken, url, form)), Encoding.ASCII.GetBytes(signature));
}

/// <summary>
/// Delivery receipts from the SMS gateway: the last receipt is kept on the message (<c>receipt</c>); <c>failed</c> or
/// <c>undelivered</c> turns a sent message into <c>failed</c> with the gateway's error code as the reason.
/// </summary>
public sealed class DeliveryReceipts(NpgsqlDataSource dataSource, TimeProvider time)
{
    /// <summary>Records a receipt for the message the gateway knows as <paramref name="providerId"/>; false when no message has that id.</summary>
    public async Task<bool> ApplyAsync(string providerId, string status, string? error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(status);
        var failed = status.Trim().ToLowerInvariant() is "failed" or "undelivered";
        await using var update = dataSource.CreateCommand("""
            UPDATE reminders SET receipt = $2, updated_at = $4,
                state = CASE WHEN $3 AND state = 'sent' THEN 'failed' ELSE state END,
                reason = CASE WHEN $3 AND state = 'sent' THEN $5 ELSE reason END
            WHERE provider_id = $1 AND state IN ('sent', 'failed')
            """);
        update.Parameters.Add(new() { Value = providerId });
        update.Parameters.Add(new() { Value = status.Trim().ToLowerInvariant() });
        update.Parameters.Add(new() { Value = failed });
        update.Parameters.Add(new() { Value = time.GetUtcNow().UtcDateTime });
        update.Parameters.Add(new() { Value = $"gateway receipt: {status.Trim().ToLowerInvariant()}{(string.IsNullOrEmpty(error) ? "" : $" ({error})")}" });
        return await update.ExecuteNonQueryAsync(cancellationToken) > 0;
    }
}
