using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using RecallFiles.Importer.Pickup;
using RecallFiles.Scheduler.Alerts;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Hosting;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Tests.SampleData;

namespace RecallFiles.Tests.Scheduler;

/// <summary>
/// Issue 17's alert acceptance with real servers: a PostgreSQL store with real imports from a local drop box, the Debian
/// aiosmtpd server (STARTTLS, login) and an HTTP receiver for the webhook. An overdue practice, a failed batch and a
/// failed agent export each give exactly one e-mail and one webhook POST, nothing more within the re-notify interval
/// (the clock is moved, the rules evaluated again and again, by two "servers" at once), one reminder after it, and one
/// "resolved" message each once fixed.
/// </summary>
[TestClass]
public sealed class AlertAcceptanceTests
{
    private const string Overdue = "OVER-01";
    private const string Failing = "FAIL-01";
    private const string Agent = "AGENT-01";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Evaluate_SendsOneMessagePerIncidentAndChannel_ThenOneResolvedMessage_WhenFixed()
    {
        var ct = TestContext.CancellationToken;
        await using var smtp = await SmtpServer.StartAsync();
        using var receiver = new SmsGatewayStub();
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow.AddMinutes(1));
        var (settings, drop) = await SettingsAsync(smtp, receiver, ct);
        await using var cloud = await CloudContext.OpenAsync(settings, ct);
        var pickup = new PickupService(cloud.DataSource, cloud.Settings.Importer, cloud.Settings.DropBoxes, time);
        var options = AlertSettings.From(settings.Configuration);
        using var http = new HttpClient();
        IReadOnlyList<IAlertChannel> channels = [new EmailAlertChannel(options.Email), new WebhookAlertChannel(options.Webhook, http)];
        AlertEvaluator Server() => new(cloud.DataSource, options, settings.Dashboard.OverdueAfterIntervals, channels, time, NullLogger.Instance);

        // AGENT-01 sends its files, but its agent reports a failed export; FAIL-01's file fails; OVER-01 never sends one.
        await ImportAsync(pickup, drop, Agent, Path.Combine(RepoPaths.SampleData, "appointments", "APPOINTMENTS_DEMO-01_20261123T080000Z.csv"), time, ct);
        await ImportAsync(pickup, drop, Failing, Path.Combine(RepoPaths.Malformed, "missing-required-column.csv"), time, ct);
        await HeartbeatAsync(cloud.DataSource, time.GetUtcNow(), "failed", "query failed: Access denied for user 'od_export'@'10.0.0.4' (call 600 100 200)", ct);

        var first = await Task.WhenAll(Server().EvaluateAsync(ct), Server().EvaluateAsync(ct));
        foreach (var step in new[] { TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromMinutes(50) })
        {
            time.Advance(step);
            await Task.WhenAll(Server().EvaluateAsync(ct), Server().EvaluateAsync(ct));
        }

        var opened = smtp.Messages();
        var posts = Bodies(receiver);
        Assert.AreEqual(3, first.Sum(r => r.Opened), string.Join(" | ", first.Select(r => r.ToString())));
        Assert.AreEqual(3, opened.Count, string.Join(" | ", opened.Select(m => m.Subject)));
        Assert.AreEqual(3, posts.Count);
        foreach (var (practice, rule) in new[] { (Overdue, "practice overdue"), (Failing, "batch failed"), (Agent, "export failed at the agent") })
        {
            Assert.AreEqual(1, opened.Count(m => m.Subject == $"[RecallFiles] OPEN {rule}: {practice}"), $"one e-mail for {practice}");
            Assert.AreEqual(1, posts.Count(p => p.GetProperty("event").GetString() == "open" && p.GetProperty("incident").GetProperty("practice").GetString() == practice));
        }

        var agentMail = opened.Single(m => m.Subject!.EndsWith(Agent, StringComparison.Ordinal)).TextBody;
        StringAssert.Contains(agentMail, "Access denied for user");
        Assert.DoesNotContain("600 100 200", agentMail, "a phone in an agent's error is masked");
        Assert.AreEqual("ops@example.net", opened[0].To.Mailboxes.Single().Address);

