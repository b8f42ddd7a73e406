using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using RecallFiles.Importer.Practices;
using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Scheduler.Jobs;

/// <summary>
/// Practices without restarts (issue 17): every <c>RecallFiles:Importer:PracticeRefresh</c> (default a minute) a running
/// cloud server reads <c>max(practices.config_version)</c> — one index read, whatever the number of practices — and when
/// it moved, reads the database-managed practices into the live <see cref="PracticeCatalog"/> (the pickup, status export
/// and results import see them at once) and registers the cloud's recurring jobs again ("Import DENT-301" added, a
/// disabled practice's jobs removed). Several servers on one store each do it; the registrations are idempotent.
/// </summary>
internal sealed partial class PracticeRefresh(NpgsqlDataSource dataSource, ImportSettings settings, IEnumerable<IJobModule> modules, IRecurringJobManager recurring,
    JobStorage storage, TimeProvider time, ILogger<PracticeRefresh> logger) : BackgroundService
{
    /// <summary>Checks once: returns true when the practices changed and were taken in.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        var catalog = settings.Catalog;
        var version = await ManagedPractices.VersionAsync(dataSource, cancellationToken);
        if (version == catalog.Version)
        {
            return false;
        }

        var before = catalog.Values.Where(p => p.Enabled).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var read = await ManagedPractices.LoadAsync(dataSource, catalog, cancellationToken);
        var after = catalog.Values.Where(p => p.Enabled).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var module in modules.OfType<CloudJobs>())
        {
            Reschedule(module);
        }

        Changed(logger, read, after.Count, string.Join(",", after.Except(before).Order(StringComparer.Ordinal)), string.Join(",", before.Except(after).Order(StringComparer.Ordinal)));
        return true;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.Importer.PracticeRefresh, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (NpgsqlException ex)
            {
                // The store is away for a moment: the practices stay as they are and the next tick tries again.
                Unreachable(logger, ex.Message);
            }
            catch (Exception ex) when (ex is Schemas.RecallFilesException or TimeZoneNotFoundException)
            {
                // A practice this server cannot schedule (a time zone this machine lacks) must not stop the host: said, retried.
                NotTaken(logger, ex.Message);
            }
        }
    }

    // The module's jobs from the current catalog; its jobs no longer wanted (a disabled practice's) are removed.
    private void Reschedule(IJobModule module)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in module.Recurring())
        {
            spec.Register(recurring, spec.Id, spec.Cron, new RecurringJobOptions { TimeZone = spec.TimeZone });
            wanted.Add(spec.Id);
        }

        using var connection = storage.GetConnection();
        foreach (var stale in connection.GetRecurringJobs().Select(j => j.Id)
            .Where(id => module.Prefixes.Any(p => id.StartsWith(p, StringComparison.Ordinal)) && !wanted.Contains(id)))
        {
            recurring.RemoveIfExists(stale);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Practices changed in the database (version {Version}): {Count} enabled; added or enabled [{Added}], removed or disabled [{Removed}]; recurring jobs registered again")]
    private static partial void Changed(ILogger logger, long version, int count, string added, string removed);

    [LoggerMessage(Level = LogLevel.Error, Message = "Practices changed in the database but not taken in: {Reason}")]
    private static partial void NotTaken(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Practices not refreshed: the store is not reachable ({Reason}); trying again at the next interval")]
    private static partial void Unreachable(ILogger logger, string reason);
}
