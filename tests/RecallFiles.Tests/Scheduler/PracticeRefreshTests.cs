using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using RecallFiles.Importer.Pickup;
using RecallFiles.Importer.Practices;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Jobs;
using RecallFiles.Scheduler.Logging;

namespace RecallFiles.Tests.Scheduler;

/// <summary>
/// Issue 17: a running cloud host (real PostgreSQL, Hangfire on it) takes in a practice added in the database — its pickup
/// polls it and "Import DENT-301" is scheduled in the practice's time zone — and drops one that is disabled, without a
/// restart. Driven by a short configured <c>RecallFiles:Importer:PracticeRefresh</c> (1 s) and a bounded wait; the default
/// is one minute.
/// </summary>
[TestClass]
public sealed class PracticeRefreshTests
{
    public TestContext TestContext { get; set; } = null!;

    private static async Task<bool> EventuallyAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 600 && !condition(); i++)
        {
            await Task.Delay(100, cancellationToken);
        }

        return condition();
    }

    private static RecurringJobDto? Job(CloudHost host, string id)
    {
        using var connection = host.App.Services.GetRequiredService<JobStorage>().GetConnection();
        return connection.GetRecurringJobs().SingleOrDefault(j => j.Id == id);
    }

    [TestMethod]
    public async Task RunningHost_SchedulesAndPollsAnAddedPractice_AndDropsADisabledOne_WithoutARestart()
    {
        await using var host = await CloudHost.StartAsync("practice_refresh", new Dictionary<string, string> { ["JSON-01:TimeZone"] = "UTC" }, [], TestContext.CancellationToken,
            new Dictionary<string, string> { ["RecallFiles:Importer:PracticeRefresh"] = "00:00:01" });
        var pickup = host.App.Services.GetRequiredService<PickupService>();
        var settings = host.App.Services.GetRequiredService<ImportSettings>();
        var admin = new PracticeAdmin(host.Cloud.DataSource, settings.Catalog, settings.DropBoxes, settings.Importer,
            new AuditLog(host.App.Services.GetRequiredService<RecallFilesSettings>().LogFolder));
        Assert.IsNull(Job(host, ImportJob.RecurringId("DENT-301")), "not scheduled before it is added");

        await admin.AddAsync(new PracticeOptions { Id = "DENT-301", TimeZone = "Europe/Madrid" }, "test", TestContext.CancellationToken);
        var scheduled = await EventuallyAsync(() => Job(host, ImportJob.RecurringId("DENT-301")) is not null, TestContext.CancellationToken);
        var polled = pickup.Practices.Select(p => p.Id).ToList();
        var unchanged = await host.App.Services.GetRequiredService<PracticeRefresh>().RefreshAsync(TestContext.CancellationToken);

        Assert.IsTrue(scheduled, "Import DENT-301 scheduled by the running host");
        Assert.AreEqual("Europe/Madrid", Job(host, ImportJob.RecurringId("DENT-301"))!.TimeZoneId);
        Assert.IsNotNull(Job(host, StatusExportJob.RecurringId("DENT-301")), "its status export too");
        CollectionAssert.Contains(polled, "DENT-301", "the pickup polls it");
        CollectionAssert.Contains(polled, "JSON-01", "the JSON practice stays");
        Assert.IsFalse(unchanged, "nothing changed since: the version check alone");

        await admin.DisableAsync("DENT-301", "test", TestContext.CancellationToken);
        var removed = await EventuallyAsync(() => Job(host, ImportJob.RecurringId("DENT-301")) is null, TestContext.CancellationToken);

        Assert.IsTrue(removed, "a disabled practice's jobs are removed");
        CollectionAssert.DoesNotContain(pickup.Practices.Select(p => p.Id).ToList(), "DENT-301");
        Assert.IsNotNull(Job(host, ImportJob.RecurringId("JSON-01")), "the other practices' jobs stay");
    }

    [TestMethod]
    public void PracticeRefresh_DefaultsToOneMinute_AndRefusesAnIntervalOutOfRange()
    {
        var options = new RecallFiles.Importer.ImporterOptions();

        Assert.AreEqual(TimeSpan.FromMinutes(1), options.PracticeRefresh);
        Assert.IsEmpty(options.Validate().Where(p => p.Contains("PracticeRefresh", StringComparison.Ordinal)).ToList());
        StringAssert.Contains(string.Join(" ", (options with { PracticeRefresh = TimeSpan.FromHours(2) }).Validate()),
            "RecallFiles:Importer:PracticeRefresh is 02:00:00; allowed 00:00:01 to 01:00:00");
    }
}
