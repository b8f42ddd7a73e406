using System.ComponentModel;
using Hangfire;
using Microsoft.Extensions.Logging;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Logging;

namespace RecallFiles.Scheduler.Jobs;

/// <summary>
/// "Housekeeping" (issue 12: PHI is kept no longer than needed), daily on <c>RecallFiles:Housekeeping:Cron</c>. Cloud
/// role: archived files older than <c>ArchiveRetentionDays</c> (default 90; 0 keeps everything). Agent role: copies of
/// exported files in <c>{DataFolder}/agent/exports/</c> older than <c>ExportRetentionDays</c> (default 7). Each run with
/// deletions is audited; the clock is injected.
/// </summary>
internal sealed partial class HousekeepingJob(HousekeepingTarget target, HousekeepingSettings settings, TimeProvider time, AuditLog audit, ILogger<HousekeepingJob> logger)
{
    /// <summary>The recurring job id (cloud role).</summary>
    public const string RecurringId = "housekeeping";

    /// <summary>The recurring job id (agent role).</summary>
    public const string AgentRecurringId = "housekeeping:agent";

    /// <summary>Applies the retention and reports what is kept.</summary>
    [JobDisplayName("Housekeeping")]
    [DisplayName("Housekeeping")]
    [AutomaticRetry(Attempts = 1)]
    [DisableConcurrentExecution("recallfiles:housekeeping", 60)]
    public Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        if (target.ArchiveFolder is { } archive)
        {
            lines.Add(Sweep("archive", archive, settings.ArchiveRetentionDays, cancellationToken));
        }

        if (target.ExportFolder is { } exports)
        {
            lines.Add(Sweep("export copies", exports, settings.ExportRetentionDays, cancellationToken));
        }

        return Task.FromResult(lines.Count == 0 ? "nothing to look after" : string.Join("; ", lines));
    }

    private string Sweep(string what, string folder, int days, CancellationToken cancellationToken)
    {
        var root = new DirectoryInfo(folder);
        if (!root.Exists)
        {
            return $"{what}: none yet";
        }

        var cutoff = time.GetUtcNow().UtcDateTime.AddDays(-days);
        long kept = 0, deleted = 0, bytes = 0;
        foreach (var file in root.EnumerateFiles("*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (days > 0 && file.LastWriteTimeUtc < cutoff)
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

        if (deleted > 0)
        {
            audit.Record("housekeeping", "-", $"{what} {folder} older than {days} day(s)", AuditLog.Scheduler, $"{deleted} file(s) deleted, {kept} kept");
        }

        Done(logger, what, kept, bytes / (1024 * 1024), deleted);
        return $"{what}: {kept} file(s), {bytes / (1024 * 1024)} MiB kept, {deleted} deleted";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Housekeeping: {What} keeps {Files} file(s), {MiB} MiB; {Deleted} deleted past retention")]
    private static partial void Done(ILogger logger, string what, long files, long miB, long deleted);
}

/// <summary>What housekeeping looks after: the cloud's archive folder and/or the agent's export copies.</summary>
internal sealed record HousekeepingTarget(string? ArchiveFolder, string? ExportFolder = null);
