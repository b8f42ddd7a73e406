using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace RecallFiles.Scheduler.Jobs;

/// <summary>
/// One recurring Hangfire job from configuration: its id (<c>export:ACME-01</c>), cron and IANA time zone, and how to
/// register it (a job class and its method; the class carries <c>JobDisplayName</c>, <c>AutomaticRetry</c> and
/// <c>DisableConcurrentExecution</c>).
/// </summary>
internal sealed record RecurringJobSpec(string Id, string Cron, TimeZoneInfo TimeZone, Action<IRecurringJobManager, string, string, RecurringJobOptions> Register);

/// <summary>
/// The jobs of one role. A flow plugs in by adding a job class and a module (or a spec in an existing module), and
/// registering the module for its role in <see cref="Hosting.RecallFilesHost"/>.
/// </summary>
internal interface IJobModule
{
    /// <summary>The id prefixes this module owns (<c>export:</c>); recurring jobs with them that are no longer configured are removed.</summary>
    IReadOnlyList<string> Prefixes { get; }

    /// <summary>The recurring jobs from configuration.</summary>
    IEnumerable<RecurringJobSpec> Recurring();

    /// <summary>Jobs to enqueue once at start-up (an initial export for a practice that never uploaded one).</summary>
    void OnStart(IBackgroundJobClient jobs);

    /// <summary>
    /// Whether a recurring job in the store is this module's, to be removed when no longer configured. By default: one of
    /// its <see cref="Prefixes"/>, and not on an agent's queue (issue 17: servers sharing a store never remove an agent's jobs).
    /// </summary>
    bool Owns(RecurringJobDto job) => Prefixes.Any(p => job.Id.StartsWith(p, StringComparison.Ordinal))
        && !job.Id.StartsWith(HousekeepingJob.AgentRecurringId, StringComparison.Ordinal)
        && !(Configuration.AgentName.QueueOf(job) ?? "").StartsWith(Configuration.AgentName.QueuePrefix, StringComparison.Ordinal);

    /// <summary>Checks the store before the module's jobs are registered (an agent refuses a practice another running agent exports).</summary>
    void BeforeSchedule(JobStorage storage)
    {
    }
}

/// <summary>Registers every module's recurring jobs at start-up and removes the stale ones it owns (<see cref="IJobModule.Owns"/>).</summary>
internal sealed partial class JobSchedule(IEnumerable<IJobModule> modules, IRecurringJobManager recurring, IBackgroundJobClient jobs, JobStorage storage,
    ILogger<JobSchedule> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var module in modules)
        {
            module.BeforeSchedule(storage);
            var wanted = new HashSet<string>(StringComparer.Ordinal);
            foreach (var spec in module.Recurring())
            {
                spec.Register(recurring, spec.Id, spec.Cron, new RecurringJobOptions { TimeZone = spec.TimeZone });
                wanted.Add(spec.Id);
                Scheduled(logger, spec.Id, spec.Cron, spec.TimeZone.Id);
            }

            using var connection = storage.GetConnection();
            foreach (var stale in connection.GetRecurringJobs().Where(j => module.Owns(j) && !wanted.Contains(j.Id)).Select(j => j.Id))
            {
                recurring.RemoveIfExists(stale);
                Removed(logger, stale);
            }

            module.OnStart(jobs);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Recurring job {JobId} scheduled '{Cron}' in {TimeZone}")]
    private static partial void Scheduled(ILogger logger, string jobId, string cron, string timeZone);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recurring job {JobId} removed: no longer configured")]
    private static partial void Removed(ILogger logger, string jobId);
}
