using Npgsql;
using RecallFiles.Reminders;
using RecallFiles.Reminders.Delivery;
using RecallFiles.Reminders.Replies;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Tests.Status;

namespace RecallFiles.Tests.Reminders;

/// <summary>
/// Issue 15 acceptance, against real servers: appointments exported from a MariaDB Open Dental database, through a real
/// sshd, imported into PostgreSQL → reminders in Spanish delivered to a real SMTP server (python3-aiosmtpd) and to an
/// SMS gateway stub → the patient's SMS reply "X" → a status file → the appointment Broken in Open Dental → the result
/// back in the cloud; the appointment's other reminders are cancelled at once.
/// </summary>
[TestClass]
public sealed class ReminderAcceptanceTests
{
    [TestMethod]
    public async Task SpanishReminders_DeliveredByEmailAndSms_AndAnSmsCancelEndsBrokenInOpenDental()
    {
        await using var maria = await MariaDbServer.StartAsync();
        var pms = await OpenDentalStatusApplyTests.CreatePmsAsync(maria, "od_reminders");
        // Patient 4 (Spanish, e-mail only) gets a visit on Monday 26 October 12:00; patient 1 (es, mobile) has 113 at 09:00 (9117: the e-mail visit).
        await OpenDentalStatusApplyTests.ExecAsync(pms, "UPDATE patient SET WirelessPhone = '', Language = 'es' WHERE PatNum = 4");
        await OpenDentalStatusApplyTests.ExecAsync(pms, """
            INSERT INTO appointment (AptNum, PatNum, AptStatus, AptDateTime, Pattern, ProvNum, ProvHyg, IsHygiene, ClinicNum, Op)
            VALUES (9117, 4, 1, '2026-10-26 12:00:00', 'XXXX', 1, 0, 0, 1, 1)
            """);
        await using var sshd = await SshdServer.StartAsync();
        var cloudDb = await PostgresFixture.CreateDatabaseAsync("reminders_acceptance");
        var config = await StatusRoundTripTests.WriteConfigAsync(sshd, cloudDb, pms, ["APP_END_TIME", "USER_LANGUAGE"]);
        await StatusRoundTripTests.OkAsync(config, "export", "--once", "--now", "2026-10-24T10:00:00Z");
        await StatusRoundTripTests.OkAsync(config, "import", "--once");

        await using var smtp = await SmtpServer.StartAsync();
        using var gateway = new SmsGatewayStub();
        await using var db = NpgsqlDataSource.Create(cloudDb);
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 10, 24, 10, 0, 0, TimeSpan.Zero));
        var options = new ReminderOptions();
        var sender = new SenderRouter(
            email: new SmtpSender(new SmtpOptions
            {
                Host = "127.0.0.1", Port = smtp.Port, UserName = smtp.UserName, Password = smtp.Password, From = "recordatorios@clinica.example",
                CertificateThumbprint = smtp.CertificateThumbprint,
            }),
            sms: new SmsGatewaySender(new SmsGatewayOptions { Url = gateway.Url, Token = "t", From = "CLINICA", AllowInsecure = true }, new HttpClient()));
        var engine = new ReminderEngine(db, options, clock, sender);
        Assert.IsGreaterThan(0, await engine.PlanAsync());

        // Sunday 25 October 20:00Z = 21:00 CET: 9117's 48 h e-mail (due 24th 11:00Z) and 113's 2 h SMS (07:00 on Monday is
        // quiet: moved to 21:00 the evening before) are due.
        clock.Advance(TimeSpan.FromHours(34));
        await engine.SendDueAsync();

        var mail = smtp.Messages().Single(m => m.To.Mailboxes.Single().Address == "p0004@example.net");
        Assert.AreEqual("Su cita del lunes, 26 de octubre de 2026 a las 12:00", mail.Subject);
        StringAssert.StartsWith(mail.TextBody, "Recordatorio: tiene una cita con ");
        var sms = gateway.Requests.Select(r => System.Text.Json.JsonDocument.Parse(r.Body).RootElement)
            .Single(r => r.GetProperty("text").GetString()!.Contains("lunes, 26 de octubre de 2026 a las 9:00", StringComparison.Ordinal));
        var phone = sms.GetProperty("to").GetString()!;
        StringAssert.EndsWith(phone, "600123456");
        StringAssert.StartsWith(sms.GetProperty("text").GetString(), "Recordatorio: tiene una cita");
        Assert.DoesNotContain("Zapatero", sms.GetProperty("text").GetString()!, "no patient name");

        var reply = await new ReplyHandler(db, options, clock).HandleAsync("sms", phone, "X");
        Assert.AreEqual((ReplyOutcome.Cancelled, "113"), (reply.Outcome, reply.AppLid));
        StringAssert.StartsWith(reply.Answer, "Su cita del lunes, 26 de octubre de 2026 a las 9:00 queda cancelada.");
        await using (var planned = db.CreateCommand("SELECT count(*) FROM reminders WHERE app_lid = '113' AND state = 'planned'"))
        {
            Assert.AreEqual(0L, await planned.ExecuteScalarAsync(), "113's feedback is cancelled at once");
        }

        StringAssert.Contains((await StatusRoundTripTests.OkAsync(config, "status-export")).Out, "1 update(s)");
        StringAssert.Contains((await StatusRoundTripTests.OkAsync(config, "status-apply", "--once", "--practice", "OD-01")).Out, "OK 1");
        StringAssert.Contains((await StatusRoundTripTests.OkAsync(config, "status-results", "--once")).Out, "1 applied");
        Assert.AreEqual(5, (await OpenDentalStatusApplyTests.AptAsync(pms, 113)).AptStatus, "Broken in Open Dental");
        await using var state = db.CreateCommand("SELECT status || '/' || source || '/' || state FROM status_updates WHERE app_lid = '113'");
        Assert.AreEqual("CANCELLED by USER/sms/applied", await state.ExecuteScalarAsync());
    }
}
