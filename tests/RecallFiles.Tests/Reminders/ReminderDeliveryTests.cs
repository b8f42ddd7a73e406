using System.Net;
using System.Text.Json;
using RecallFiles.Reminders;
using RecallFiles.Reminders.Delivery;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Reminders;

/// <summary>Delivery through a real SMTP server (python3-aiosmtpd: STARTTLS or TLS, login) and an HTTP SMS gateway stub; every message ends sent, failed or suppressed.</summary>
[TestClass]
public sealed class ReminderDeliveryTests
{
    private static SmtpOptions Smtp(SmtpServer server, string? password = null) => new()
    {
        Host = "127.0.0.1",
        Port = server.Port,
        UserName = server.UserName,
        Password = password ?? server.Password,
        From = "reminders@clinic.example",
        CertificateThumbprint = server.CertificateThumbprint,
        Timeout = TimeSpan.FromSeconds(10),
    };

    private static async Task<ReminderScenario> DueAsync(string appLid, string? mobile, string? email, string? language = null)
    {
        var scenario = await ReminderScenario.StartAsync(new ReminderOptions { Feedback = false, Offsets = [TimeSpan.FromHours(2)] });
        await scenario.EventAsync(appLid, "added", "2026-11-26T10:30:00", mobile: mobile, email: email, language: language);
        await scenario.Engine().PlanAsync();
        scenario.Clock.Advance(TimeSpan.FromDays(3));   // Thursday 08:00Z: the 2 h reminder (07:30Z) is due
        return scenario;
    }

    [TestMethod]
    public async Task SendDueAsync_DeliversOnceInSpanish_OverStartTlsWithLogin()
    {
        await using var server = await SmtpServer.StartAsync();
        var scenario = await DueAsync("E1", mobile: null, email: "paciente@example.org", language: "es-ES");
        var engine = scenario.Engine(new SenderRouter(email: new SmtpSender(Smtp(server))));

        Assert.AreEqual(1, await engine.SendDueAsync());
        Assert.AreEqual(0, await engine.SendDueAsync(), "sent once");

        var message = server.Messages().Single();
        Assert.AreEqual("paciente@example.org", message.To.Mailboxes.Single().Address);
        Assert.AreEqual("Su cita del jueves, 26 de noviembre de 2026 a las 10:30", message.Subject);
        StringAssert.StartsWith(message.TextBody, "Recordatorio: tiene una cita con Dr. Vega en Clínica Centro el jueves, 26 de noviembre de 2026 a las 10:30.");
        var row = (await scenario.RemindersAsync("E1")).Single();
        Assert.AreEqual(("sent", $"reminder-{row.Id}@recallfiles", "es", "es"), (row.State, row.ProviderId, row.Language, row.TemplateLanguage));
        Assert.AreEqual($"reminder-{row.Id}@recallfiles", message.MessageId);
    }

    [TestMethod]
    public async Task SendDueAsync_Delivers_OverImplicitTls()
    {
        await using var server = await SmtpServer.StartAsync(implicitTls: true);
        var scenario = await DueAsync("E2", mobile: null, email: "p@example.org");
        var engine = scenario.Engine(new SenderRouter(email: new SmtpSender(Smtp(server) with { Security = SmtpSecurity.Tls })));

        Assert.AreEqual(1, await engine.SendDueAsync());

        StringAssert.StartsWith(server.Messages().Single().TextBody, "Reminder: you have an appointment with Dr. Vega at Clínica Centro on Thursday, November 26, 2026 at 10:30 AM. Reply C to confirm");
    }

    [TestMethod]
    public async Task SendDueAsync_FailsWithAMaskedReason_WhenTheServerRefusesTheRecipient()
    {
        await using var server = await SmtpServer.StartAsync();
        var scenario = await DueAsync("E3", mobile: null, email: "rejected.patient@example.org");

        Assert.AreEqual(0, await scenario.Engine(new SenderRouter(email: new SmtpSender(Smtp(server)))).SendDueAsync());

        var row = (await scenario.RemindersAsync("E3")).Single();
        Assert.AreEqual("failed", row.State);
        StringAssert.Contains(row.Reason, "SMTP 550");
        Assert.DoesNotContain("rejected.patient@", row.Reason!, "the address is masked in the reason");
        Assert.IsEmpty(server.Messages());
    }

