using Hangfire;
using Microsoft.Extensions.Logging;
using RecallFiles.Exporter;
using RecallFiles.Exporter.Ledger;
using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Scheduler.Jobs;

/// <summary>
/// The agent's jobs: one recurring export per practice (its cron in its time zone), and an export at once for every
/// practice that has never uploaded one. Status apply (issue 6) plugs in here as <c>status-apply:{practice}</c> when
/// its service exists.
/// </summary>
internal sealed partial class AgentJobs(RecallFilesSettings settings, ExportLedger ledger, HousekeepingTarget housekeeping, ILogger<AgentJobs> logger) : IJobModule
{
    public IReadOnlyList<string> Prefixes { get; } = ["export:", "status-apply:", HousekeepingJob.AgentRecurringId];

    public IEnumerable<RecurringJobSpec> Recurring() => Practices().Concat(Housekeeping());

    private IEnumerable<RecurringJobSpec> Practices()
    {
        foreach (var practice in settings.Agent.Practices)
        {
            var zone = ExportWindow.FindTimeZone(practice.TimeZone, $"{settings.Agent.KeyOf(practice.PracticeId)}:TimeZone");
            yield return new RecurringJobSpec(ExportJob.RecurringId(practice.PracticeId), practice.Cron, zone,
                (manager, id, cron, options) => manager.AddOrUpdate<ExportJob>(id, job => job.RunAsync(practice.PracticeId, CancellationToken.None), cron, options));
            if (practice.Status.Enabled)
            {
                yield return new RecurringJobSpec(StatusApplyJob.RecurringId(practice.PracticeId), practice.Status.Cron, zone,
                    (manager, id, cron, options) => manager.AddOrUpdate<StatusApplyJob>(id, job => job.RunAsync(practice.PracticeId, CancellationToken.None), cron, options));
            }
        }
    }

    /// <summary>The agent's own housekeeping (export copies), unless the cloud role's runs on this host and covers them.</summary>
    private IEnumerable<RecurringJobSpec> Housekeeping()
    {
        if (housekeeping.ArchiveFolder is null)
        {
            yield return new RecurringJobSpec(HousekeepingJob.AgentRecurringId, settings.Housekeeping.Cron, TimeZoneInfo.Utc,
                (manager, id, cron, options) => manager.AddOrUpdate<HousekeepingJob>(id, job => job.RunAsync(CancellationToken.None), cron, options));
        }
    }

    public void OnStart(IBackgroundJobClient jobs)
    {
        foreach (var practice in settings.Agent.Practices)
        {
            var id = practice.PracticeId;
            if (!ledger.List(id, 200).Any(e => e.Status == ExportStatus.Uploaded))
            {
                jobs.Enqueue<ExportJob>(job => job.RunAsync(id, CancellationToken.None));
                InitialExport(logger, id);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Practice {PracticeId} has never uploaded an export: initial export queued")]
    private static partial void InitialExport(ILogger logger, string practiceId);
}
