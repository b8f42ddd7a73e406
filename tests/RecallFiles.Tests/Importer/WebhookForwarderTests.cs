using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Npgsql;
using RecallFiles.Importer.Feed;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Importer;

/// <summary>Webhook delivery to a real HTTP receiver on loopback (an external reminder engine's endpoint).</summary>
[TestClass]
public sealed class WebhookForwarderTests
{
    private const string Secret = "0123456789abcdef-test-secret";

    /// <summary>A receiver that checks signatures and answers with the given status codes in turn (then 200).</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;
        private readonly Queue<HttpStatusCode> _answers;

        public Receiver(params HttpStatusCode[] answers)
        {
            _answers = new Queue<HttpStatusCode>(answers);
            Url = $"http://127.0.0.1:{Ports.FreeTcpPort()}/events/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public string Url { get; }

        public ConcurrentQueue<(string Body, string Signature, string Delivery, bool SignatureValid)> Requests { get; } = new();

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (HttpListenerException) when (!_listener.IsListening)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream);
                var body = await reader.ReadToEndAsync();
                var signature = context.Request.Headers[WebhookForwarder.SignatureHeader] ?? "";
                // The signature covers the timestamp header (issue 12): a receiver checks both.
                var stamp = long.Parse(context.Request.Headers[WebhookForwarder.TimestampHeader] ?? "-1", System.Globalization.CultureInfo.InvariantCulture);
                var valid = stamp > 0 && signature == "sha256=" + WebhookForwarder.Sign(Secret, stamp, System.Text.Encoding.UTF8.GetBytes(body));
                Requests.Enqueue((body, signature, context.Request.Headers[WebhookForwarder.DeliveryHeader] ?? "", valid));
                lock (_answers)
                {
                    context.Response.StatusCode = (int)(_answers.Count > 0 ? _answers.Dequeue() : HttpStatusCode.OK);
                }

