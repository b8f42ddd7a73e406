using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Hosting;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Tests.SampleData;

namespace RecallFiles.Tests.Scheduler;

/// <summary>
/// The Practices, Batches and Status pages on a real cloud host (PostgreSQL store, Hangfire on PostgreSQL) bound to
/// http://127.0.0.2 (so logins are required): MSP reads and gets 403 on replay, support replays, machines reply with API keys; headless Chromium
/// renders the pages and keeps a screenshot of each in docs/.
/// </summary>
[TestClass]
public sealed class DashboardPagesTests
{
    private static CloudHost s_host = null!;
    private static WebApplication s_app = null!;
    private static CloudContext s_cloud = null!;
    private static string s_base = null!;
    private static long s_failedBatch;
    private static long s_heldBatch;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        s_host = await CloudHost.StartAsync("pages", new Dictionary<string, string>
        {
            ["DEMO-01:TimeZone"] = "Europe/Madrid",
            ["ACME-01:TimeZone"] = "America/New_York",
            ["ACME-01:RowErrors"] = "RejectFile",
            ["ACME-01:StrictContacts"] = "true",   // issue 15: bad e-mails are warnings by default; here they are row errors, so the file fails
            ["QUIET-01:TimeZone"] = "Europe/London",
        },
        [
            ("DEMO-01", "20261123T080000Z", Path.Combine(RepoPaths.SampleData, "appointments", "APPOINTMENTS_DEMO-01_20261123T080000Z.csv")),
            ("DEMO-01", "20261123T090000Z", Path.Combine(RepoPaths.Malformed, "bad-phone.csv")),
            ("ACME-01", "20261123T080000Z", Path.Combine(RepoPaths.Malformed, "bad-email.csv")),
        ], context.CancellationToken);
        (s_app, s_cloud, s_base) = (s_host.App, s_host.Cloud, s_host.Base);
        s_heldBatch = s_host.Imports["DEMO-01"].Single(b => b.State == "needs_review").Id;
        s_failedBatch = s_host.Imports["ACME-01"].Single(b => b.State == "failed").Id;
    }

    [ClassCleanup]
    public static async Task Stop() => await s_host.DisposeAsync();

    [TestMethod]
    public async Task Pages_ShowPracticesOverdueFirst_AndBatchesWithMaskedRowErrors_ToMsp()
    {
        using var msp = await DashboardSecurityTests.Client(s_base, "msp", TestContext.CancellationToken);

        var practices = await msp.GetStringAsync(new Uri("/hangfire/practices", UriKind.Relative), TestContext.CancellationToken);
        var batches = await msp.GetStringAsync(new Uri("/hangfire/batches?state=failed", UriKind.Relative), TestContext.CancellationToken);
        var held = await msp.GetStringAsync(new Uri($"/hangfire/batches/{s_heldBatch}", UriKind.Relative), TestContext.CancellationToken);
        var status = await msp.GetAsync(new Uri("/hangfire/status", UriKind.Relative), TestContext.CancellationToken);

        Assert.IsLessThan(practices.IndexOf("DEMO-01", StringComparison.Ordinal), practices.IndexOf(">QUIET-01<", StringComparison.Ordinal), "the practice that never sent a file is overdue, on top");
        StringAssert.Contains(practices, "overdue");
        StringAssert.Contains(batches, "ACME-01");
        Assert.DoesNotContain("DEMO-01_20261123T080000Z", batches, "filtered by state");
        StringAssert.Contains(held, "needs_review");
        StringAssert.Contains(held, "USER_MOBILE_PHONE");
        Assert.DoesNotContain("600 100 206", held, "contact data is masked");
        Assert.DoesNotContain("js-replay", held, "no buttons for MSP");
        Assert.AreEqual(HttpStatusCode.OK, status.StatusCode);
    }

    [TestMethod]
    [DataRow("PENDING")]
    [DataRow("CANCELLED by ADMIN")]
    public async Task StatusIssue_QueuesTheStatusAndAuditsIt_ForSupportOnly(string status)
    {
        string appLid;
        await using (var last = s_cloud.DataSource.CreateCommand("SELECT app_lid FROM appointments WHERE practice_id = 'DEMO-01' ORDER BY app_lid DESC LIMIT 1 OFFSET 5"))
        {
            appLid = (string)(await last.ExecuteScalarAsync(TestContext.CancellationToken))!;
        }

        using var msp = await DashboardSecurityTests.Client(s_base, "msp", TestContext.CancellationToken);
        using var support = await DashboardSecurityTests.Client(s_base, "support", TestContext.CancellationToken);
        KeyValuePair<string, string>[] form = [new("practice", "DEMO-01"), new("app_lid", appLid), new("status", status)];

        var mspPage = await msp.GetStringAsync(new Uri("/hangfire/status", UriKind.Relative), TestContext.CancellationToken);
        var supportPage = await support.GetStringAsync(new Uri("/hangfire/status", UriKind.Relative), TestContext.CancellationToken);
        var denied = await DashboardSecurityTests.PostLikeTheDashboard(msp, "/hangfire/status", "/hangfire/status/issue", TestContext.CancellationToken, form);
        var issued = await DashboardSecurityTests.PostLikeTheDashboard(support, "/hangfire/status", "/hangfire/status/issue", TestContext.CancellationToken, form);

        Assert.DoesNotContain("id=\"issue-status\"", mspPage, "no form for MSP");
        StringAssert.Contains(supportPage, "<option>CANCELLED by ADMIN</option>");
        Assert.AreEqual(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.AreEqual(HttpStatusCode.SeeOther, issued.StatusCode, await issued.Content.ReadAsStringAsync(TestContext.CancellationToken));
        var back = issued.Headers.Location!.ToString();
        StringAssert.StartsWith(back, "/hangfire/status?issued=");
        StringAssert.Contains(await support.GetStringAsync(new Uri(back, UriKind.Relative), TestContext.CancellationToken), "queued for the next status export");
        await using var latest = s_cloud.DataSource.CreateCommand("SELECT status, source, state FROM status_updates WHERE practice_id = 'DEMO-01' AND app_lid = $1 ORDER BY id DESC LIMIT 1");
        latest.Parameters.Add(new() { Value = appLid });
        await using (var reader = await latest.ExecuteReaderAsync(TestContext.CancellationToken))
        {
            Assert.IsTrue(await reader.ReadAsync(TestContext.CancellationToken));
            Assert.AreEqual((status, "dashboard:support", "queued"), (reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        var audit = await File.ReadAllTextAsync(Path.Combine(s_app.Services.GetRequiredService<RecallFilesSettings>().LogFolder, "audit.log"), TestContext.CancellationToken);
        StringAssert.Contains(audit, $"POST /hangfire/status/issue practice=DEMO-01 app_lid={appLid} status={status}");
        StringAssert.Contains(audit, "refused 403 (not support)");
    }

    [TestMethod]
    public async Task StatusPage_CountsStatusUpdatesPerPractice_AndListsTheLatest()
    {
        string appLid;
        await using (var first = s_cloud.DataSource.CreateCommand("SELECT app_lid FROM appointments WHERE practice_id = 'DEMO-01' ORDER BY app_lid LIMIT 1"))
        {
            appLid = (string)(await first.ExecuteScalarAsync(TestContext.CancellationToken))!;
        }

        var id = await RecallFiles.Importer.Status.StatusUpdates.AddAsync(s_cloud.DataSource, "DEMO-01", appLid, RecallFiles.Schemas.AppointmentStatus.CancelledByUser, "test",
            TestContext.CancellationToken);
        using var msp = await DashboardSecurityTests.Client(s_base, "msp", TestContext.CancellationToken);

        var page = await msp.GetStringAsync(new Uri("/hangfire/status", UriKind.Relative), TestContext.CancellationToken);
        await using var pendingCount = s_cloud.DataSource.CreateCommand("SELECT count(*) FROM status_updates WHERE practice_id = 'DEMO-01' AND state = 'queued'");
        var pending = (long)(await pendingCount.ExecuteScalarAsync(TestContext.CancellationToken))!;

        Assert.IsGreaterThanOrEqualTo(1L, pending);
        StringAssert.Contains(page, $"<tr><td>DEMO-01</td><td>{pending}</td><td>0</td>", "the queued updates of DEMO-01 (other tests of this class may add some)");
        StringAssert.Contains(page, $"<td>{id}</td><td>DEMO-01</td><td>{appLid}</td><td>CANCELLED by USER</td>");
        StringAssert.Contains(page, "<tr><td>QUIET-01</td><td>0</td>", "practices without updates are listed too");
    }

    [TestMethod]
    public async Task ReplyApi_RecordsAStatusUpdate_WithAnApiKeyOnly_AndRejectsBadRequests()
    {
        // Issue 12: machines call /api/replies with an API key; a person's login (even support's) is no longer accepted.
        string appLid;
        await using (var first = s_cloud.DataSource.CreateCommand("SELECT app_lid FROM appointments WHERE practice_id = 'DEMO-01' ORDER BY app_lid DESC LIMIT 1"))
        {
            appLid = (string)(await first.ExecuteScalarAsync(TestContext.CancellationToken))!;
        }

        var keys = s_app.Services.GetRequiredService<ApiKeys>();
        var engine = keys.Create("engine", [], DateTimeOffset.UtcNow);
        var acmeOnly = keys.Create("acme-engine", ["ACME-01"], DateTimeOffset.UtcNow);
        var old = keys.Create("old-engine", [], DateTimeOffset.UtcNow);
        Assert.IsTrue(keys.Revoke("old-engine", DateTimeOffset.UtcNow));
        HttpClient Keyed(string key)
        {
            var client = new HttpClient { BaseAddress = new Uri(s_base) };
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            return client;
        }

        using var anonymous = new HttpClient { BaseAddress = new Uri(s_base) };
        using var support = await DashboardSecurityTests.Client(s_base, "support", TestContext.CancellationToken);
        using var revoked = Keyed(old);
        using var otherPractice = Keyed(acmeOnly);
        using var api = Keyed(engine);
        static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");
        var body = $"{{\"practice\":\"DEMO-01\",\"appLid\":\"{appLid}\",\"answer\":\"confirm\"}}";
        var uri = new Uri("/api/replies", UriKind.Relative);

        Assert.AreEqual(HttpStatusCode.Unauthorized, (await anonymous.PostAsync(uri, Json(body), TestContext.CancellationToken)).StatusCode, "missing key");
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await support.PostAsync(uri, Json(body), TestContext.CancellationToken)).StatusCode, "a person's session is not a key");
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await revoked.PostAsync(uri, Json(body), TestContext.CancellationToken)).StatusCode, "revoked key");
        Assert.AreEqual(HttpStatusCode.Forbidden, (await otherPractice.PostAsync(uri, Json(body), TestContext.CancellationToken)).StatusCode, "a key for another practice");
        Assert.AreEqual(HttpStatusCode.UnsupportedMediaType, (await api.PostAsync(uri, new StringContent(body), TestContext.CancellationToken)).StatusCode);
        Assert.AreEqual(HttpStatusCode.BadRequest, (await api.PostAsync(uri, Json("{\"practice\":\"DEMO-01\",\"appLid\":\"x\",\"answer\":\"maybe\"}"), TestContext.CancellationToken)).StatusCode);
        Assert.AreEqual(HttpStatusCode.BadRequest, (await api.PostAsync(uri, Json("not json"), TestContext.CancellationToken)).StatusCode);
        Assert.AreEqual(HttpStatusCode.NotFound, (await api.PostAsync(uri, Json("{\"practice\":\"DEMO-01\",\"appLid\":\"NO-SUCH\",\"answer\":\"cancel\"}"), TestContext.CancellationToken)).StatusCode);
        var created = await api.PostAsync(uri, Json(body), TestContext.CancellationToken);

        Assert.AreEqual(HttpStatusCode.Created, created.StatusCode, await created.Content.ReadAsStringAsync(TestContext.CancellationToken));
        await using var check = s_cloud.DataSource.CreateCommand("SELECT status, source, state FROM status_updates WHERE app_lid = $1");
        check.Parameters.Add(new() { Value = appLid });
        await using var reader = await check.ExecuteReaderAsync(TestContext.CancellationToken);
        Assert.IsTrue(await reader.ReadAsync(TestContext.CancellationToken));
        Assert.AreEqual(("APPROVED", "api", "queued"), (reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        Assert.IsFalse(await reader.ReadAsync(TestContext.CancellationToken), "exactly one update: the refused requests recorded nothing");
        var audit = await File.ReadAllTextAsync(Path.Combine(s_app.Services.GetRequiredService<RecallFilesSettings>().LogFolder, "audit.log"), TestContext.CancellationToken);
        StringAssert.Contains(audit, $"reply practice=DEMO-01 {appLid} APPROVED update");
        StringAssert.Contains(audit, "by=api:engine outcome=queued");
        StringAssert.Contains(audit, "by=api:(none) outcome=refused 401: missing key");
        StringAssert.Contains(audit, "by=api:old-engine outcome=refused 401: revoked key");
        StringAssert.Contains(audit, $"reply practice=DEMO-01 {appLid} APPROVED by=api:acme-engine outcome=refused 403");
    }

    [TestMethod]
    public async Task Replay_Returns403ForMsp_AndRunsForSupport()
    {
        using var msp = await DashboardSecurityTests.Client(s_base, "msp", TestContext.CancellationToken);
        using var support = await DashboardSecurityTests.Client(s_base, "support", TestContext.CancellationToken);
        var page = $"/hangfire/batches/{s_failedBatch}";

        var denied = await DashboardSecurityTests.PostLikeTheDashboard(msp, page, $"/hangfire/batches/{s_failedBatch}/replay", TestContext.CancellationToken);
        var supportPage = await support.GetStringAsync(new Uri(page, UriKind.Relative), TestContext.CancellationToken);
        var replayed = await DashboardSecurityTests.PostLikeTheDashboard(support, page, $"/hangfire/batches/{s_failedBatch}/replay", TestContext.CancellationToken);

        Assert.AreEqual(HttpStatusCode.Forbidden, denied.StatusCode);
        StringAssert.Contains(supportPage, "js-replay");
        Assert.AreEqual(HttpStatusCode.OK, replayed.StatusCode, await replayed.Content.ReadAsStringAsync(TestContext.CancellationToken));
        StringAssert.Contains(await replayed.Content.ReadAsStringAsync(TestContext.CancellationToken), $"\"batch\":{s_failedBatch}");
        var audit = await File.ReadAllTextAsync(Path.Combine(s_app.Services.GetRequiredService<RecallFilesSettings>().LogFolder, "audit.log"), TestContext.CancellationToken);
        StringAssert.Contains(audit, $"replay practice=ACME-01 batch {s_failedBatch} by=dashboard:support");
    }

    [TestMethod]
    public async Task Chromium_RendersPracticesAndBatches_AndKeepsAScreenshotOfEach()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await CloudHost.LaunchChromiumAsync(playwright);
        await using var context = await s_host.SupportContextAsync(browser, TestContext.CancellationToken);
        var page = await context.NewPageAsync();
        // docs/ keeps one screenshot of each page; they are rewritten only when asked, so a test run leaves the tree clean.
        var docs = CloudHost.ScreenshotFolder();
        TestContext.WriteLine($"screenshots in {docs}");

        await page.GotoAsync($"{s_base}/hangfire/practices");
        await page.WaitForSelectorAsync("#practices tbody tr");
        Assert.AreEqual(3, await page.Locator("#practices tbody tr").CountAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(docs, "dashboard-practices.png"), FullPage = true });

        await page.GotoAsync($"{s_base}/hangfire/batches");
        await page.WaitForSelectorAsync("#batches tbody tr");
        Assert.IsGreaterThanOrEqualTo(3, await page.Locator("#batches tbody tr").CountAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(docs, "dashboard-batches.png"), FullPage = true });

        await page.GotoAsync($"{s_base}/hangfire/batches/{s_heldBatch}");
        await page.WaitForSelectorAsync("#row-errors");
        Assert.AreEqual(1, await page.Locator("button.js-approve").CountAsync(), "support sees Approve on a held batch");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(docs, "dashboard-batch.png"), FullPage = true });
    }
}
