using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using RecallFiles.Scheduler.Alerts;
using RecallFiles.Tests.SampleData;

namespace RecallFiles.Tests.Scheduler;

/// <summary>
/// Issue 17: the Alerts page on a real cloud host — open incidents from a real failed import, an overdue practice and a
/// failed agent export; support snoozes a practice from the page (audited; MSP gets 403); headless Chromium renders it
/// and keeps docs/dashboard-alerts.png.
/// </summary>
[TestClass]
public sealed class AlertsPageTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task AlertsPage_ListsOpenIncidents_AndSupportSnoozesAPractice()
    {
        var ct = TestContext.CancellationToken;
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var good = Path.Combine(RepoPaths.SampleData, "appointments", "APPOINTMENTS_DEMO-01_20261123T080000Z.csv");
        await using var host = await CloudHost.StartAsync("alertpage", new Dictionary<string, string>
        {
            ["ACME-01:TimeZone"] = "America/New_York",
            ["DEMO-01:TimeZone"] = "Europe/Madrid",
            ["QUIET-01:TimeZone"] = "Europe/London",
        },
        [
            ("ACME-01", stamp, Path.Combine(RepoPaths.Malformed, "missing-required-column.csv")),
            ("DEMO-01", stamp, good),
        ], ct);
        await using (var heartbeat = host.Cloud.DataSource.CreateCommand("""
            INSERT INTO agent_heartbeats (practice_id, sent_at, agent, version, host, interval_seconds, export_result, export_error, file_name)
            VALUES ('DEMO-01', now(), 'agent-demo', '1.0.0', 'frontdesk-pc', 14400, 'failed', 'Open Dental: connection refused (127.0.0.1:3306)', 'AGENT_DEMO-01_x.json')
            """))
        {
            await heartbeat.ExecuteNonQueryAsync(ct);
        }

        var run = await MetricsAndHealthTests.EvaluateAsync(host, ct);
        using var msp = await DashboardSecurityTests.Client(host.Base, "msp", ct);
        using var support = await DashboardSecurityTests.Client(host.Base, "support", ct);
        KeyValuePair<string, string>[] form = [new("practice", "QUIET-01"), new("hours", "8"), new("reason", "practice closed for the holidays")];
        var mspPage = await msp.GetStringAsync(new Uri("/hangfire/alerts", UriKind.Relative), ct);
        var denied = await DashboardSecurityTests.PostLikeTheDashboard(msp, "/hangfire/alerts", "/hangfire/alerts/snooze", ct, form);
        var snoozed = await DashboardSecurityTests.PostLikeTheDashboard(support, "/hangfire/alerts", "/hangfire/alerts/snooze", ct, form);

        // The host's own recurring jobs run too: its import of QUIET-01 (no folder yet) may add "drop box unreachable".
        StringAssert.Matches(run, new System.Text.RegularExpressions.Regex("^[34] open incident"));
        StringAssert.Contains(mspPage, "practice overdue");
        StringAssert.Contains(mspPage, "batch failed");
        StringAssert.Contains(mspPage, "export failed at the agent");
        Assert.DoesNotContain("id=\"snooze\"", mspPage, "no snooze form for MSP");
        Assert.AreEqual(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.AreEqual(HttpStatusCode.SeeOther, snoozed.StatusCode, await snoozed.Content.ReadAsStringAsync(ct));
        var snoozes = await AlertStore.SnoozesAsync(host.Cloud.DataSource, DateTimeOffset.UtcNow, ct);
        Assert.AreEqual(("QUIET-01", "dashboard:support"), (snoozes.Single().PracticeId, snoozes.Single().Actor));
        var audit = host.AuditText();
        StringAssert.Contains(audit, "POST /hangfire/alerts/snooze practice=QUIET-01 hours=8");
        StringAssert.Contains(audit, "refused 403 (not support)");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await CloudHost.LaunchChromiumAsync(playwright);
        await using var context = await host.SupportContextAsync(browser, ct);
        var page = await context.NewPageAsync();
        var docs = CloudHost.ScreenshotFolder();
        TestContext.WriteLine($"screenshot in {docs}");
        await page.GotoAsync($"{host.Base}/hangfire/alerts");
        await page.WaitForSelectorAsync("#open-incidents tbody tr");
        Assert.IsGreaterThanOrEqualTo(3, await page.Locator("#open-incidents tbody tr").CountAsync());
        Assert.AreEqual(1, await page.Locator("#open-incidents tr", new() { HasText = "batch failed" }).CountAsync());
        Assert.IsGreaterThanOrEqualTo(1, await page.Locator("#open-incidents .label-default").CountAsync(), "QUIET-01 shows as snoozed");
        Assert.AreEqual(1, await page.Locator("#snoozes tbody tr").CountAsync());
        Assert.AreEqual(1, await page.Locator("form#snooze").CountAsync(), "support sees the snooze form");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(docs, "dashboard-alerts.png"), FullPage = true });
    }
}