    [TestMethod]
    public async Task SendDueAsync_RetriesLater_ThenGivesUp_WhenTheServerIsBusy()
    {
        await using var server = await SmtpServer.StartAsync();
        var scenario = await DueAsync("E4", mobile: null, email: "busy@example.org");
        var engine = scenario.Engine(new SenderRouter(email: new SmtpSender(Smtp(server))));

        // 08:00Z, the visit at 09:30Z: attempts at 08:00, 08:05 (+5 min) and 08:15 (+10 min), all before the visit.
        await engine.SendDueAsync();
        var first = (await scenario.RemindersAsync("E4")).Single();
        Assert.AreEqual(("planned", 1), (first.State, first.Attempts));
        StringAssert.Contains(first.Reason, "SMTP 451");
        Assert.AreEqual(0, await engine.SendDueAsync(), "not before the retry delay");

        scenario.Clock.Advance(TimeSpan.FromMinutes(5));
        await engine.SendDueAsync();
        Assert.AreEqual(2, (await scenario.RemindersAsync("E4")).Single().Attempts);
        scenario.Clock.Advance(TimeSpan.FromMinutes(10));
        await engine.SendDueAsync();

        var last = (await scenario.RemindersAsync("E4")).Single();
        Assert.AreEqual(("failed", 3), (last.State, last.Attempts));
        StringAssert.StartsWith(last.Reason, "gave up after 3 attempt(s)");
    }

    [TestMethod]
    public async Task SendDueAsync_RetriesWithTheReason_WhenTheLoginIsRefused()
    {
        await using var server = await SmtpServer.StartAsync();
        var scenario = await DueAsync("E5", mobile: null, email: "p@example.org");

        await scenario.Engine(new SenderRouter(email: new SmtpSender(Smtp(server, password: "wrong")))).SendDueAsync();

        var row = (await scenario.RemindersAsync("E5")).Single();
        Assert.AreEqual("planned", row.State);
        StringAssert.Contains(row.Reason, "SMTP login refused for recallfiles");
        Assert.IsEmpty(server.Messages());
    }

    [TestMethod]
    public async Task SendDueAsync_PostsTheJsonApi_WithAnIdempotencyKey_AndKeepsTheGatewaysId()
    {
        using var gateway = new SmsGatewayStub();
        var scenario = await DueAsync("S1", mobile: "+34600111222", email: null);
        var sms = new SmsGatewaySender(new SmsGatewayOptions { Url = gateway.Url, Token = "t0ken", From = "CLINIC", AllowInsecure = true }, new HttpClient());

        Assert.AreEqual(1, await scenario.Engine(new SenderRouter(sms: sms)).SendDueAsync());

        var request = gateway.Requests.Single();
        var row = (await scenario.RemindersAsync("S1")).Single();
        Assert.AreEqual(("POST", "/sms", "Bearer t0ken", $"recallfiles-reminder-{row.Id}"),
            (request.Method, request.Path, request.Headers["Authorization"], request.Headers["Idempotency-Key"]));
        using var body = JsonDocument.Parse(request.Body);
        Assert.AreEqual("+34600111222", body.RootElement.GetProperty("to").GetString());
        StringAssert.StartsWith(body.RootElement.GetProperty("text").GetString(), "Reminder: you have an appointment");
        Assert.AreEqual(("sent", "gw-1"), (row.State, row.ProviderId));
    }

    [TestMethod]
    [DataRow(HttpStatusCode.BadRequest, "failed")]
    [DataRow(HttpStatusCode.ServiceUnavailable, "planned")]
    [DataRow(HttpStatusCode.TooManyRequests, "planned")]
    public async Task SendDueAsync_FailsOrRetries_AsTheGatewayAnswers(HttpStatusCode status, string state)
    {
        using var gateway = new SmsGatewayStub();
        gateway.Answer(status, """{"error":"number +34600111222 refused"}""");
        var scenario = await DueAsync("S2", mobile: "+34600111222", email: null);
        var sms = new SmsGatewaySender(new SmsGatewayOptions { Url = gateway.Url, Token = "t", AllowInsecure = true }, new HttpClient());

        Assert.AreEqual(0, await scenario.Engine(new SenderRouter(sms: sms)).SendDueAsync());

        var row = (await scenario.RemindersAsync("S2")).Single();
        Assert.AreEqual(state, row.State);
        StringAssert.Contains(row.Reason, $"SMS gateway {(int)status}");
        Assert.DoesNotContain("600111222", row.Reason!, "the number is masked in the reason");
    }

