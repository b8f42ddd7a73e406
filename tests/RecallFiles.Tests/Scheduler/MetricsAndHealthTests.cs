using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RecallFiles.Scheduler.Alerts;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Hosting;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Tests.SampleData;

namespace RecallFiles.Tests.Scheduler;

/// <summary>
/// Issue 17: <c>/metrics</c> behind the dashboard's access rules, scraped by a real Prometheus (Debian package) with an API
/// key; <c>/health/live</c>, <c>/health/ready</c> and <c>/health</c> turning Degraded on open incidents, on real cloud hosts.
/// </summary>
[TestClass]
public sealed class MetricsAndHealthTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Prometheus_ScrapesTheAppliedBatchesCounterOfAPractice_WithAnApiKey()
    {
        var ct = TestContext.CancellationToken;
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        await using var host = await CloudHost.StartAsync("metrics", new Dictionary<string, string> { ["METRICS-01:TimeZone"] = "Europe/Madrid" },
            [("METRICS-01", stamp, Path.Combine(RepoPaths.SampleData, "appointments", "APPOINTMENTS_DEMO-01_20261123T080000Z.csv"))], ct);
        Assert.AreEqual("applied", host.Imports["METRICS-01"].Single().State);
        var key = host.App.Services.GetRequiredService<ApiKeys>().Create("prometheus", [], DateTimeOffset.UtcNow);
        var limited = host.App.Services.GetRequiredService<ApiKeys>().Create("one-practice", ["METRICS-01"], DateTimeOffset.UtcNow);
        using var anonymous = DashboardLogin.Anonymous(host.Base);
        using var msp = await DashboardSecurityTests.Client(host.Base, "msp", ct);

        var refused = await anonymous.GetAsync(new Uri("/metrics", UriKind.Relative), ct);
        using var limitedRequest = new HttpRequestMessage(HttpMethod.Get, new Uri("/metrics", UriKind.Relative)) { Headers = { { "Authorization", "Bearer " + limited } } };
        var refusedLimited = await anonymous.SendAsync(limitedRequest, ct);
        var text = await msp.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct);
        await using var prometheus = await PrometheusServer.StartAsync(new Uri(host.Base).Authority, "/metrics", key);
        var applied = await prometheus.QueryUntilFoundAsync("recallfiles_batches_total{practice=\"METRICS-01\",outcome=\"applied\"}", TimeSpan.FromSeconds(60), ct);

        Assert.AreEqual(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, refusedLimited.StatusCode, "a key limited to practices does not read every practice's metrics");
        StringAssert.Contains(text, "recallfiles_batches_total{");
        StringAssert.Contains(text, "recallfiles_batch_pickup_to_applied_seconds_bucket{");
        Assert.DoesNotContain("APPOINTMENTS_", text, "no file names in labels");
        Assert.AreEqual(1, applied.GetArrayLength(), await prometheus.TargetsAsync(ct));
        Assert.AreEqual("1", applied[0].GetProperty("value")[1].GetString());
        var rows = await prometheus.QueryAsync("recallfiles_rows_total{practice=\"METRICS-01\"}", ct);
        Assert.IsGreaterThan(0, double.Parse(rows[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture), "rows of the applied file");
    }

    [TestMethod]
    public async Task Health_IsLiveAndReady_AndDegradedWhileAnIncidentIsOpen()
    {
        var ct = TestContext.CancellationToken;
        await using var host = await CloudHost.StartAsync("health", new Dictionary<string, string> { ["QUIET-02:TimeZone"] = "Europe/London" }, [], ct);
        using var anonymous = DashboardLogin.Anonymous(host.Base);
        using var msp = await DashboardSecurityTests.Client(host.Base, "msp", ct);

        var live = await anonymous.GetAsync(new Uri("/health/live", UriKind.Relative), ct);
        var ready = await anonymous.GetAsync(new Uri("/health/ready", UriKind.Relative), ct);
        var run = await EvaluateAsync(host, ct);
        var health = JsonDocument.Parse(await msp.GetStringAsync(new Uri("/health", UriKind.Relative), ct)).RootElement;

        Assert.AreEqual(HttpStatusCode.OK, live.StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, ready.StatusCode, await ready.Content.ReadAsStringAsync(ct));
        StringAssert.Contains(run, "1 open incident(s)", "QUIET-02 never sent a file: overdue");
        Assert.AreEqual("Degraded", health.GetProperty("status").GetString());
        Assert.AreEqual(1, health.GetProperty("openIncidents").GetInt64());
        Assert.IsTrue(health.GetProperty("checks").EnumerateArray().All(c => c.GetProperty("ok").GetBoolean()), "every probe passes: the incident alone degrades");
    }

    /// <summary>Evaluates the alerts now; waits while the host's own recurring evaluation holds the lock.</summary>
    internal static async Task<string> EvaluateAsync(CloudHost host, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var run = await host.App.Services.GetRequiredService<AlertJob>().RunAsync(ct);
            if (!run.StartsWith("busy", StringComparison.Ordinal) || attempt == 50)
                return run;
            await Task.Delay(200, ct);
        }
    }

    [TestMethod]
    public async Task HealthReady_Answers503_WhenTheDropBoxIsUnreachable()
    {
        var ct = TestContext.CancellationToken;
        await using var host = await CloudHost.StartAsync("ready", new Dictionary<string, string> { ["GONE-01:TimeZone"] = "Europe/London" }, [], ct);
        var root = host.App.Services.GetRequiredService<RecallFilesSettings>().Configuration["RecallFiles:DropBoxes:default:RootPath"]!;
        Directory.Delete(root, recursive: true);
        using var anonymous = DashboardLogin.Anonymous(host.Base);

        var live = await anonymous.GetAsync(new Uri("/health/live", UriKind.Relative), ct);
        var ready = await anonymous.GetAsync(new Uri("/health/ready", UriKind.Relative), ct);
        var body = await ready.Content.ReadAsStringAsync(ct);

        Assert.AreEqual(HttpStatusCode.OK, live.StatusCode, "the process still serves");
        Assert.AreEqual(HttpStatusCode.ServiceUnavailable, ready.StatusCode, body);
        StringAssert.Contains(body, "dropbox default");
    }
}
