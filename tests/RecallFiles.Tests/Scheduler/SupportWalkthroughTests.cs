using System.Net;
using Microsoft.Playwright;
using RecallFiles.Tests.SampleData;

namespace RecallFiles.Tests.Scheduler;

/// <summary>
/// Issue 14's acceptance, in headless Chromium on a real cloud host (PostgreSQL store, logins required): support searches
/// the practice on the Batches page, opens its failed batch, downloads the report, fixes the cause, replays it and opens
/// the trace of one of its appointments; every step asserts what the page shows, and the screenshots go to docs/ when
/// RECALLFILES_UPDATE_SCREENSHOTS=1. Downloads are support-only and audited; replay-failed replays a practice at once.
/// </summary>
[TestClass]
public sealed class SupportWalkthroughTests
{
    private static CloudHost s_host = null!;
    private static string s_base = null!;
    private static long s_failedBatch;
    private static long s_betaFailed;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        s_host = await CloudHost.StartAsync("support_walk", new Dictionary<string, string>
        {
            ["DEMO-01:TimeZone"] = "Europe/Madrid",
            ["ACME-01:TimeZone"] = "America/New_York",
            ["ACME-01:RowErrors"] = "RejectFile",
            ["ACME-01:StrictContacts"] = "true",   // issue 15: bad contacts are warnings by default; here row errors, so the files fail
            ["BETA-01:TimeZone"] = "Europe/London",
            ["BETA-01:RowErrors"] = "RejectFile",
            ["BETA-01:StrictContacts"] = "true",
        },
        [
            ("DEMO-01", "20261123T080000Z", Path.Combine(RepoPaths.SampleData, "appointments", "APPOINTMENTS_DEMO-01_20261123T080000Z.csv")),
            ("ACME-01", "20261123T080000Z", Path.Combine(RepoPaths.Malformed, "bad-email.csv")),
            ("BETA-01", "20261123T080000Z", Path.Combine(RepoPaths.Malformed, "bad-phone.csv")),
        ], context.CancellationToken);
        s_base = s_host.Base;
        s_failedBatch = s_host.Imports["ACME-01"].Single(b => b.State == "failed").Id;
        s_betaFailed = s_host.Imports["BETA-01"].Single(b => b.State == "failed").Id;
    }

    [ClassCleanup]
    public static async Task Stop() => await s_host.DisposeAsync();

    private static string AuditText() => s_host.AuditText();

    [TestMethod]
    public async Task Downloads_AreRefusedToMsp_AndServedToSupport_AllAudited()
    {
        using var msp = await DashboardSecurityTests.Client(s_base, "msp", TestContext.CancellationToken);
        using var support = await DashboardSecurityTests.Client(s_base, "support", TestContext.CancellationToken);

        var refused = await msp.GetAsync(new Uri($"/hangfire/batches/{s_betaFailed}/file", UriKind.Relative), TestContext.CancellationToken);
        var mspPage = await msp.GetStringAsync(new Uri($"/hangfire/batches/{s_betaFailed}", UriKind.Relative), TestContext.CancellationToken);
        var file = await support.GetAsync(new Uri($"/hangfire/batches/{s_betaFailed}/file", UriKind.Relative), TestContext.CancellationToken);
        var report = await support.GetStringAsync(new Uri($"/hangfire/batches/{s_betaFailed}/report", UriKind.Relative), TestContext.CancellationToken);

        Assert.AreEqual(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.DoesNotContain("download-file", mspPage, "no download links for MSP");
        Assert.AreEqual(HttpStatusCode.OK, file.StatusCode);
        CollectionAssert.AreEqual(await File.ReadAllBytesAsync(Path.Combine(RepoPaths.Malformed, "bad-phone.csv"), TestContext.CancellationToken),
            await file.Content.ReadAsByteArrayAsync(TestContext.CancellationToken), "the archived bytes");
        StringAssert.Contains(file.Content.Headers.ContentDisposition?.ToString() ?? "", "APPOINTMENTS_BETA-01_20261123T080000Z.csv");
        StringAssert.Contains(report, "file-failed");
        StringAssert.Contains(report, "What to do");
        var audit = AuditText();
        StringAssert.Contains(audit, $"download practice=BETA-01 batch {s_betaFailed} archived file by=dashboard:msp outcome=refused 403");
        StringAssert.Contains(audit, $"download practice=BETA-01 batch {s_betaFailed} archived file by=dashboard:support outcome=done");
        StringAssert.Contains(audit, $"download practice=BETA-01 batch {s_betaFailed} error report by=dashboard:support outcome=done");
    }

    [TestMethod]
    public async Task ReplayFailed_IsRefusedToMsp_AndReplaysThePracticeForSupport()
    {
        using var msp = await DashboardSecurityTests.Client(s_base, "msp", TestContext.CancellationToken);
        using var support = await DashboardSecurityTests.Client(s_base, "support", TestContext.CancellationToken);
        var page = "/hangfire/batches?practice=BETA-01";

        var denied = await DashboardSecurityTests.PostLikeTheDashboard(msp, page, "/hangfire/batches/replay-failed?practice=BETA-01", TestContext.CancellationToken);
        var supportPage = await support.GetStringAsync(new Uri(page, UriKind.Relative), TestContext.CancellationToken);
        var replayed = await DashboardSecurityTests.PostLikeTheDashboard(support, page, "/hangfire/batches/replay-failed?practice=BETA-01", TestContext.CancellationToken);

        Assert.AreEqual(HttpStatusCode.Forbidden, denied.StatusCode);
        StringAssert.Contains(supportPage, "js-replay-failed");
        Assert.AreEqual(HttpStatusCode.OK, replayed.StatusCode);
        var body = await replayed.Content.ReadAsStringAsync(TestContext.CancellationToken);
        StringAssert.Contains(body, "\"replayed\":1");
        StringAssert.Contains(body, $"\"batch\":{s_betaFailed},\"state\":\"failed\"", "still failed: its cause (RejectFile) is not fixed");
        StringAssert.Contains(AuditText(), "replay-failed practice=BETA-01");
    }

    [TestMethod]
    public async Task Chromium_SupportFindsFixesReplaysAndTraces_AFailedBatch()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await CloudHost.LaunchChromiumAsync(playwright);
        await using var context = await s_host.SupportContextAsync(browser, TestContext.CancellationToken);
        var page = await context.NewPageAsync();
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        var docs = CloudHost.ScreenshotFolder();
        TestContext.WriteLine($"screenshots in {docs}");

        // 1. The Batches page: search the practice.
        await page.GotoAsync($"{s_base}/hangfire/batches");
        await page.FillAsync("#search input[name=practice]", "ACME-01");
        await page.ClickAsync("#search button[type=submit]");
        await page.WaitForURLAsync("**/batches?practice=ACME-01**");
        var rows = page.Locator("#batches tbody tr");
        Assert.AreEqual(1, await rows.CountAsync(), "only ACME-01's batch");
        StringAssert.Contains(await rows.First.InnerTextAsync(), "failed");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(docs, "dashboard-support-search.png"), FullPage = true });

        // 2. Open the failed batch.
        await page.ClickAsync($"#batches a[href$='/batches/{s_failedBatch}']");
        await page.WaitForSelectorAsync("#batch");
        Assert.AreEqual("failed", (await page.InnerTextAsync("#state")).Trim());
        StringAssert.Contains(await page.InnerTextAsync("#reason"), "policy is RejectFile");
        Assert.IsGreaterThan(0, await page.Locator("#row-errors tbody tr").CountAsync(), "its row errors");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(docs, "dashboard-support-failed.png"), FullPage = true });

        // 3. Download its report.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#download-report"));
        Assert.AreEqual("APPOINTMENTS_ACME-01_20261123T080000Z.errors.csv", download.SuggestedFilename);
        var saved = Path.Combine(Directory.CreateTempSubdirectory("rf-download-").FullName, download.SuggestedFilename);
        await download.SaveAsAsync(saved);
        var report = await File.ReadAllTextAsync(saved, TestContext.CancellationToken);
        StringAssert.Contains(report, "file-failed");
        StringAssert.Contains(report, "policy is RejectFile");

        // 4. Fix the cause: the practice now rejects bad rows instead of whole files (what a restart with the corrected
        //    RecallFiles:Practices:ACME-01:RowErrors mirrors into the store).
        await using (var fix = s_host.Cloud.DataSource.CreateCommand("UPDATE practices SET row_error_policy = 'reject_rows' WHERE id = 'ACME-01'"))
        {
            Assert.AreEqual(1, await fix.ExecuteNonQueryAsync(TestContext.CancellationToken));
        }

        // 5. Replay it: the page reloads with the batch applied.
        await page.ClickAsync("button.js-replay");
        await page.WaitForSelectorAsync("#state:has-text('applied')");
        Assert.AreEqual(0, await page.Locator("button.js-replay").CountAsync(), "nothing left to replay");
        StringAssert.Contains(await page.InnerTextAsync("#history"), "dashboard:support");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(docs, "dashboard-support-replayed.png"), FullPage = true });

        // 6. The trace of one of its appointments.
        var lid = (await page.Locator("#appointments a.trace").First.InnerTextAsync()).Trim();
        await page.Locator("#appointments a.trace").First.ClickAsync();
        await page.WaitForSelectorAsync("#timeline");
        StringAssert.Contains(await page.InnerTextAsync("#trace-batches"), s_failedBatch.ToString(System.Globalization.CultureInfo.InvariantCulture));
        StringAssert.Contains(await page.InnerTextAsync("#trace-batches"), $"AppLid={lid}", "the row as received");
        var timeline = await page.InnerTextAsync("#timeline");
        StringAssert.Contains(timeline, "received (batch");
        StringAssert.Contains(timeline, "added");
        var html = await page.ContentAsync();
        Assert.DoesNotContain("@example.org\"", html);
        Assert.IsFalse(System.Text.RegularExpressions.Regex.IsMatch(await page.InnerTextAsync("body"), @"\b[a-z0-9.]+@[a-z]"), "no e-mail unmasked");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(docs, "dashboard-support-trace.png"), FullPage = true });
    }
}
