using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Polly;
using Polly.Retry;

namespace RecallFiles.Importer.Feed;

/// <summary>Where and how appointment events are delivered to an external reminder engine (section <c>RecallFiles:Webhook</c>).</summary>
public sealed record WebhookOptions
{
    /// <summary>The receiver's URL; empty turns webhook delivery off.</summary>
    public string? Url { get; init; }

    /// <summary>The shared secret of the HMAC-SHA256 signature. A secret: from the environment, never in a file in the repository.</summary>
    public string? Secret { get; init; }

    /// <summary>Events per request. Default 100.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>Attempts per request before the delivery is recorded as failed (and retried on the next run). Default 5.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>First retry delay; doubles each attempt, with jitter. Default 1 s.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Time allowed for one request. Default 30 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Allow a plain <c>http://</c> URL (events carry PHI: only for a receiver on the same machine or network segment). Default false.</summary>
    public bool AllowInsecure { get; init; }

    /// <summary>The problems of these options, each naming its key.</summary>
    public IReadOnlyList<string> Validate(string prefix = "RecallFiles:Webhook")
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Url))
        {
            return errors;
        }

        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            errors.Add($"{prefix}:Url '{Url}' must be an absolute http(s) URL");
        }
        else if (uri.Scheme == Uri.UriSchemeHttp && !AllowInsecure)
        {
            errors.Add($"{prefix}:Url '{Url}' is plain http: events carry PHI. Use https://, or set {prefix}:AllowInsecure to true to accept it (issue 12)");
        }

        if (string.IsNullOrEmpty(Secret) || Secret.Length < 16)
        {
            errors.Add($"{prefix}:Secret must be set (at least 16 characters) when {prefix}:Url is; put it in the environment (RecallFiles__Webhook__Secret)");
        }

        if (BatchSize is < 1 or > 10_000)
        {
            errors.Add($"{prefix}:BatchSize is {BatchSize}; allowed 1-10000");
        }

        if (MaxAttempts is < 1 or > 20)
        {
            errors.Add($"{prefix}:MaxAttempts is {MaxAttempts}; allowed 1-20");
        }

        return errors;
    }
}

/// <summary>The receiver did not take a batch after every attempt; the events stay unsent and the next run retries them.</summary>
public sealed class WebhookDeliveryException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Creates the exception without a message; prefer the other constructor.</summary>
    public WebhookDeliveryException() : this("webhook delivery failed")
    {
    }

    /// <summary>Creates the exception.</summary>
    public WebhookDeliveryException(string message) : this(message, null)
    {
    }
}

/// <summary>
/// Delivers appointment events, in id order and in batches, as signed JSON POSTs to an external
/// reminder engine. Body: <c>{"events":[{"id","practice","appLid","kind","batch","payload"}]}</c>; header
/// <c>X-RecallFiles-Timestamp: UNIX-SECONDS</c>, <c>X-RecallFiles-Signature: sha256=HEX</c> (HMAC-SHA256 with the shared
/// secret of <c>TIMESTAMP.BODY</c>, so a captured request cannot be replayed outside the receiver's window) and
/// <c>X-RecallFiles-Delivery: FIRST-LAST</c> (event ids, for the receiver's idempotency). Transient
/// failures (network, timeout, 408, 429, 5xx) are retried with exponential backoff and jitter; every
/// attempt's outcome is recorded in <c>webhook_deliveries</c>. The feed's cursor (consumer
/// <c>webhook</c>) moves only after a 2xx, so nothing is lost; a receiver may see a batch twice after
/// a crash between its 2xx and our commit, which the delivery id lets it ignore.
/// </summary>
public sealed class WebhookForwarder(NpgsqlDataSource dataSource, WebhookOptions options, HttpClient http, TimeProvider time, ILogger? logger = null)
{
    private readonly ResiliencePipeline<Attempt> _retry = CreateRetry(options, time);
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>The consumer name in <c>event_cursors</c>.</summary>
    public const string Consumer = "webhook";

    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-RecallFiles-Signature";

    /// <summary>The timestamp header (Unix seconds), covered by the signature; receivers refuse one outside their replay window.</summary>
    public const string TimestampHeader = "X-RecallFiles-Timestamp";

    /// <summary>The delivery id header.</summary>
    public const string DeliveryHeader = "X-RecallFiles-Delivery";

    /// <summary>HEX of HMAC-SHA256(<paramref name="secret"/>, <c>TIMESTAMP "." BODY</c>), as the receiver recomputes it.</summary>
    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    /// <summary>Delivers every new event; returns how many. Throws <see cref="WebhookDeliveryException"/> when a batch could not be delivered.</summary>
    public async Task<int> ForwardAsync(CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(options.Url))
        {
            return 0;
        }

