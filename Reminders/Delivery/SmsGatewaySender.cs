using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace RecallFiles.Reminders.Delivery;

/// <summary>The SMS gateway's API.</summary>
public enum SmsApi
{
    /// <summary>RecallFiles' JSON API (docs/reminders.md): <c>POST {Url}</c> with a bearer token.</summary>
    Json,

    /// <summary>Twilio's Messages API: <c>POST {Url}/2010-04-01/Accounts/{AccountSid}/Messages.json</c>, form-encoded, basic auth.</summary>
    Twilio,
}

/// <summary>How the SMS sender reaches its gateway (section <c>RecallFiles:Reminders:SmsGateway</c>; no Url = the outbox).</summary>
public sealed record SmsGatewayOptions
{
    /// <summary>The gateway's base URL (https; http only with <see cref="AllowInsecure"/>).</summary>
    public Uri? Url { get; init; }

    /// <summary><c>Json</c> (default) or <c>Twilio</c>.</summary>
    public SmsApi Api { get; init; } = SmsApi.Json;

    /// <summary>The bearer token (Json) or the auth token (Twilio; it also signs Twilio's callbacks).</summary>
    public string? Token { get; init; }

    /// <summary>Twilio's account SID.</summary>
    public string? AccountSid { get; init; }

    /// <summary>The sender number or name.</summary>
    public string From { get; init; } = "";

    /// <summary>Where the gateway posts delivery receipts (this host's <c>/api/sms/status</c>), or none.</summary>
    public Uri? StatusCallback { get; init; }

    /// <summary>The shared secret that signs the Json API's callbacks (HMAC-SHA256; Twilio signs with <see cref="Token"/>).</summary>
    public string? CallbackSecret { get; init; }

    /// <summary>Allows an http:// gateway (a gateway on the same host).</summary>
    public bool AllowInsecure { get; init; }

    /// <summary>The request timeout (default 30 s).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Checks the values, naming the key of a wrong one.</summary>
    public IReadOnlyList<string> Validate(string prefix = "RecallFiles:Reminders:SmsGateway")
    {
        var errors = new List<string>();
        if (Url is not { IsAbsoluteUri: true })
        {
            errors.Add($"{prefix}:Url must be an absolute URL");
        }
        else if (Url.Scheme != Uri.UriSchemeHttps && !AllowInsecure)
        {
            errors.Add($"{prefix}:Url {Url} is not https: use https, or set {prefix}:AllowInsecure to true");
        }

        if (string.IsNullOrEmpty(Token))
        {
            errors.Add($"{prefix}:Token is required");
        }

        if (Api == SmsApi.Twilio && string.IsNullOrEmpty(AccountSid))
        {
            errors.Add($"{prefix}:AccountSid is required for the Twilio API");
        }

        return errors;
    }
}

/// <summary>
/// Sends SMS through an HTTP gateway. The Json API gets <c>{"to","from","text","reference","statusCallback"}</c> with
/// <c>Idempotency-Key: recallfiles-reminder-{id}</c>, so a retry after a lost answer is not a second SMS, and answers
/// <c>{"id": …}</c>; Twilio gets its form fields and answers <c>{"sid": …}</c>. 2xx = sent (the id is kept for the
/// delivery receipt), 408/429/5xx or no answer = retry, any other 4xx = failed with the gateway's reason.
/// </summary>
public sealed class SmsGatewaySender(SmsGatewayOptions options, HttpClient http) : IReminderSender
{
    /// <inheritdoc />
    public async Task<SendResult> SendAsync(OutgoingMessage message, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var reminder = message.Reminder;
        using var request = Request(message);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, timeout.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // The Json API deduplicates on the idempotency key; Twilio does not, so a lost answer there is not retried.
            var reason = SendResult.Redact($"the SMS gateway did not answer: {ex.Message}", reminder.Address);
            return options.Api == SmsApi.Json || ex is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }
                ? SendResult.Retry(reason)
                : SendResult.Failed($"outcome unknown, not sent again: {reason}");
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return SendResult.Sent(ReadId(body));
            }

            var reason = SendResult.Redact($"SMS gateway {(int)response.StatusCode}: {Shorten(body)}", reminder.Address);
            return response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500
                ? SendResult.Retry(reason)
                : SendResult.Failed(reason);
        }
    }

    private HttpRequestMessage Request(OutgoingMessage message)
    {
        var reminder = message.Reminder;
        var baseUrl = options.Url!.ToString().TrimEnd('/');
        if (options.Api == SmsApi.Twilio)
        {
            var fields = new List<KeyValuePair<string, string>> { new("To", reminder.Address), new("From", options.From), new("Body", message.Text) };
            if (options.StatusCallback is { } callback)
            {
                fields.Add(new("StatusCallback", callback.ToString()));
            }

            var twilio = new HttpRequestMessage(HttpMethod.Post, $"{baseUrl}/2010-04-01/Accounts/{Uri.EscapeDataString(options.AccountSid!)}/Messages.json")
            {
                Content = new FormUrlEncodedContent(fields),
            };
            twilio.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.AccountSid}:{options.Token}")));
            return twilio;
        }

        var json = new HttpRequestMessage(HttpMethod.Post, baseUrl)
        {
            Content = JsonContent.Create(new
            {
                to = reminder.Address,
                from = options.From,
                text = message.Text,
                reference = $"reminder-{reminder.Id}",
                statusCallback = options.StatusCallback?.ToString(),
            }),
        };
        json.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
        json.Headers.Add("Idempotency-Key", $"recallfiles-reminder-{reminder.Id}");
        return json;
    }

    private static string? ReadId(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && (document.RootElement.TryGetProperty("id", out var id) || document.RootElement.TryGetProperty("sid", out id))
                && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Shorten(string body) => body.Length <= 200 ? body : body[..200] + "…";
}
