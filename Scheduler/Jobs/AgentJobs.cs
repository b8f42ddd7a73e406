using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Logging;
using RecallFiles.Exporter;
using RecallFiles.Exporter.Ledger;
using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Scheduler.Jobs;

/// <summary>
/// The agent's jobs: one recurring export per practice (its cron in its time zone), its status apply, and an export at once
/// for every practice that has never uploaded one. Issue 17: every job goes to the agent's own queue
/// (<c>agent_{name}</c>, <see cref="AgentName"/>), which only this agent's server listens to, and the clean-up of stale
/// jobs removes only jobs on that queue (or on no queue: jobs registered before issue 17), so agents sharing one Hangfire
/// PostgreSQL store never run or delete each other's jobs.
/// </summary>
internal sealed partial class AgentJobs(RecallFilesSettings settings, ExportLedger ledger, HousekeepingTarget housekeeping, ILogger<AgentJobs> logger) : IJobModule
{
    public IReadOnlyList<string> Prefixes { get; } = ["export:", "status-apply:", HousekeepingJob.AgentRecurringId];

    /// <summary>This agent's queue.</summary>
    public string Queue => AgentName.QueueOf(settings.Agent.Name);

    /// <summary>The agent's housekeeping job id: one per agent (<c>housekeeping:agent:{name}</c>).</summary>
    public string HousekeepingId => $"{HousekeepingJob.AgentRecurringId}:{settings.Agent.Name}";

    public IEnumerable<RecurringJobSpec> Recurring() => Practices().Concat(Housekeeping());

    /// <summary>
    /// Jobs with the agent's prefixes on its own queue; jobs on the default queue predate issue 17 (their agent registers
    /// them again on its own queue). A job this process cannot load is never touched.
    /// </summary>
    public bool Owns(RecurringJobDto job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return Prefixes.Any(p => job.Id.StartsWith(p, StringComparison.Ordinal))
            && AgentName.QueueOf(job) is { } queue && (queue == "default" || string.Equals(queue, Queue, StringComparison.Ordinal));
    }

    /// <summary>
    /// One practice, one agent: a practice whose export job sits on another agent's queue while a server listens to that
    /// queue is configured on two agents, and this one refuses to start (both would export it and upload two snapshots).
    /// A job on the queue of an agent no server listens to is taken over (the practice moved to this agent).
    /// </summary>
    public void BeforeSchedule(JobStorage storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        using var connection = storage.GetConnection();
        var existing = connection.GetRecurringJobs().ToDictionary(j => j.Id, StringComparer.Ordinal);
        var live = storage.GetMonitoringApi().Servers().SelectMany(s => s.Queues.Select(q => (Queue: q, Server: s.Name)))
            .ToLookup(s => s.Queue, s => s.Server, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var practice in settings.Agent.Practices)
        {
            if (existing.GetValueOrDefault(ExportJob.RecurringId(practice.PracticeId)) is not { } job || AgentName.QueueOf(job) is not { } queue
                || !queue.StartsWith(AgentName.QueuePrefix, StringComparison.Ordinal) || queue == Queue)
            {
                continue;
            }

            var other = queue[AgentName.QueuePrefix.Length..];
            if (live[queue].Any())
            {
                problems.Add($"practice {practice.PracticeId} is already exported by agent '{other}' (server {string.Join(", ", live[queue])}) on this Hangfire store: " +
                    $"one practice, one agent: remove it from {settings.Agent.KeyOf(practice.PracticeId)} here or on agent '{other}'");
            }
            else
            {
                TakenOver(logger, practice.PracticeId, other, settings.Agent.Name);
            }
        }

        if (problems.Count > 0)
        {
            throw new SettingsException(string.Join(Environment.NewLine, problems));
        }
    }

    private IEnumerable<RecurringJobSpec> Practices()
    {
        var queue = Queue;
        foreach (var practice in settings.Agent.Practices)
        {
            var zone = ExportWindow.FindTimeZone(practice.TimeZone, $"{settings.Agent.KeyOf(practice.PracticeId)}:TimeZone");
            yield return new RecurringJobSpec(ExportJob.RecurringId(practice.PracticeId), practice.Cron, zone,
                (manager, id, cron, options) => manager.AddOrUpdate<ExportJob>(id, queue, job => job.RunAsync(practice.PracticeId, CancellationToken.None), cron, options));
            if (practice.Status.Enabled)
            {
                yield return new RecurringJobSpec(StatusApplyJob.RecurringId(practice.PracticeId), practice.Status.Cron, zone,
                    (manager, id, cron, options) => manager.AddOrUpdate<StatusApplyJob>(id, queue, job => job.RunAsync(practice.PracticeId, CancellationToken.None), cron, options));
            }
        }
    }

    /// <summary>The agent's own housekeeping (export copies), unless the cloud role's runs on this host and covers them.</summary>
    private IEnumerable<RecurringJobSpec> Housekeeping()
    {
        if (housekeeping.ArchiveFolder is null)
        {
            var queue = Queue;
            yield return new RecurringJobSpec(HousekeepingId, settings.Housekeeping.Cron, TimeZoneInfo.Utc,
                (manager, id, cron, options) => manager.AddOrUpdate<HousekeepingJob>(id, queue, job => job.RunAsync(CancellationToken.None), cron, options));
        }
    }

    public void OnStart(IBackgroundJobClient jobs)
    {
        foreach (var practice in settings.Agent.Practices)
        {
            var id = practice.PracticeId;
            if (!ledger.List(id, 200).Any(e => e.Status == ExportStatus.Uploaded))
            {
                jobs.Enqueue<ExportJob>(Queue, job => job.RunAsync(id, CancellationToken.None));
                InitialExport(logger, id);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Practice {PracticeId} has never uploaded an export: initial export queued")]
    private static partial void InitialExport(ILogger logger, string practiceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Practice {PracticeId} was exported by agent '{OtherAgent}', which no server runs any more: agent '{Agent}' takes it over")]
    private static partial void TakenOver(ILogger logger, string practiceId, string otherAgent, string agent);
}
