using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Hosting;
using RecallFiles.Scheduler.Jobs;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Scheduler;

/// <summary>
/// Issue 14: a cloud host whose SFTP drop box presents a host key that is not pinned (a rotated key): <c>/health</c> says
/// Degraded naming the key to fix, and the practice on that drop box turns red on the Practices page once its poll fails.
/// Real PostgreSQL, real sshd, the host on 127.0.0.2 (logins required).
/// </summary>
[TestClass]
public sealed class CloudHealthTests
{
    private static SshdServer s_sshd = null!;
    private static WebApplication s_app = null!;
    private static CloudContext s_cloud = null!;
    private static string s_base = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        s_sshd = await SshdServer.StartAsync();
        var folder = Directory.CreateTempSubdirectory("rf-cloud-health-").FullName;
        var values = DashboardSecurityTests.Logins();
        values["RecallFiles:DataFolder"] = folder;
        values["RecallFiles:Logging:Console"] = "false";
        values["RecallFiles:Database:ConnectionString"] = await PostgresFixture.CreateDatabaseAsync("cloud_health");
        values["RecallFiles:DropBoxes:main:Kind"] = "Sftp";
        values["RecallFiles:DropBoxes:main:Host"] = s_sshd.Host;
        values["RecallFiles:DropBoxes:main:Port"] = s_sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        values["RecallFiles:DropBoxes:main:UserName"] = s_sshd.UserName;
        values["RecallFiles:DropBoxes:main:PrivateKeyPath"] = s_sshd.ClientKeyPath;
        values["RecallFiles:DropBoxes:main:RootPath"] = s_sshd.RootFolder;
        values["RecallFiles:DropBoxes:main:RetryCount"] = "0";
        values["RecallFiles:DropBoxes:main:ConnectTimeout"] = "00:00:10";
        // A pinned key the server does not have: the server's key was rotated.
        values["RecallFiles:DropBoxes:main:HostKeySha256:0"] = "SHA256:" + Convert.ToBase64String(new byte[32]).TrimEnd('=');
        values["RecallFiles:DropBoxes:local:Kind"] = "Local";
        values["RecallFiles:DropBoxes:local:RootPath"] = Directory.CreateDirectory(Path.Combine(folder, "dropbox")).FullName;
        Directory.CreateDirectory(Path.Combine(folder, "dropbox", "DEMO-01", "appointments"));
        values["RecallFiles:Practices:ACME-01:DropBox"] = "main";
        values["RecallFiles:Practices:ACME-01:TimeZone"] = "Europe/Madrid";
        values["RecallFiles:Practices:DEMO-01:DropBox"] = "local";
        values["RecallFiles:Practices:DEMO-01:TimeZone"] = "Europe/Madrid";
        var settings = RecallFilesSettings.From(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), null);
        s_cloud = await CloudContext.OpenAsync(settings, context.CancellationToken);
        s_base = $"http://127.0.0.2:{Ports.FreeTcpPort()}";
        s_app = RecallFilesHost.Build(settings, HostRole.Cloud, s_base, s_cloud);
        await s_app.StartAsync(context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task Stop()
    {
        await s_app.StopAsync();
        await s_app.DisposeAsync();
        await s_cloud.DisposeAsync();
        await s_sshd.DisposeAsync();
    }

    [TestMethod]
    public async Task Health_ReportsDegradedNamingTheKey_WhileADropBoxFailsItsHostKey()
    {
        using var msp = await DashboardSecurityTests.Client(s_base, "msp", TestContext.CancellationToken);

        var response = await msp.GetAsync(new Uri("/health", UriKind.Relative), TestContext.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.CancellationToken);
        TestContext.WriteLine(body);

        using var json = JsonDocument.Parse(body);
        Assert.AreEqual("Degraded", json.RootElement.GetProperty("status").GetString());
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, "a degraded host still serves: the load balancer keeps it");
        var checks = json.RootElement.GetProperty("checks").EnumerateArray().ToList();
        var main = checks.Single(c => c.GetProperty("kind").GetString() == "dropbox" && c.GetProperty("name").GetString() == "main");
        Assert.IsFalse(main.GetProperty("ok").GetBoolean());
        StringAssert.Contains(main.GetProperty("detail").GetString(), "RecallFiles:DropBoxes:main:HostKeySha256");
        Assert.IsTrue(checks.Single(c => c.GetProperty("kind").GetString() == "database").GetProperty("ok").GetBoolean(), "the cloud database is checked, and passes");
        Assert.IsTrue(checks.Single(c => c.GetProperty("name").GetString() == "local").GetProperty("ok").GetBoolean(), "the other drop box passes");
    }

    [TestMethod]
    public async Task PracticesPage_ShowsThePracticeRed_WhileItsPollFails()
    {
        var job = s_app.Services.GetRequiredService<ImportJob>();
        await Assert.ThrowsAsync<Exception>(() => job.ImportAsync("ACME-01", once: false, TestContext.CancellationToken));
        await job.ImportAsync("DEMO-01", once: false, TestContext.CancellationToken);
        using var msp = await DashboardSecurityTests.Client(s_base, "msp", TestContext.CancellationToken);

        var page = await msp.GetStringAsync(new Uri("/hangfire/practices", UriKind.Relative), TestContext.CancellationToken);

        var acme = Row(page, "ACME-01");
        StringAssert.Contains(acme, "label-danger poll-failing");
        StringAssert.Contains(acme, "poll failed:");
        StringAssert.Contains(acme, "HostKeySha256");
        Assert.DoesNotContain("poll-failing", Row(page, "DEMO-01"), "a practice whose poll works stays as it was");
    }

    private static string Row(string page, string practice)
    {
        var start = page.IndexOf($">{practice}</a>", StringComparison.Ordinal);
        Assert.IsGreaterThan(0, start, $"{practice} is listed");
        return page[start..page.IndexOf("</tr>", start, StringComparison.Ordinal)];
    }
}
