using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Npgsql;
using RecallFiles.Tests.Importer;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Tests.SampleData;

namespace RecallFiles.Tests.Scheduler;

/// <summary>
/// Issue 17's acceptance in headless Chromium against a real <c>recallfiles run --role cloud</c> process (PostgreSQL store,
/// logins required) whose drop box is a real sshd: the Pictures page draws a practice's 14 days from its batches; support
/// adds practice DENT-301 on the Manage practices page, the product creates its folders over SFTP, and a file dropped into
/// its new appointments folder is applied by the same running server — no restart, no JSON edited. Screenshots go to
/// docs/ with RECALLFILES_UPDATE_SCREENSHOTS=1.
/// </summary>
[TestClass]
public sealed class PracticesWalkthroughTests
{
    private static SshdServer s_sshd = null!;
    private static ServerProcess s_server = null!;
    private static NpgsqlDataSource s_store = null!;
    private static string s_base = null!;
    private static string s_logs = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        // The timeline is the 14 UTC days up to the server's today, and the batches below are placed by today's date: a UTC
        // midnight between here and the page's assertions would move the window by a day. Start after it instead.
        await RealSchedule.AwaitQuietAsync("0 0 * * *", "UTC", TimeSpan.FromMinutes(10), context.CancellationToken);
        s_sshd = await SshdServer.StartAsync();
        var database = await PostgresFixture.CreateDatabaseAsync("practices_walk");
        s_store = NpgsqlDataSource.Create(database);
        var folder = Directory.CreateTempSubdirectory("rf-practices-walk-").FullName;
        s_logs = Path.Combine(folder, "data", "logs");
        var users = DashboardSecurityTests.Logins()
            .Select(kv => (Parts: kv.Key.Split(':'), kv.Value))
            .GroupBy(x => int.Parse(x.Parts[3], CultureInfo.InvariantCulture))
            .OrderBy(g => g.Key)
            .Select(g => g.ToDictionary(x => x.Parts[4], x => x.Value))
            .ToList();
        var config = Path.Combine(folder, "appsettings.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            RecallFiles = new
            {
                DataFolder = Path.Combine(folder, "data"),
                Database = new { ConnectionString = database },
                Dashboard = new { Users = users },
                // A short interval keeps the test short; the default is a minute (PracticeRefreshTests).
                Importer = new { PracticeRefresh = "00:00:10" },
                DropBoxes = new Dictionary<string, object>
                {
                    ["sftp"] = new
                    {
                        Kind = "Sftp", Host = s_sshd.Host, Port = s_sshd.Port, UserName = s_sshd.UserName, PrivateKeyPath = s_sshd.ClientKeyPath,
                        HostKeySha256 = new[] { s_sshd.HostKeySha256 }, RootPath = s_sshd.RootFolder, RequireDoneFile = true, MinFileAge = "00:00:00",
                    },
                },
                Practices = new Dictionary<string, object> { ["DEMO-01"] = new { DropBox = "sftp", TimeZone = "Europe/Madrid" } },
            },
        }), context.CancellationToken);
        s_base = $"http://127.0.0.2:{Ports.FreeTcpPort()}";
        s_server = new ServerProcess("dotnet", [RecallFilesProcess.Dll, "run", "--role", "cloud", "--urls", s_base, "--config", config], "RecallFiles cloud running");
        await s_server.StartAsync(TimeSpan.FromMinutes(3));

        // DEMO-01's last two weeks, as its batches would be: applied every day, failures on two days, one file held.
        var today = DateTime.UtcNow.Date;
        for (var d = 0; d < 14; d++)
        {
            var states = Enumerable.Repeat("applied", (d % 3) + 1).Concat(d is 2 or 9 ? ["failed"] : []).Concat(d == 5 ? ["needs_review"] : []);
            foreach (var (state, i) in states.Select((s, i) => (s, i)))
            {
                await PicturesTests.InsertBatchAsync(s_store, "DEMO-01", state, new DateTimeOffset(today.AddDays(-d).AddMinutes(1 + i), TimeSpan.Zero), $"APPOINTMENTS_DEMO-01_{d}_{i}.csv");
            }
        }
    }

    [ClassCleanup]
    public static async Task Stop()
    {
        s_server?.Dispose();
        if (s_store is not null)
        {
            await s_store.DisposeAsync();
        }

        if (s_sshd is not null)
        {
            await s_sshd.DisposeAsync();
        }
    }

    private async Task<string?> StateAsync(string practice)
    {
        await using var command = s_store.CreateCommand("SELECT state FROM batches WHERE practice_id = $1 ORDER BY id DESC LIMIT 1");
        command.Parameters.Add(new NpgsqlParameter { Value = practice });
        return (string?)await command.ExecuteScalarAsync(TestContext.CancellationToken);
    }

    [TestMethod]
    public async Task Chromium_TimelineDrawsTheBatches_AndAPracticeAddedBySupportIsAppliedWithoutARestart()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await CloudHost.LaunchChromiumAsync(playwright);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var session = await DashboardLogin.SessionAsync(s_base, "support", DashboardSecurityTests.SupportPassword, DashboardSecurityTests.SupportTotpSecret, TestContext.CancellationToken);
        await context.AddCookiesAsync(session.Select(c => new Microsoft.Playwright.Cookie { Name = c.Name, Value = c.Value, Url = s_base }));
        var page = await context.NewPageAsync();
        var docs = CloudHost.ScreenshotFolder();
        TestContext.WriteLine($"screenshots in {docs}");

        // 1. The timeline of DEMO-01: a bar a day, each segment a state, from the batches table.
        await page.GotoAsync($"{s_base}/hangfire/pictures");
        await page.SelectOptionAsync("#pictures-select", "DEMO-01");
        await page.ClickAsync("#pictures-practice button[type=submit]");
        await page.WaitForURLAsync("**/pictures?practice=DEMO-01");
        Assert.AreEqual(14, await page.Locator("#timeline g.bucket").CountAsync(), "14 days");
        Assert.AreEqual(14, await page.Locator("#timeline rect.bar.applied").CountAsync(), "applied files every day");
        Assert.AreEqual(2, await page.Locator("#timeline rect.bar.failed").CountAsync(), "failures on two days");
        Assert.AreEqual(1, await page.Locator("#timeline rect.bar.held").CountAsync(), "one file held");
        Assert.AreEqual(14, await page.Locator("#timeline text.label").CountAsync(), "a day label under each bar");
        Assert.AreEqual("1", await page.Locator("#timeline g.bucket").Last.GetAttributeAsync("data-arrived"), "today: one applied file");
        StringAssert.Contains(await page.Locator("#timeline desc").TextContentAsync() ?? "", "30 file(s) arrived; 27 applied, 2 failed, 1 held for review");
        Assert.AreEqual(48, await page.Locator("#per-hour g.bucket").CountAsync(), "48 hours");
        Assert.AreEqual(0, await page.Locator("script[src^='http']").CountAsync(), "no external script");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(docs, "dashboard-timeline.png"), FullPage = true });

        // 2. Support adds practice 301 on the dashboard; JSON's DEMO-01 is read-only there.
        await page.GotoAsync($"{s_base}/hangfire/manage/practices");
        StringAssert.Contains(await page.InnerTextAsync("#managed-practices tr[data-practice='DEMO-01']"), "configured in JSON, read-only");
        await page.FillAsync("#f-id", "DENT-301");
        await page.SelectOptionAsync("#f-drop_box", "sftp");
        await page.FillAsync("#f-time_zone", "America/Chicago");
        await page.ClickAsync("#practice-save");
        await page.WaitForSelectorAsync("#saved");
        StringAssert.Contains(await page.InnerTextAsync("#saved"), "DENT-301/appointments");
        StringAssert.Contains(await page.InnerTextAsync("#managed-practices tr[data-practice='DENT-301']"), "database");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(docs, "dashboard-practice-add.png"), FullPage = true });

        // 3. Its folders were made on the sshd drop box by the product; a vendor drops a file into the new inbox.
        var inbox = Path.Combine(s_sshd.RootFolder, "DENT-301", "appointments");
        Assert.IsTrue(Directory.Exists(inbox), "DENT-301/appointments created over SFTP");
        Assert.IsTrue(Directory.Exists(Path.Combine(s_sshd.RootFolder, "DENT-301", "errors")), "and its errors folder");
        var name = "APPOINTMENTS_DENT-301_20261123T080000Z.csv";
        File.Copy(Path.Combine(RepoPaths.SampleData, "appointments", "APPOINTMENTS_DEMO-01_20261123T080000Z.csv"), Path.Combine(inbox, name));
        await File.WriteAllTextAsync(Path.Combine(inbox, name + ".done"), "", TestContext.CancellationToken);

        // 4. The running server takes the practice in and applies the file: bounded wait on the batch's state.
        string? state = null;
        for (var i = 0; i < 300 && state != "applied"; i++)
        {
            await Task.Delay(1000, TestContext.CancellationToken);
            state = await StateAsync("DENT-301");
        }

        Assert.AreEqual("applied", state, "applied by the running server:\n" + string.Join('\n', s_server.Lines.TakeLast(30)));
        var moved = false;
        for (var i = 0; i < 120 && !moved; i++)
        {
            await using var done = s_store.CreateCommand("SELECT remote_done FROM batches WHERE practice_id = 'DENT-301' ORDER BY id DESC LIMIT 1");
            moved = (bool)(await done.ExecuteScalarAsync(TestContext.CancellationToken))!;
            await Task.Delay(moved ? 0 : 500, TestContext.CancellationToken);
        }

        Assert.IsTrue(moved, "the batch's remote file was moved once it was applied");
        Assert.IsFalse(File.Exists(Path.Combine(inbox, name)), "moved out of the inbox once applied");
        Assert.IsTrue(s_server.IsRunning, "the same server process, never restarted");
        var audit = await File.ReadAllTextAsync(Path.Combine(s_logs, "audit.log"), TestContext.CancellationToken);
        StringAssert.Contains(audit, "practice-add practice=DENT-301 DropBox=sftp Folder=DENT-301/appointments TimeZone=America/Chicago");
        StringAssert.Contains(audit, "by=dashboard:support outcome=done (8 folder(s) ensured)");

        // 5. Support disables it again: the row says so, the store too, and the audit log.
        await page.GotoAsync($"{s_base}/hangfire/manage/practices");
        await page.ClickAsync("#managed-practices tr[data-practice='DENT-301'] button.js-disable");
        await page.WaitForSelectorAsync("#saved");
        StringAssert.Contains(await page.InnerTextAsync("#saved"), "DENT-301 disabled");
        StringAssert.Contains(await page.InnerTextAsync("#managed-practices tr[data-practice='DENT-301']"), "Enable");
        await using var enabled = s_store.CreateCommand("SELECT enabled FROM practices WHERE id = 'DENT-301'");
        Assert.IsFalse((bool)(await enabled.ExecuteScalarAsync(TestContext.CancellationToken))!);
        StringAssert.Contains(await File.ReadAllTextAsync(Path.Combine(s_logs, "audit.log"), TestContext.CancellationToken),
            "practice-disable practice=DENT-301 Enabled=false by=dashboard:support outcome=done");
    }

    [TestMethod]
    public async Task PracticeSave_IsRefusedToMsp_AndAudited()
    {
        using var msp = await DashboardSecurityTests.Client(s_base, "msp", TestContext.CancellationToken);

        var page = await msp.GetStringAsync(new Uri("/hangfire/manage/practices", UriKind.Relative), TestContext.CancellationToken);
        var refused = await DashboardSecurityTests.PostLikeTheDashboard(msp, "/hangfire/manage/practices", "/hangfire/manage/practices/save", TestContext.CancellationToken,
            new("id", "MSP-01"), new("drop_box", "sftp"), new("time_zone", "UTC"));

        Assert.DoesNotContain("practice-form", page, "no form for MSP");
        Assert.AreEqual(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.IsNull(await StateAsync("MSP-01"));
        Assert.IsFalse(Directory.Exists(Path.Combine(s_sshd.RootFolder, "MSP-01")));
        var audit = await File.ReadAllTextAsync(Path.Combine(s_logs, "audit.log"), TestContext.CancellationToken);
        StringAssert.Contains(audit, "POST /hangfire/manage/practices/save");
        StringAssert.Contains(audit, "by=dashboard:msp outcome=refused 403");
    }
}
