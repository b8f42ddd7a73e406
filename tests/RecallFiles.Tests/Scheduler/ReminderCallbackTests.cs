using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RecallFiles.Importer.Feed;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Hosting;
using RecallFiles.Scheduler.Jobs;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Scheduler;

/// <summary>
/// The cloud host with an SMS gateway configured (a stub started by the test): the Reminders job sends through it, the
/// gateway's signed delivery receipt and the patient's signed SMS reply come back through the callbacks, in Spanish.
/// </summary>
[TestClass]
public sealed class ReminderCallbackTests
{
    private const string Secret = "callback-secret-0123456789";
    private const string Phone = "+34600999888";

    public TestContext TestContext { get; set; } = null!;

    private static HttpRequestMessage Signed(string path, string json, string secret = Secret)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add(WebhookForwarder.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookForwarder.SignatureHeader, "sha256=" + WebhookForwarder.Sign(secret, timestamp, Encoding.UTF8.GetBytes(json)));
        return request;
    }

    [TestMethod]
    public async Task Callbacks_RecordTheReceipt_AndTurnASignedSpanishReplyIntoACancellation_RefusingUnsignedOnes()
    {
        using var gateway = new SmsGatewayStub();
        var folder = Directory.CreateTempSubdirectory("rf-sms-").FullName;
        var values = DashboardSecurityTests.Logins();
        values["RecallFiles:DataFolder"] = folder;
        values["RecallFiles:Logging:Console"] = "false";
        values["RecallFiles:Database:ConnectionString"] = await PostgresFixture.CreateDatabaseAsync("sms");
        values["RecallFiles:DropBoxes:default:Kind"] = "Local";
        values["RecallFiles:DropBoxes:default:RootPath"] = Directory.CreateDirectory(Path.Combine(folder, "dropbox")).FullName;
        values["RecallFiles:Practices:DEMO-01:TimeZone"] = "Europe/Madrid";
        values["RecallFiles:Reminders:Cron"] = "0 0 1 1 *";   // the test runs the job itself: the host's own minute job must not claim the reminder first
        values["RecallFiles:Reminders:SmsGateway:Url"] = gateway.Url.ToString();
        values["RecallFiles:Reminders:SmsGateway:Token"] = "gateway-token";
        values["RecallFiles:Reminders:SmsGateway:From"] = "CLINICA";
        values["RecallFiles:Reminders:SmsGateway:CallbackSecret"] = Secret;
        values["RecallFiles:Reminders:SmsGateway:AllowInsecure"] = "true";
        values["RecallFiles:Reminders:Smtp:Host"] = "127.0.0.1";   // not reached in this test: only its InboundSecret is used
        values["RecallFiles:Reminders:Smtp:From"] = "recordatorios@clinica.example";
        values["RecallFiles:Reminders:Smtp:InboundSecret"] = "mail-forwarder-secret-0123";
        var settings = RecallFilesSettings.From(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), null);
        await using var cloud = await CloudContext.OpenAsync(settings, TestContext.CancellationToken);
        var baseUrl = $"http://127.0.0.1:{Ports.FreeTcpPort()}";
        await using var app = RecallFilesHost.Build(settings, HostRole.Cloud, baseUrl, cloud);
        await app.StartAsync(TestContext.CancellationToken);
        var db = cloud.DataSource;

        // A Spanish patient's appointment at noon three days ahead (real clock: the host's), its 48 h reminder made due now.
        // Noon in three days is 60-84 h away whatever the time of day, so its 48 h reminder (noon, within the quiet hours) is
        // still ahead and planned; noon in two days was not after 12:00 Madrid time.
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Madrid");
        var start = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow.AddDays(3), zone).DateTime;
        start = start.Date.AddHours(12);
        var payload = JsonSerializer.Serialize(new Dictionary<string, string?>
        {
            ["starts_at"] = start.ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), ["mobile"] = Phone, ["language"] = "es",
            ["resource"] = "DDS1", ["privacy"] = "1",
        });
        await using (var insert = db.CreateCommand("""
            WITH row AS (
                INSERT INTO appointments (practice_id, app_lid, starts_at, app_date, user_mobile_phone, user_language, resource_lid, resource_name, first_batch_id, last_batch_id, last_change)
                VALUES ('DEMO-01', 'SMS1', $1, $2, $3, 'es', 'DDS1', 'Dra. Ruiz', 0, 0, 'added'))
            INSERT INTO appointment_events (practice_id, app_lid, kind, payload) VALUES ('DEMO-01', 'SMS1', 'added', $4::json);
            """))
        {
            insert.Parameters.Add(new() { Value = start, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Timestamp });
            insert.Parameters.Add(new() { Value = DateOnly.FromDateTime(start) });
            insert.Parameters.Add(new() { Value = Phone });
            insert.Parameters.Add(new() { Value = payload });
            await insert.ExecuteNonQueryAsync(TestContext.CancellationToken);
        }

        await FeedSql.SealWrittenEventsAsync(db, TestContext.CancellationToken);

        var job = app.Services.GetRequiredService<ReminderJob>();
        await job.RunOnceAsync(TestContext.CancellationToken);
        await using (var due = db.CreateCommand("UPDATE reminders SET due_at = now() - interval '1 minute' WHERE app_lid = 'SMS1' AND label = '48h'"))
        {
            Assert.AreEqual(1, await due.ExecuteNonQueryAsync(TestContext.CancellationToken), "the 48 h reminder was planned");
        }

        var (_, sent, _) = await job.RunOnceAsync(TestContext.CancellationToken);
        Assert.AreEqual(1, sent);
        var request = gateway.Requests.Single();
        using (var sms = JsonDocument.Parse(request.Body))
        {
            Assert.AreEqual(Phone, sms.RootElement.GetProperty("to").GetString());
            StringAssert.StartsWith(sms.RootElement.GetProperty("text").GetString(), "Recordatorio: tiene una cita con Dra. Ruiz el ", "no location: no 'en'");
        }

        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        using (var unsigned = await http.PostAsync(new Uri("/api/sms/status", UriKind.Relative),
            new StringContent("""{"id":"gw-1","status":"delivered"}""", Encoding.UTF8, "application/json"), TestContext.CancellationToken))
        {
            Assert.AreEqual(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        }

        using (var wrong = await http.SendAsync(Signed("/api/sms/status", """{"id":"gw-1","status":"delivered"}""", "another-secret-0123456789"), TestContext.CancellationToken))
        {
            Assert.AreEqual(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using (var receipt = await http.SendAsync(Signed("/api/sms/status", """{"id":"gw-1","status":"delivered"}"""), TestContext.CancellationToken))
        {
            Assert.AreEqual(HttpStatusCode.NoContent, receipt.StatusCode);
        }

        await using (var state = db.CreateCommand("SELECT state || '/' || receipt FROM reminders WHERE provider_id = 'gw-1'"))
        {
            Assert.AreEqual("sent/delivered", await state.ExecuteScalarAsync(TestContext.CancellationToken));
        }

        using var reply = await http.SendAsync(Signed("/api/sms/inbound", $$"""{"from":"{{Phone}}","text":"X"}"""), TestContext.CancellationToken);
        Assert.AreEqual(HttpStatusCode.OK, reply.StatusCode);
        using var answer = JsonDocument.Parse(await reply.Content.ReadAsStringAsync(TestContext.CancellationToken));
        Assert.AreEqual("Cancelled", answer.RootElement.GetProperty("outcome").GetString());
        StringAssert.EndsWith(answer.RootElement.GetProperty("reply").GetString(), "queda cancelada. Llámenos para pedir otra.");
        await using (var update = db.CreateCommand("SELECT status || '/' || source FROM status_updates WHERE app_lid = 'SMS1'"))
        {
            Assert.AreEqual("CANCELLED by USER/sms", await update.ExecuteScalarAsync(TestContext.CancellationToken));
        }

        await using (var planned = db.CreateCommand("SELECT count(*) FROM reminders WHERE app_lid = 'SMS1' AND state = 'planned'"))
        {
            Assert.AreEqual(0L, await planned.ExecuteScalarAsync(TestContext.CancellationToken), "the cancel reply cancelled the 2 h reminder and the feedback");
        }

        // A forwarded e-mail STOP from an address never written to: the opt-out is recorded and confirmed (in the default language).
        using (var smsSecret = await http.SendAsync(Signed("/api/email/inbound", """{"from":"Someone@Example.org","text":"STOP"}"""), TestContext.CancellationToken))
        {
            Assert.AreEqual(HttpStatusCode.Unauthorized, smsSecret.StatusCode, "signed with the SMS secret, not the mail forwarder's");
        }

        using var mail = await http.SendAsync(Signed("/api/email/inbound", """{"from":"Someone@Example.org","text":"STOP"}""", "mail-forwarder-secret-0123"),
            TestContext.CancellationToken);
        Assert.AreEqual(HttpStatusCode.OK, mail.StatusCode);
        using var stopped = JsonDocument.Parse(await mail.Content.ReadAsStringAsync(TestContext.CancellationToken));
        Assert.AreEqual("OptedOut", stopped.RootElement.GetProperty("outcome").GetString());
        StringAssert.StartsWith(stopped.RootElement.GetProperty("reply").GetString(), "You will receive no more messages.");
        await using (var optOut = db.CreateCommand("SELECT address || '/' || practice_id FROM reminder_opt_outs"))
        {
            Assert.AreEqual("someone@example.org/", await optOut.ExecuteScalarAsync(TestContext.CancellationToken));
        }

        await app.StopAsync(TestContext.CancellationToken);
    }
}