        // Past the re-notify interval: one reminder each, still once with two servers.
        time.Advance(TimeSpan.FromMinutes(15));
        await Task.WhenAll(Server().EvaluateAsync(ct), Server().EvaluateAsync(ct));
        var reminders = smtp.Messages().Skip(3).ToList();
        Assert.AreEqual(3, reminders.Count, string.Join(" | ", reminders.Select(m => m.Subject)));
        Assert.IsTrue(reminders.All(m => m.Subject!.StartsWith("[RecallFiles] STILL OPEN ", StringComparison.Ordinal)));

        // Fixed: OVER-01 and FAIL-01 send good files, AGENT-01's next export works.
        time.Advance(TimeSpan.FromMinutes(5));
        await ImportAsync(pickup, drop, Overdue, Path.Combine(RepoPaths.SampleData, "appointments", "APPOINTMENTS_DEMO-01_20261123T080000Z.csv"), time, ct);
        await ImportAsync(pickup, drop, Failing, Path.Combine(RepoPaths.SampleData, "appointments", "APPOINTMENTS_DEMO-01_20261123T080000Z.csv"), time, ct);
        await HeartbeatAsync(cloud.DataSource, time.GetUtcNow(), "ok", null, ct);
        var fixedRun = await Server().EvaluateAsync(ct);
        for (var i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromMinutes(20));
            await Task.WhenAll(Server().EvaluateAsync(ct), Server().EvaluateAsync(ct));
        }

        var resolved = smtp.Messages().Skip(6).ToList();
        var resolvedPosts = Bodies(receiver).Skip(6).ToList();
        Assert.AreEqual((3, 0), (fixedRun.Resolved, fixedRun.Open), fixedRun.ToString());
        Assert.AreEqual(3, resolved.Count, string.Join(" | ", resolved.Select(m => m.Subject)));
        Assert.IsTrue(resolved.All(m => m.Subject!.StartsWith("[RecallFiles] RESOLVED ", StringComparison.Ordinal)));
        Assert.AreEqual(3, resolvedPosts.Count);
        Assert.IsTrue(resolvedPosts.All(p => p.GetProperty("event").GetString() == "resolved"));
        Assert.AreEqual(9, Bodies(receiver).Count, "nothing else went to the webhook");
    }

    [TestMethod]
    public async Task Evaluate_SendsNothing_WhilePracticeIsSnoozed_AndTheOpenMessageAfter()
    {
        var ct = TestContext.CancellationToken;
        await using var smtp = await SmtpServer.StartAsync();
        using var receiver = new SmsGatewayStub();
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow.AddMinutes(1));
        var (settings, drop) = await SettingsAsync(smtp, receiver, ct);
        await using var cloud = await CloudContext.OpenAsync(settings, ct);
        var pickup = new PickupService(cloud.DataSource, cloud.Settings.Importer, cloud.Settings.DropBoxes, time);
        await ImportAsync(pickup, drop, Agent, Path.Combine(RepoPaths.SampleData, "appointments", "APPOINTMENTS_DEMO-01_20261123T080000Z.csv"), time, ct);
        await ImportAsync(pickup, drop, Failing, Path.Combine(RepoPaths.SampleData, "appointments", "APPOINTMENTS_DEMO-01_20261123T080000Z.csv"), time, ct);
        var options = AlertSettings.From(settings.Configuration);
        using var http = new HttpClient();
        var evaluator = new AlertEvaluator(cloud.DataSource, options, 2, [new WebhookAlertChannel(options.Webhook with { Format = AlertWebhookFormat.Slack }, http)], time, NullLogger.Instance);

        Assert.IsTrue(await AlertStore.SnoozeAsync(cloud.DataSource, Overdue, time.GetUtcNow().AddHours(2), "maintenance", "test", ct));
        var snoozed = await evaluator.EvaluateAsync(ct);
        var during = receiver.Requests.Count;
        time.Advance(TimeSpan.FromHours(2.5));
        await evaluator.EvaluateAsync(ct);

        Assert.AreEqual((1, 0), (snoozed.Open, during), "the incident is recorded, nothing is sent");
        var body = JsonDocument.Parse(receiver.Requests.Single().Body).RootElement;
        StringAssert.StartsWith(body.GetProperty("text").GetString(), "*[RecallFiles] OPEN practice overdue: OVER-01*", "Slack's body");
    }

    [TestMethod]
    public void WebhookBody_IsAnAdaptiveCardMessage_ForTeams()
    {
        var incident = new Incident(7, AlertRules.BatchFailed, Failing, "batch_failed:FAIL-01", "FAIL-01: 1 batch(es) failed", null, DateTimeOffset.UnixEpoch,
            DateTimeOffset.UnixEpoch, null, 0, null, null, null);
        var message = AlertMessage.For(AlertEvent.Open, incident, DateTimeOffset.UnixEpoch, new Uri("https://recall.example.net/"));

        var teams = JsonSerializer.SerializeToElement(WebhookAlertChannel.Body(AlertWebhookFormat.Teams, message));

        var attachment = teams.GetProperty("attachments")[0];
        Assert.AreEqual("message", teams.GetProperty("type").GetString());
        Assert.AreEqual("application/vnd.microsoft.card.adaptive", attachment.GetProperty("contentType").GetString());
        Assert.AreEqual("AdaptiveCard", attachment.GetProperty("content").GetProperty("type").GetString());
        StringAssert.Contains(message.Text, "https://recall.example.net/hangfire/alerts");
    }

    private static List<JsonElement> Bodies(SmsGatewayStub receiver) => [.. receiver.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement)];

    [TestMethod]
    public async Task Rules_FindHeldBatchSilentAgentStatusProblemsAndUnreachableDropBox_ExceptDisabledOnes()
    {
        var ct = TestContext.CancellationToken;
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow.AddMinutes(1));
        var (settings, drop) = await SettingsAsync(null, null, ct, "HELD-01", "SILENT-01", "STAT-01", "DROP-01");
        await using var cloud = await CloudContext.OpenAsync(settings, ct);
        var pickup = new PickupService(cloud.DataSource, cloud.Settings.Importer, cloud.Settings.DropBoxes, time);
        // Stamped as the sample's day, so the second file's window covers the first's rows: most are gone, the mass-removal guard holds it.
        await ImportAsync(pickup, drop, "HELD-01", Path.Combine(RepoPaths.SampleData, "appointments", "APPOINTMENTS_DEMO-01_20261123T080000Z.csv"), time, ct, "20261123T080000Z");
        await ImportAsync(pickup, drop, "HELD-01", Path.Combine(RepoPaths.Malformed, "bad-phone.csv"), time, ct, "20261123T090000Z");
        await HeartbeatAsync(cloud.DataSource, time.GetUtcNow().AddMinutes(-20), "ok", null, ct, "SILENT-01", intervalSeconds: 600);
        await using (var status = cloud.DataSource.CreateCommand("""
            INSERT INTO status_updates (practice_id, app_lid, status, resource_lid, state)
            SELECT 'STAT-01', 'A' || n, 'APPROVED', 'DDS1', CASE WHEN n % 2 = 0 THEN 'failed' ELSE 'conflicted' END FROM generate_series(1, 10) n
            """))
        {
            await status.ExecuteNonQueryAsync(ct);
        }

        await RecallFiles.Importer.Batches.PollHealth.RecordFailureAsync(cloud.DataSource, "DROP-01", "sftp.example.net:22: connection refused", ct);
        var options = AlertSettings.From(settings.Configuration);

        var found = await AlertRules.EvaluateAsync(cloud.DataSource, options, 2, time.GetUtcNow(), ct);
        var withoutHeld = await AlertRules.EvaluateAsync(cloud.DataSource, options with { DisabledRules = [AlertRules.BatchHeld] }, 2, time.GetUtcNow(), ct);
        var fewerProblems = await AlertRules.EvaluateAsync(cloud.DataSource, options with { StatusProblemThreshold = 11 }, 2, time.GetUtcNow(), ct);

        var keys = found.Select(c => c.Key).ToList();
        CollectionAssert.IsSubsetOf(new[] { "batch_held:HELD-01", "agent_silent:SILENT-01", "status_problems:STAT-01", "dropbox_unreachable:DROP-01" }, keys, string.Join(", ", keys));
        Assert.DoesNotContain("batch_failed:HELD-01", keys);
        Assert.DoesNotContain("agent_export_failed:SILENT-01", keys);
        StringAssert.Contains(found.Single(c => c.Key == "status_problems:STAT-01").Summary, "5 status update(s) failed and 5 conflicted");
        StringAssert.Contains(found.Single(c => c.Key == "dropbox_unreachable:DROP-01").Detail, "connection refused");
        Assert.DoesNotContain("batch_held:HELD-01", withoutHeld.Select(c => c.Key).ToList());
        Assert.DoesNotContain("status_problems:STAT-01", fewerProblems.Select(c => c.Key).ToList(), "10 problems are below a threshold of 11");
    }

    private static async Task<(RecallFilesSettings Settings, string Drop)> SettingsAsync(SmtpServer? smtp, SmsGatewayStub? receiver, CancellationToken ct, params string[] practices)
    {
        var folder = Directory.CreateTempSubdirectory("rf-alerts-").FullName;
        var drop = Directory.CreateDirectory(Path.Combine(folder, "dropbox")).FullName;
        var values = new Dictionary<string, string?>
        {
            ["RecallFiles:DataFolder"] = folder,
            ["RecallFiles:Logging:Console"] = "false",
            ["RecallFiles:Database:ConnectionString"] = await PostgresFixture.CreateDatabaseAsync("alerts"),
            ["RecallFiles:DropBoxes:default:Kind"] = "Local",
            ["RecallFiles:DropBoxes:default:RootPath"] = drop,
            ["RecallFiles:DropBoxes:default:RequireDoneFile"] = "true",
        };
        if (smtp is not null && receiver is not null)
        {
            values["RecallFiles:Alerts:Email:Host"] = "127.0.0.1";
            values["RecallFiles:Alerts:Email:Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture);
            values["RecallFiles:Alerts:Email:UserName"] = smtp.UserName;
            values["RecallFiles:Alerts:Email:Password"] = smtp.Password;
            values["RecallFiles:Alerts:Email:CertificateThumbprint"] = smtp.CertificateThumbprint;
            values["RecallFiles:Alerts:Email:From"] = "alerts@example.net";
            values["RecallFiles:Alerts:Email:To:0"] = "ops@example.net";
            values["RecallFiles:Alerts:Webhook:Url"] = $"http://127.0.0.1:{receiver.Port}/alerts";
            values["RecallFiles:Alerts:Webhook:AllowInsecure"] = "true";
        }

        foreach (var practice in practices.Length > 0 ? practices : [Overdue, Failing, Agent])
        {
            values[$"RecallFiles:Practices:{practice}:TimeZone"] = "Europe/Madrid";
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        Assert.IsEmpty(KnownKeys.Unknown(configuration), "every alert key is known");
        return (RecallFilesSettings.From(configuration, null), drop);
    }

    private static async Task ImportAsync(PickupService pickup, string drop, string practice, string source, ManualTimeProvider time, CancellationToken ct, string? stamp = null)
    {
        var inbox = Directory.CreateDirectory(Path.Combine(drop, practice, "appointments")).FullName;
        var name = $"APPOINTMENTS_{practice}_{stamp ?? time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.csv";
        File.Copy(source, Path.Combine(inbox, name));
        await File.WriteAllTextAsync(Path.Combine(inbox, name + ".done"), "", ct);
        var result = await pickup.PollAsync(pickup.Practices.Single(p => p.Id == practice), ct);
        Assert.AreEqual(1, result.Finished, $"{practice}: {string.Join("; ", result.Errors)}");
    }

    private static async Task HeartbeatAsync(NpgsqlDataSource store, DateTimeOffset sentAt, string result, string? error, CancellationToken ct,
        string practice = Agent, int intervalSeconds = 14400)
    {
        await using var insert = store.CreateCommand("""
            INSERT INTO agent_heartbeats (practice_id, sent_at, agent, version, host, interval_seconds, export_result, export_error, file_name)
            VALUES ($1, $2, 'agent-a', '1.0.0', 'pms-host', $6, $3, $4, $5)
            """);
        insert.Parameters.Add(new() { Value = practice });
        insert.Parameters.Add(new() { Value = sentAt.UtcDateTime });
        insert.Parameters.Add(new() { Value = result });
        insert.Parameters.Add(new() { Value = (object?)error ?? DBNull.Value });
        insert.Parameters.Add(new() { Value = $"AGENT_{practice}_{sentAt.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}.json" });
        insert.Parameters.Add(new() { Value = intervalSeconds });
        await insert.ExecuteNonQueryAsync(ct);
    }
}
