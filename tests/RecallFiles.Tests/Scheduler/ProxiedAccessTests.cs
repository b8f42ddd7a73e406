using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Playwright;
using RecallFiles.Scheduler.Cli;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Dashboards;
using RecallFiles.Scheduler.Hosting;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Tests.SampleData;

namespace RecallFiles.Tests.Scheduler;

/// <summary>
/// Issue 12's acceptance, as a user meets it: <c>recallfiles run --role cloud</c> (the real verb, in this process) on
/// 127.0.0.1 behind a real nginx terminating TLS (self-signed certificate made by the test; nginx passes Host,
/// X-Forwarded-For and X-Forwarded-Proto; <c>KnownProxies</c> is 127.0.0.1), driven by headless Chromium. A second,
/// login-less host on 127.0.0.1 shows that a foreign Host (DNS rebinding, mapped by Chromium's resolver rules) or a
/// proxy gets neither a page nor an action, while the person at the machine still does.
/// </summary>
[TestClass]
public sealed class ProxiedAccessTests
{
    private const string MspPassword = "msp-password-456";
    private const string SupportPassword = "support-password-456";
    private const string SupportSecret = "KRUGS4ZANFZSAYJAONSWG4TFOQQQ====";
    private static CancellationTokenSource s_stop = null!;
    private static Task<int> s_run = null!;
    private static NginxServer s_nginx = null!;
    private static NginxServer s_openNginx = null!;
    private static WebApplication s_open = null!;
    private static string s_open_base = null!;
    private static string s_logs = null!;
    private static long s_failedBatch;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        var folder = Directory.CreateTempSubdirectory("rf-proxied-").FullName;
        var drop = Path.Combine(folder, "dropbox", "ACME-01", "appointments");
        Directory.CreateDirectory(drop);
        File.Copy(Path.Combine(RepoPaths.Malformed, "bad-email.csv"), Path.Combine(drop, "APPOINTMENTS_ACME-01_20261123T080000Z.csv"));
        File.WriteAllText(Path.Combine(drop, "APPOINTMENTS_ACME-01_20261123T080000Z.csv.done"), "");
        var database = await PostgresFixture.CreateDatabaseAsync("proxied");
        var config = Path.Combine(folder, "appsettings.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            RecallFiles = new Dictionary<string, object>
            {
                ["DataFolder"] = folder,
                ["Logging"] = new { Console = false },
                ["Database"] = new { ConnectionString = database },
                ["DropBoxes"] = new { @default = new { Kind = "Local", RootPath = Path.Combine(folder, "dropbox"), RequireDoneFile = true } },
                ["Practices"] = new Dictionary<string, object> { ["ACME-01"] = new { TimeZone = "America/New_York", RowErrors = "RejectFile", StrictContacts = true } },   // bad e-mails are row errors: the file fails
                ["Dashboard"] = new
                {
                    KnownProxies = new[] { "127.0.0.1" },
                    Users = new object[]
                    {
                        new { Name = "msp", Role = "Msp", PasswordHash = PasswordHash.Create(MspPassword) },
                        new { Name = "support", Role = "Support", PasswordHash = PasswordHash.Create(SupportPassword), TotpSecret = SupportSecret },
                    },
                },
            },
        }), context.CancellationToken);
        s_logs = Path.Combine(folder, "logs");

        // A failed batch to replay: the CLI's one poll (RejectFile on a file with a bad e-mail).
        var import = await RecallFilesCli.RunAsync(["import", "--once", "--config", config], TextWriter.Null, TextWriter.Null, context.CancellationToken);
        Assert.AreEqual(ExitCodes.Ok, import, "the poll ran (the file's batch is failed, which is not a poll failure)");
        await using (var store = Npgsql.NpgsqlDataSource.Create(database))
        await using (var select = store.CreateCommand("SELECT id FROM batches WHERE practice_id = 'ACME-01' AND state = 'failed'"))
        {
            s_failedBatch = (long)(await select.ExecuteScalarAsync(context.CancellationToken))!;
        }

        var port = Ports.FreeTcpPort();
        s_stop = new CancellationTokenSource();
        var output = new StringWriter();
        s_run = Task.Run(() => RecallFilesCli.RunAsync(["run", "--role", "cloud", "--urls", $"http://127.0.0.1:{port}", "--config", config], output, output, s_stop.Token));
        using (var probe = new HttpClient())
        {
            while (true)
            {
                Assert.IsFalse(s_run.IsCompleted, $"recallfiles run stopped: {output}");
                try
                {
                    await probe.GetAsync(new Uri($"http://127.0.0.1:{port}/health"), context.CancellationToken);
                    break;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(200, context.CancellationToken);
                }
            }
        }

        s_nginx = await NginxServer.StartAsync($"http://127.0.0.1:{port}", context.CancellationToken);

        // The login-less host, loopback-bound: the exemption applies only to the person at the machine.
        var openFolder = Directory.CreateTempSubdirectory("rf-open-").FullName;
        var settings = RecallFilesSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RecallFiles:DataFolder"] = openFolder,
            ["RecallFiles:Logging:Console"] = "false",
        }).Build(), null);
        s_open_base = $"http://127.0.0.1:{Ports.FreeTcpPort()}";
        s_open = RecallFilesHost.Build(settings, HostRole.Agent, s_open_base);
        await s_open.StartAsync(context.CancellationToken);
        s_openNginx = await NginxServer.StartAsync(s_open_base, context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task Stop()
    {
        s_nginx?.Dispose();
        s_openNginx?.Dispose();
        if (s_stop is not null)
        {
            await s_stop.CancelAsync();
            await s_run;
            s_stop.Dispose();
        }

        if (s_open is not null)
        {
            await s_open.StopAsync();
            await s_open.DisposeAsync();
        }
    }

    private static async Task<IBrowser> LaunchAsync(IPlaywright playwright, params string[] extra) =>
        await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Args = ["--no-sandbox", "--disable-background-networking", "--headless", .. extra],
        });

    private static async Task LogInAsync(IPage page, string name, string password, string? code)
    {
        await page.GotoAsync($"{s_nginx.BaseUrl}/login");
        await page.FillAsync("#name", name);
        await page.FillAsync("#password", password);
        if (code is not null)
        {
            await page.FillAsync("#code", code);
        }

        await page.ClickAsync("#submit");
        await page.WaitForLoadStateAsync(LoadState.Load);
    }

    /// <summary>POSTs an action as the dashboard's script does: the page's antiforgery header, the context's cookies.</summary>
    private static async Task<int> ActAsync(IBrowserContext context, IPage page, string path)
    {
        // The login page has no dashboard meta tags: an anonymous caller posts without the header.
        var hasToken = await page.Locator("meta[name=csrf-header]").CountAsync() > 0;
        var header = hasToken ? await page.GetAttributeAsync("meta[name=csrf-header]", "content") : null;
        var token = hasToken ? await page.GetAttributeAsync("meta[name=csrf-token]", "content") : null;
        var response = await context.APIRequest.PostAsync($"{s_nginx.BaseUrl}{path}", new APIRequestContextOptions
        {
            Headers = header is null ? null : new Dictionary<string, string> { [header] = token! },
            Form = context.APIRequest.CreateFormData(),
            MaxRedirects = 0,
        });
        return response.Status;
    }

    private static BrowserNewContextOptions Tls => new() { IgnoreHTTPSErrors = true };

    [TestMethod]
    public async Task Dashboard_RefusesEveryPageAndAction_WithoutALogin_ThroughNginx()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        await using var context = await browser.NewContextAsync(Tls);
        var page = await context.NewPageAsync();

        foreach (var path in new[] { "/hangfire", "/hangfire/recurring", "/hangfire/batches", $"/hangfire/batches/{s_failedBatch}", "/hangfire/jobs/failed" })
        {
            await page.GotoAsync(s_nginx.BaseUrl + path);
            StringAssert.StartsWith(page.Url, $"{s_nginx.BaseUrl}/login?ReturnUrl=", $"{path} leads to the login page");
            Assert.AreEqual(0, await page.Locator("#batches, #practices, .js-replay").CountAsync());
        }

        foreach (var action in new[] { $"/hangfire/batches/{s_failedBatch}/replay", "/hangfire/recurring/trigger", "/hangfire/jobs/failed/requeue" })
        {
            Assert.AreEqual(401, await ActAsync(context, page, action), action);
        }
    }

    [TestMethod]
    public async Task Msp_LogsInWithAPassword_SeesPages_ButEveryActionIs403_ThroughNginx()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        await using var context = await browser.NewContextAsync(Tls);
        var page = await context.NewPageAsync();

        await LogInAsync(page, "msp", "wrong-password-000", null);
        Assert.AreEqual("Wrong login, password or code.", (await page.TextContentAsync("#login-error"))?.Trim());
        await LogInAsync(page, "msp", MspPassword, null);
        var session = (await context.CookiesAsync()).Single(c => c.Name == "RecallFiles.Session");
        await page.GotoAsync($"{s_nginx.BaseUrl}/hangfire/batches/{s_failedBatch}");

        StringAssert.StartsWith(page.Url, $"{s_nginx.BaseUrl}/hangfire/batches/{s_failedBatch}");
        Assert.IsTrue(session.Secure, "secure cookie behind TLS (X-Forwarded-Proto from the known proxy)");
        Assert.IsTrue(session.HttpOnly);
        Assert.AreEqual(SameSiteAttribute.Strict, session.SameSite);
        StringAssert.Contains(await page.ContentAsync(), "ACME-01");
        Assert.AreEqual(0, await page.Locator(".js-replay").CountAsync(), "no Replay button for MSP");
        foreach (var action in new[] { $"/hangfire/batches/{s_failedBatch}/replay", $"/hangfire/batches/{s_failedBatch}/approve", "/hangfire/recurring/trigger", "/hangfire/jobs/failed/requeue", "/hangfire/jobs/enqueued/delete" })
        {
            Assert.AreEqual(403, await ActAsync(context, page, action), action);
        }

        var audit = await File.ReadAllTextAsync(Path.Combine(s_logs, "audit.log"), TestContext.CancellationToken);
        StringAssert.Contains(audit, $"dashboard practice=- POST /hangfire/batches/{s_failedBatch}/replay by=dashboard:msp outcome=refused 403");
        StringAssert.Contains(audit, "login practice=- from 127.0.0.1 role=Msp by=dashboard:msp outcome=signed in", "the client address forwarded by nginx");
    }

    [TestMethod]
    public async Task Support_NeedsPasswordAndTotp_AndCanReplay_ThroughNginx()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        await using var context = await browser.NewContextAsync(Tls);
        var page = await context.NewPageAsync();

        await LogInAsync(page, "support", SupportPassword, null);
        StringAssert.Contains(await page.TextContentAsync("#login-error"), "6-digit code");
        await page.GotoAsync($"{s_nginx.BaseUrl}/hangfire/batches/{s_failedBatch}");
        StringAssert.StartsWith(page.Url, $"{s_nginx.BaseUrl}/login", "the password alone is not a login");
        await LogInAsync(page, "support", SupportPassword, DashboardLogin.Code(SupportSecret));
        await page.GotoAsync($"{s_nginx.BaseUrl}/hangfire/batches/{s_failedBatch}");
        Assert.AreEqual(1, await page.Locator(".js-replay").CountAsync(), "support sees Replay");
        var status = await ActAsync(context, page, $"/hangfire/batches/{s_failedBatch}/replay");

        Assert.AreEqual(200, status);
        var audit = await File.ReadAllTextAsync(Path.Combine(s_logs, "audit.log"), TestContext.CancellationToken);
        StringAssert.Contains(audit, $"replay practice=ACME-01 batch {s_failedBatch} by=dashboard:support");
    }

    [TestMethod]
    public async Task LoopbackHost_GivesNoPageAndNoAction_ToAForeignHostOrAProxy_ButServesThePersonAtTheMachine()
    {
        using var playwright = await Playwright.CreateAsync();
        // DNS rebinding: attacker.example resolves to 127.0.0.1, so the page is same-origin with its own name.
        await using var browser = await LaunchAsync(playwright, "--host-resolver-rules=MAP attacker.example 127.0.0.1");
        await using var context = await browser.NewContextAsync(Tls);
        var page = await context.NewPageAsync();
        var port = new Uri(s_open_base).Port;

        await page.GotoAsync($"http://attacker.example:{port}/hangfire/recurring");
        StringAssert.StartsWith(page.Url, $"http://attacker.example:{port}/login", "a foreign Host gets no page");
        var rebound = await page.EvaluateAsync<int>("async () => (await fetch('/hangfire/recurring/trigger', { method: 'POST', body: new URLSearchParams({ 'jobs[]': 'x' }) })).status");
        await page.GotoAsync($"{s_openNginx.BaseUrl}/hangfire/recurring");
        StringAssert.StartsWith(page.Url, $"{s_openNginx.BaseUrl}/login", "a request through a proxy gets no page");
        var proxied = await page.EvaluateAsync<int>("async () => (await fetch('/hangfire/recurring/trigger', { method: 'POST', body: new URLSearchParams({ 'jobs[]': 'x' }) })).status");
        await page.GotoAsync($"{s_open_base}/hangfire/recurring");

        Assert.AreEqual(401, rebound, "a foreign Host gets no action");
        Assert.AreEqual(401, proxied, "a proxied request gets no action");
        Assert.AreEqual($"{s_open_base}/hangfire/recurring", page.Url, "127.0.0.1 with its own Host and no proxy: the person at the machine");
        Assert.AreEqual(1, await page.Locator("h1.page-header").CountAsync());
    }
}
