using Hangfire;
using RecallFiles.Importer.Pickup;
using RecallFiles.Importer.Practices;
using RecallFiles.Scheduler.Cli;
using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Scheduler.Jobs;

/// <summary>
/// The cloud role's jobs: "Import {practice}" on <c>RecallFiles:Importer:PollCron</c> in the practice's time zone, the
/// status export (<c>RecallFiles:Status:Cron</c>) and results import (<c>RecallFiles:Status:ResultsCron</c>, two minutes
/// later by default) per practice, and daily housekeeping.
/// </summary>
internal sealed class CloudJobs(ImportSettings import, PickupService pickup, HousekeepingSettings housekeeping, StatusCloudSettings status) : IJobModule
{
    public IReadOnlyList<string> Prefixes { get; } = ["import:", "status-export:", "results-import:", HousekeepingJob.RecurringId];

    public IEnumerable<RecurringJobSpec> Recurring()
    {
        foreach (var practice in pickup.Practices)
        {
            var zone = PracticeOptions.FindTimeZone(practice.TimeZone, $"RecallFiles:Practices:{practice.Id}:TimeZone");
            var id = practice.Id;
            yield return new RecurringJobSpec(ImportJob.RecurringId(id), import.Importer.PollCron, zone,
                (manager, jobId, cron, options) => manager.AddOrUpdate<ImportJob>(jobId, job => job.RunAsync(id, CancellationToken.None), cron, options));
            yield return new RecurringJobSpec(StatusExportJob.RecurringId(id), status.Cron, TimeZoneInfo.Utc,
                (manager, jobId, cron, options) => manager.AddOrUpdate<StatusExportJob>(jobId, job => job.RunAsync(id, CancellationToken.None), cron, options));
            yield return new RecurringJobSpec(StatusResultsJob.RecurringId(id), status.ResultsCron, TimeZoneInfo.Utc,
                (manager, jobId, cron, options) => manager.AddOrUpdate<StatusResultsJob>(jobId, job => job.RunAsync(id, CancellationToken.None), cron, options));
        }

        yield return new RecurringJobSpec(HousekeepingJob.RecurringId, housekeeping.Cron, TimeZoneInfo.Utc,
            (manager, jobId, cron, options) => manager.AddOrUpdate<HousekeepingJob>(jobId, job => job.RunAsync(CancellationToken.None), cron, options));
    }

    public void OnStart(IBackgroundJobClient jobs)
    {
    }
}