    [TestMethod]
    public async Task SendDueAsync_PostsTwiliosForm_WithBasicAuth()
    {
        using var gateway = new SmsGatewayStub();
        gateway.Answer(HttpStatusCode.Created, """{"sid":"SM123"}""");
        var scenario = await DueAsync("S3", mobile: "+34600111222", email: null);
        var sms = new SmsGatewaySender(new SmsGatewayOptions { Url = gateway.Url, Api = SmsApi.Twilio, AccountSid = "AC1", Token = "secret", From = "+15005550006",
            AllowInsecure = true }, new HttpClient());

        Assert.AreEqual(1, await scenario.Engine(new SenderRouter(sms: sms)).SendDueAsync());

        var request = gateway.Requests.Single();
        Assert.AreEqual("/sms/2010-04-01/Accounts/AC1/Messages.json", request.Path);
        Assert.AreEqual("Basic " + Convert.ToBase64String("AC1:secret"u8.ToArray()), request.Headers["Authorization"]);
        StringAssert.Contains(request.Body, "To=%2B34600111222");
        StringAssert.Contains(request.Body, "Body=Reminder");
        Assert.AreEqual("SM123", (await scenario.RemindersAsync("S3")).Single().ProviderId);
    }

    [TestMethod]
    public async Task SendDueAsync_RecordsAThrowingSenderAsFailed_AndSendsTheRestOfTheRound()
    {
        var scenario = await ReminderScenario.StartAsync(new ReminderOptions { Feedback = false, Offsets = [TimeSpan.FromHours(2)] });
        await scenario.EventAsync("T1", "added", "2026-11-26T10:30:00", mobile: null, email: "p@example.org");
        await scenario.EventAsync("T2", "added", "2026-11-26T10:30:00", mobile: "+34600111222", email: null);
        await scenario.Engine().PlanAsync();
        scenario.Clock.Advance(TimeSpan.FromDays(3));
        var broken = new SmtpSender(new SmtpOptions { From = "reminders@clinic.example" });   // no Host: the sender throws

        Assert.AreEqual(1, await scenario.Engine(new SenderRouter(email: broken)).SendDueAsync(), "the SMS reminder (outbox) is still sent");

        var failed = (await scenario.RemindersAsync("T1")).Single();
        Assert.AreEqual("failed", failed.State);
        StringAssert.Contains(failed.Reason, "the sender failed (InvalidOperationException: RecallFiles:Reminders:Smtp:Host is not set)");
        Assert.AreEqual("sent", (await scenario.RemindersAsync("T2")).Single().State);
    }

    [TestMethod]
    public async Task SendDueAsync_NeverSendsAgain_AMessageAnInterruptedRunWasSending()
    {
        using var gateway = new SmsGatewayStub();
        var scenario = await DueAsync("S4", mobile: "+34600111222", email: null);
        await scenario.ExecuteAsync("UPDATE reminders SET state = 'sending', attempts = 1, updated_at = '2026-11-26T07:59:00Z'");   // a crash mid-send
        var engine = scenario.Engine(new SenderRouter(sms: new SmsGatewaySender(new SmsGatewayOptions { Url = gateway.Url, Token = "t", AllowInsecure = true }, new HttpClient())));

        Assert.AreEqual(0, await engine.SendDueAsync());
        Assert.AreEqual("sending", (await scenario.RemindersAsync("S4")).Single().State, "still within SendingTimeout: left alone");
        scenario.Clock.Advance(TimeSpan.FromMinutes(20));
        Assert.AreEqual(0, await engine.SendDueAsync());

        var row = (await scenario.RemindersAsync("S4")).Single();
        Assert.AreEqual("failed", row.State);
        StringAssert.StartsWith(row.Reason, "outcome unknown, not sent again");
        Assert.IsEmpty(gateway.Requests);
    }
}
