using System.ComponentModel;
using Hangfire;
using RecallFiles.Exporter;
using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Scheduler.Jobs;

/// <summary>
/// The Hangfire job that exports one practice. It throws on failure, so Hangfire retries it a few
/// times and the dashboard shows why; never two runs for one practice at once.
/// </summary>
public sealed class ExportJob(RecallFilesSettings settings, ExportRunner runner)
{
    /// <summary>The recurring job id of a practice's export.</summary>
    public static string RecurringId(string practiceId) => $"export:{practiceId}";

    /// <summary>Exports <paramref name="practiceId"/> now.</summary>
    [JobDisplayName("Export {0}")]
    [DisplayName("Export {0}")]
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [60, 300, 900])]
    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    public async Task RunAsync(string practiceId, CancellationToken cancellationToken)
    {
        var practice = settings.Agent.Practices.FirstOrDefault(p => string.Equals(p.PracticeId, practiceId, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException($"practice {practiceId} is no longer configured (RecallFiles:Agent:Practices)");
        await runner.RunAsync(practice, new ExportRunOptions { OutputFolder = settings.ExportFolder(practice.PracticeId) }, cancellationToken);
    }
}
