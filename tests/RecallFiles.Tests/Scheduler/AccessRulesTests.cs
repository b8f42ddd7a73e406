using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Dashboards;
using RecallFiles.Scheduler.Hosting;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Scheduler;

/// <summary>
/// Issue 12's rules on real Kestrel hosts bound to 127.0.0.1, requests straight from this process: loopback means
/// loopback (no forwarded header, a local Host), logins configured means logins required there too, lockout (the clock is
/// the only fake) and the timing of unknown against known logins.
/// </summary>
[TestClass]
public sealed class AccessRulesTests
{
    private const string Password = "a-long-password-789";
    private static readonly ManualTimeProvider s_clock = new(DateTimeOffset.UtcNow);
    private static WebApplication s_locked = null!;
    private static WebApplication s_open = null!;
    private static string s_lockedBase = null!;
    private static string s_openBase = null!;

    public TestContext TestContext { get; set; } = null!;

    private static RecallFilesSettings Settings(Dictionary<string, string?> values)
    {
        values["RecallFiles:DataFolder"] = Directory.CreateTempSubdirectory("rf-access-").FullName;
        values["RecallFiles:Logging:Console"] = "false";
        return RecallFilesSettings.From(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), null);
    }

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        var hash = PasswordHash.Create(Password);
        s_lockedBase = $"http://127.0.0.1:{Ports.FreeTcpPort()}";
        s_locked = RecallFilesHost.Build(Settings(new()
        {
            ["RecallFiles:Dashboard:Users:0:Name"] = "alice",
            ["RecallFiles:Dashboard:Users:0:PasswordHash"] = hash,
            ["RecallFiles:Dashboard:Users:1:Name"] = "bob",
            ["RecallFiles:Dashboard:Users:1:PasswordHash"] = hash,
            ["RecallFiles:Dashboard:LoginRequestsPerMinute"] = "1000",
        }), HostRole.Agent, s_lockedBase, time: s_clock);
        await s_locked.StartAsync(context.CancellationToken);
        s_openBase = $"http://127.0.0.1:{Ports.FreeTcpPort()}";
        s_open = RecallFilesHost.Build(Settings([]), HostRole.Agent, s_openBase);
        await s_open.StartAsync(context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task Stop()
    {
        foreach (var app in new[] { s_locked, s_open })
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private async Task<HttpStatusCode> GetAsync(string baseUrl, params (string Name, string Value)[] headers)
    {
        using var client = DashboardLogin.Anonymous(baseUrl);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/hangfire/recurring", UriKind.Relative));
        foreach (var (name, value) in headers)
        {
            if (name == "Host")
            {
                request.Headers.Host = value;
            }
            else
            {
                request.Headers.Add(name, value);
            }
        }

        return (await client.SendAsync(request, TestContext.CancellationToken)).StatusCode;
    }

    [TestMethod]
    public async Task Dashboard_ServesTheLocalOperator_OnlyWithALocalHostAndNoProxyHeader()
    {
        var port = new Uri(s_openBase).Port;

        Assert.AreEqual(HttpStatusCode.OK, await GetAsync(s_openBase), "127.0.0.1 with its own Host");
        Assert.AreEqual(HttpStatusCode.OK, await GetAsync(s_openBase, ("Host", $"localhost:{port}")));
        Assert.AreEqual(HttpStatusCode.Redirect, await GetAsync(s_openBase, ("Host", "attacker.example")), "foreign Host (DNS rebinding)");
        Assert.AreEqual(HttpStatusCode.Redirect, await GetAsync(s_openBase, ("Host", $"attacker.example:{port}")));
        Assert.AreEqual(HttpStatusCode.Redirect, await GetAsync(s_openBase, ("Host", "127.0.0.1:1")), "another port");
        Assert.AreEqual(HttpStatusCode.Redirect, await GetAsync(s_openBase, ("X-Forwarded-For", "203.0.113.9")), "a proxy on the machine");
        Assert.AreEqual(HttpStatusCode.Redirect, await GetAsync(s_openBase, ("X-Forwarded-Proto", "https")));
        Assert.AreEqual(HttpStatusCode.Redirect, await GetAsync(s_openBase, ("X-Real-IP", "203.0.113.9")));
        Assert.AreEqual(HttpStatusCode.Redirect, await GetAsync(s_openBase, ("Forwarded", "for=203.0.113.9")));
    }

    [TestMethod]
    public async Task Dashboard_RequiresALogin_OnLoopback_WhenLoginsAreConfigured()
    {
        Assert.AreEqual(HttpStatusCode.Redirect, await GetAsync(s_lockedBase), "configured logins are never silently ignored on 127.0.0.1");
    }

    [TestMethod]
    public async Task Login_LocksTheLogin_After10WrongPasswords_ForTheConfiguredTime()
    {
        using var client = DashboardLogin.Anonymous(s_lockedBase);
        for (var i = 0; i < 10; i++)
        {
            Assert.AreEqual(HttpStatusCode.Unauthorized, (await DashboardLogin.PostLoginAsync(client, "alice", "wrong-password-" + i, null, TestContext.CancellationToken)).StatusCode);
        }

        var locked = await DashboardLogin.PostLoginAsync(client, "alice", Password, null, TestContext.CancellationToken);
        s_clock.Advance(TimeSpan.FromMinutes(14));
        var stillLocked = await DashboardLogin.PostLoginAsync(client, "alice", Password, null, TestContext.CancellationToken);
        s_clock.Advance(TimeSpan.FromMinutes(1));
        var unlocked = await DashboardLogin.PostLoginAsync(client, "alice", Password, null, TestContext.CancellationToken);

        Assert.AreEqual(HttpStatusCode.TooManyRequests, locked.StatusCode, "the right password does not get in while locked");
        Assert.AreEqual(HttpStatusCode.TooManyRequests, stillLocked.StatusCode);
        Assert.AreEqual(HttpStatusCode.Redirect, unlocked.StatusCode, "after LockoutMinutes (15) the login works again");
    }

    [TestMethod]
    public async Task Login_TakesTheSameTime_ForAnUnknownLoginAndAKnownLoginWithAWrongPassword()
    {
        using var client = DashboardLogin.Anonymous(s_lockedBase);
        async Task<double> TimeAsync(string name)
        {
            var watch = Stopwatch.StartNew();
            var response = await DashboardLogin.PostLoginAsync(client, name, "wrong-password-x", null, TestContext.CancellationToken);
            watch.Stop();
            Assert.AreEqual(HttpStatusCode.Unauthorized, response.StatusCode);
            return watch.Elapsed.TotalMilliseconds;
        }

        await TimeAsync("warm-up");
        var known = new List<double>();
        var unknown = new List<double>();
        // Alternated, so a burst of load on a shared 2-core machine hits both; 7 samples each stay below bob's lockout (10).
        for (var i = 0; i < 7; i++)
        {
            known.Add(await TimeAsync("bob"));
            unknown.Add(await TimeAsync($"nobody-{i}"));
        }

        static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
        var ratio = Median(unknown) / Median(known);
        TestContext.WriteLine($"median known {Median(known):F0} ms, unknown {Median(unknown):F0} ms, ratio {ratio:F2}");

        Assert.IsGreaterThan(50, Median(known), "a wrong password costs a PBKDF2 run");
        Assert.IsTrue(ratio is >= 0.8 and <= 1.2, $"unknown/known = {ratio:F2}, outside ±20 %");
    }
}
