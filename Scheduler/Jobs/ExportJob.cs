using System.ComponentModel;
using Hangfire;
using Microsoft.Extensions.Logging;
using RecallFiles.Exporter;
using RecallFiles.Exporter.Heartbeat;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Logging;
using RecallFiles.Schemas;

namespace RecallFiles.Scheduler.Jobs;

/// <summary>
/// The Hangfire job that exports one practice ("Export ACME-01"). It throws on failure, so Hangfire retries it a few
/// times and the dashboard shows why; never two runs for one practice at once (a distributed lock named after the
/// practice, so different practices still export in parallel). Every run, failed ones included, ends with the agent's
/// heartbeat (issue 17, <see cref="HeartbeatSender"/>).
/// </summary>
internal sealed partial class ExportJob(RecallFilesSettings settings, ExportRunner runner, AuditLog audit, HeartbeatSender heartbeats, Metrics.RecallFilesMetrics metrics, TimeProvider time, ILogger<ExportJob> logger)
{
    /// <summary>The recurring job id of a practice's export.</summary>
    public static string RecurringId(string practiceId) => $"export:{practiceId}";

    /// <summary>Exports <paramref name="practiceId"/> now.</summary>
    [JobDisplayName("Export {0}")]
    [DisplayName("Export {0}")]
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [60, 300, 900], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [DisableConcurrentExecution("recallfiles:export:{0}", 600)]
    public async Task<string> RunAsync(string practiceId, CancellationToken cancellationToken)
    {
        var result = await ExportAsync(practiceId, null, cancellationToken);
        return $"{result.Rows} appointment(s) uploaded to {result.RemotePath}";
    }

    /// <summary>Exports <paramref name="practiceId"/> as of <paramref name="now"/> (null: the clock) and audits it.</summary>
    internal async Task<ExportResult> ExportAsync(string practiceId, DateTimeOffset? now, CancellationToken cancellationToken)
    {
        var practice = settings.Agent.Practices.FirstOrDefault(p => string.Equals(p.PracticeId, practiceId, StringComparison.OrdinalIgnoreCase))
            ?? throw new NotFoundException($"practice {practiceId} is no longer configured (RecallFiles:Agent:Practices)");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            // The copies are PHI: their folders are 0700 (issue 12); housekeeping deletes them after ExportRetentionDays.
            DataFolders.Create(settings.ExportFolder(practice.PracticeId));
            var result = await runner.RunAsync(practice, new ExportRunOptions { OutputFolder = settings.ExportFolder(practice.PracticeId), Now = now }, cancellationToken);
            audit.Record("export", practiceId, $"file {result.FileName} rows={result.Rows} sha256={result.Sha256}", AuditLog.Scheduler, $"uploaded to {result.RemotePath}");
            metrics.Export(practice.PracticeId, watch.Elapsed, ok: true);
            await HeartbeatAsync(practice, ExportOutcome.Ok(time.GetUtcNow()), cancellationToken);
            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            audit.Record("export", practiceId, "file (none)", AuditLog.Scheduler, $"failed: {ex.Message}");
            metrics.Export(practice.PracticeId, watch.Elapsed, ok: false);
            await HeartbeatAsync(practice, ExportOutcome.Failed(PhiText.Mask(ex.Message), time.GetUtcNow()), cancellationToken);
            throw;
        }
    }

    /// <summary>
    /// Sends the practice's heartbeat. A heartbeat that cannot be sent (the drop box is down) is logged and audited, not
    /// thrown: the export's own outcome (and exception) decides the job's, and the cloud sees the agent fall silent.
    /// </summary>
    private async Task HeartbeatAsync(Exporter.PracticeExportOptions practice, ExportOutcome outcome, CancellationToken cancellationToken)
    {
        try
        {
            var zone = ExportWindow.FindTimeZone(practice.TimeZone, $"{settings.Agent.KeyOf(practice.PracticeId)}:TimeZone");
            var interval = HeartbeatSender.IntervalSeconds(practice.Cron, zone, time.GetUtcNow());
            var remote = await heartbeats.SendAsync(practice, heartbeats.Build(practice, settings.Agent.Name, interval, outcome), cancellationToken);
            audit.Record("heartbeat", practice.PracticeId, $"export {outcome.Result}", AuditLog.Scheduler, $"uploaded to {remote}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Any failure (drop box, ledger): reported, never in place of the export's own outcome or exception.
            audit.Record("heartbeat", practice.PracticeId, $"export {outcome.Result}", AuditLog.Scheduler, $"failed: {PhiText.Mask(ex.Message)}");
            HeartbeatFailed(logger, practice.PracticeId, PhiText.Mask(ex.Message), ex is RecallFiles.Transport.DropBoxException or IOException ? null : ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat {PracticeId} could not be uploaded: {Reason}")]
    private static partial void HeartbeatFailed(ILogger logger, string practiceId, string reason, Exception? exception);
}