        await using var feed = new EventFeed(dataSource, Consumer);
        var total = 0;
        int handled;
        do
        {
            handled = await feed.ProcessNextAsync(DeliverAsync, options.BatchSize, cancellationToken);
            total += handled;
        }
        while (handled > 0);

        return total;
    }

    private async Task DeliverAsync(IReadOnlyList<AppointmentEvent> events, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var body = Body(events);
        var delivery = $"{events[0].Id}-{events[^1].Id}";
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        var signature = "sha256=" + Sign(options.Secret!, timestamp, body);
        var attempts = 0;
        var outcome = await _retry.ExecuteAsync(SendOnceAsync, cancellationToken);
        if (outcome.Delivered)
        {
            await RecordAsync(connection, transaction, events, attempts, outcome.Status, delivered: true, error: null, cancellationToken);
            return;
        }

        // Recorded outside the feed's transaction, which rolls back so the cursor stays put.
        await using (var own = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            await RecordAsync(own, null, events, attempts, outcome.Status, delivered: false, outcome.Error, cancellationToken);
        }

        throw new WebhookDeliveryException($"webhook delivery {delivery} to {options.Url} failed: {outcome.Error}; the events stay unsent and the next run retries them");

        // One POST; the retry pipeline calls it again while the outcome is transient.
        async ValueTask<Attempt> SendOnceAsync(CancellationToken token)
        {
            var attempt = ++attempts;
            using var request = new HttpRequestMessage(HttpMethod.Post, options.Url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            request.Headers.Add(SignatureHeader, signature);
            request.Headers.Add(TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.Add(DeliveryHeader, delivery);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
            timeout.CancelAfter(options.Timeout);
            Attempt failed;
            try
            {
                using var response = await http.SendAsync(request, timeout.Token);
                var status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    return new Attempt(Delivered: true, Transient: false, status, Error: null);
                }

                var transient = response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || status >= 500;
                failed = new Attempt(Delivered: false, transient, status, $"HTTP {status} {response.ReasonPhrase}");
            }
            catch (HttpRequestException ex)
            {
                failed = new Attempt(Delivered: false, Transient: true, Status: null, ex.Message);
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                failed = new Attempt(Delivered: false, Transient: true, Status: null, $"no answer within {options.Timeout}");
            }

            Log.WebhookAttemptFailed(_logger, delivery, attempt, failed.Error ?? "");
            return failed;
        }
    }

    /// <summary>
    /// Transient failures (network, timeout, 408, 429, 5xx) are tried again up to <see cref="WebhookOptions.MaxAttempts"/>
    /// attempts in all, <see cref="WebhookOptions.BaseDelay"/> doubling each time, with jitter; like the drop boxes (Polly).
    /// </summary>
    private static ResiliencePipeline<Attempt> CreateRetry(WebhookOptions options, TimeProvider time) => options.MaxAttempts <= 1
        ? ResiliencePipeline<Attempt>.Empty
        : new ResiliencePipelineBuilder<Attempt> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<Attempt>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { Transient: true }),
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
            })
            .Build();

    /// <summary>The outcome of one POST.</summary>
    private sealed record Attempt(bool Delivered, bool Transient, int? Status, string? Error);

    private async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<AppointmentEvent> events, int attempts, int? status,
        bool delivered, string? error, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand("""
            INSERT INTO webhook_deliveries (url, first_event, last_event, events, attempts, status_code, delivered, error)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """, connection, transaction);
        insert.Parameters.Add(new() { Value = options.Url! });
        insert.Parameters.Add(new() { Value = events[0].Id });
        insert.Parameters.Add(new() { Value = events[^1].Id });
        insert.Parameters.Add(new() { Value = events.Count });
        insert.Parameters.Add(new() { Value = attempts });
        insert.Parameters.Add(new() { Value = (object?)status ?? DBNull.Value });
        insert.Parameters.Add(new() { Value = delivered });
        insert.Parameters.Add(new() { Value = (object?)error ?? DBNull.Value });
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    private static byte[] Body(IReadOnlyList<AppointmentEvent> events)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("events");
            foreach (var e in events)
            {
                w.WriteStartObject();
                w.WriteNumber("id", e.Id);
                w.WriteString("practice", e.PracticeId);
                w.WriteString("appLid", e.AppLid);
                w.WriteString("kind", e.Kind);
                if (e.BatchId is { } batch)
                {
                    w.WriteNumber("batch", batch);
                }
                else
                {
                    w.WriteNull("batch");
                }

                w.WritePropertyName("payload");
                w.WriteRawValue(e.Payload);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