                context.Response.Close();
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            _listener.Close();
            await _loop;
        }
    }

    private static async Task<NpgsqlDataSource> DatabaseWithEventsAsync(int count)
    {
        var db = NpgsqlDataSource.Create(await PostgresFixture.CreateDatabaseAsync("webhook"));
        for (var i = 1; i <= count; i++)
        {
            await using var insert = db.CreateCommand(
                "INSERT INTO appointment_events (practice_id, app_lid, kind, payload) VALUES ('DEMO-01', $1, 'added', '{\"starts_at\":\"2026-11-26T10:30:00\",\"mobile\":\"+34600111222\"}'::json)");
            insert.Parameters.Add(new() { Value = $"A{i}" });
            await insert.ExecuteNonQueryAsync();
        }

        await FeedSql.SealWrittenEventsAsync(db);
        return db;
    }

    private static WebhookOptions Options(string url, int attempts = 3) =>
        new() { Url = url, Secret = Secret, BatchSize = 2, MaxAttempts = attempts, BaseDelay = TimeSpan.FromMilliseconds(20), Timeout = TimeSpan.FromSeconds(5) };

    [TestMethod]
    public async Task ForwardAsync_DeliversEveryEventOnceInOrder_Signed_RetryingTransientFailures()
    {
        await using var receiver = new Receiver(HttpStatusCode.ServiceUnavailable);
        await using var db = await DatabaseWithEventsAsync(5);
        using var http = new HttpClient();
        var forwarder = new WebhookForwarder(db, Options(receiver.Url), http, TimeProvider.System);

        Assert.AreEqual(5, await forwarder.ForwardAsync());
        Assert.AreEqual(0, await forwarder.ForwardAsync(), "the cursor moved: nothing twice");

        var requests = receiver.Requests.ToList();
        Assert.HasCount(4, requests, "3 batches of at most 2, the first one twice (503, then 200)");
        Assert.IsTrue(requests.All(r => r.SignatureValid));
        Assert.AreEqual(requests[0].Delivery, requests[1].Delivery, "a retry carries the same delivery id");
        var ids = requests.Skip(1).SelectMany(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("events").EnumerateArray()
            .Select(e => e.GetProperty("appLid").GetString())).ToArray();
        CollectionAssert.AreEqual(new[] { "A1", "A2", "A3", "A4", "A5" }, ids);
        await using var deliveries = db.CreateCommand("SELECT count(*), sum(attempts) FROM webhook_deliveries WHERE delivered");
        await using var reader = await deliveries.ExecuteReaderAsync();
        Assert.IsTrue(await reader.ReadAsync());
        Assert.AreEqual(3L, reader.GetInt64(0));
        Assert.AreEqual(4L, reader.GetInt64(1));
    }

    [TestMethod]
    public async Task ForwardAsync_RecordsTheFailure_AndKeepsTheEvents_WhenTheReceiverKeepsFailing()
    {
        await using var receiver = new Receiver(Enumerable.Repeat(HttpStatusCode.InternalServerError, 10).ToArray());
        await using var db = await DatabaseWithEventsAsync(2);
        using var http = new HttpClient();
        var forwarder = new WebhookForwarder(db, Options(receiver.Url, attempts: 3), http, TimeProvider.System);

        var ex = await Assert.ThrowsExactlyAsync<WebhookDeliveryException>(() => forwarder.ForwardAsync());

        StringAssert.Contains(ex.Message, "HTTP 500");
        Assert.HasCount(3, receiver.Requests.ToList(), "exactly MaxAttempts, no retry storm");
        await using (var failed = db.CreateCommand("SELECT delivered, attempts FROM webhook_deliveries"))
        await using (var reader = await failed.ExecuteReaderAsync())
        {
            Assert.IsTrue(await reader.ReadAsync());
            Assert.IsFalse(reader.GetBoolean(0));
            Assert.AreEqual(3, reader.GetInt32(1));
        }

        await using var cursor = db.CreateCommand("SELECT coalesce((SELECT last_id FROM event_cursors WHERE consumer = 'webhook'), 0)");
        Assert.AreEqual(0L, (long)(await cursor.ExecuteScalarAsync())!, "the cursor did not move: the events will be sent later");
    }

    [TestMethod]
    public async Task ForwardAsync_DoesNotRetry_WhenTheReceiverRejectsTheRequest()
    {
        await using var receiver = new Receiver(HttpStatusCode.BadRequest);
        await using var db = await DatabaseWithEventsAsync(1);
        using var http = new HttpClient();
        var forwarder = new WebhookForwarder(db, Options(receiver.Url, attempts: 5), http, TimeProvider.System);

        var ex = await Assert.ThrowsExactlyAsync<WebhookDeliveryException>(() => forwarder.ForwardAsync());

        StringAssert.Contains(ex.Message, "HTTP 400");
        Assert.HasCount(1, receiver.Requests.ToList(), "a 4xx other than 408/429 is not transient");
        await using var failed = db.CreateCommand("SELECT delivered, attempts, status_code FROM webhook_deliveries");
        await using var reader = await failed.ExecuteReaderAsync();
        Assert.IsTrue(await reader.ReadAsync());
        Assert.IsFalse(reader.GetBoolean(0));
        Assert.AreEqual(1, reader.GetInt32(1), "the attempts actually made");
        Assert.AreEqual(400, reader.GetInt32(2));
    }

    [TestMethod]
    public async Task ForwardAsync_MakesOneAttempt_WhenMaxAttemptsIsOne()
    {
        await using var receiver = new Receiver(HttpStatusCode.TooManyRequests);
        await using var db = await DatabaseWithEventsAsync(1);
        using var http = new HttpClient();
        var once = new WebhookForwarder(db, Options(receiver.Url, attempts: 1), http, TimeProvider.System);

        await Assert.ThrowsExactlyAsync<WebhookDeliveryException>(() => once.ForwardAsync());
        Assert.HasCount(1, receiver.Requests.ToList(), "MaxAttempts 1: no retry");
        Assert.AreEqual(1, await new WebhookForwarder(db, Options(receiver.Url), http, TimeProvider.System).ForwardAsync(), "the next run delivers");
    }

    [TestMethod]
    public void Validate_RequiresAStrongSecret_WhenAUrlIsSet()
    {
        var errors = new WebhookOptions { Url = "https://engine.example.org/events", Secret = "short" }.Validate();

        StringAssert.Contains(errors.Single(), "RecallFiles:Webhook:Secret");
        Assert.IsEmpty(new WebhookOptions().Validate(), "no URL: delivery off, nothing to check");
    }
}
