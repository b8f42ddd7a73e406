using System.ComponentModel;
using Hangfire;
using Microsoft.Extensions.Logging;
using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Scheduler.Jobs;

/// <summary>
/// "Housekeeping": daily retention of the cloud's archive (files older than
/// <c>RecallFiles:Housekeeping:ArchiveRetentionDays</c>, default 0 = keep everything) and a size report.
/// </summary>
public sealed partial class HousekeepingJob(HousekeepingTarget target, HousekeepingSettings settings, TimeProvider time, ILogger<HousekeepingJob> logger)
{
    /// <summary>The recurring job id.</summary>
    public const string RecurringId = "housekeeping";

    /// <summary>Applies the retention and reports the archive's size.</summary>

    [JobDisplayName("Housekeeping")]
    [DisplayName("Housekeeping")]
    [AutomaticRetry(Attempts = 1)]
    [DisableConcurrentExecution("recallfiles:housekeeping", 60)]
    public Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var root = new DirectoryInfo(target.ArchiveFolder);
        if (!root.Exists)
        {
            return Task.FromResult("no archive yet");
        }

        var cutoff = time.GetUtcNow().UtcDateTime.AddDays(-settings.ArchiveRetentionDays);
        long kept = 0, deleted = 0, bytes = 0;
        foreach (var file in root.EnumerateFiles("*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (settings.ArchiveRetentionDays > 0 && file.LastWriteTimeUtc < cutoff)
            {
                file.Delete();
                deleted++;
            }
            else
            {
                kept++;
                bytes += file.Length;
            }
        }

        Done(logger, kept, bytes / (1024 * 1024), deleted);
        return Task.FromResult($"archive: {kept} file(s), {bytes / (1024 * 1024)} MiB kept, {deleted} deleted");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Housekeeping: archive keeps {Files} file(s), {MiB} MiB; {Deleted} deleted past retention")]
    private static partial void Done(ILogger logger, long files, long miB, long deleted);
}

/// <summary>What housekeeping looks after: the cloud's archive folder.</summary>
public sealed record HousekeepingTarget(string ArchiveFolder);
