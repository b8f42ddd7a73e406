using System.ComponentModel;
using Hangfire;
using Microsoft.Extensions.Configuration;
using RecallFiles.Exporter.StatusApply;
using RecallFiles.Importer.Status;
using RecallFiles.Scheduler.Cli;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Logging;
using RecallFiles.Schemas;

namespace RecallFiles.Scheduler.Jobs;

/// <summary>"Status apply ACME-01" (agent role): applies the practice's waiting status files to the PMS and uploads their results.</summary>
internal sealed class StatusApplyJob(RecallFilesSettings settings, StatusApplier applier, AuditLog audit)
{
    /// <summary>
    /// The audit lines of a status apply run (issue 12): per status file, the rows and their OK/ERROR/CONFLICT/NOT_FOUND
    /// counts, by <paramref name="who"/> — the only writes into the PMS.
    /// </summary>
    public static void Audit(AuditLog audit, StatusApplyRun run, string who)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(run);
        foreach (var file in run.Files)
        {
            var counts = string.Join(" ", Enum.GetValues<StatusResultCode>().Select(c => $"{c.ToWire()}={file.Counts.GetValueOrDefault(c)}"));
            var outcome = file.FileError is not null ? $"rejected: {file.FileError}" : file.Duplicate ? "duplicate: nothing applied again" : $"result {file.ResultName}";
            audit.Record("status-apply", run.PracticeId, $"file {file.FileName} rows={file.Counts.Values.Sum()} {counts}", who, outcome);
        }
    }

    /// <summary>The recurring job id of a practice's status applier.</summary>
    public static string RecurringId(string practiceId) => $"status-apply:{practiceId}";

    [JobDisplayName("Status apply {0}")]
    [DisplayName("Status apply {0}")]
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [30, 120, 600])]
    [DisableConcurrentExecution("recallfiles:status-apply:{0}", 600)]
    public async Task<string> RunAsync(string practiceId, CancellationToken cancellationToken)
    {
        var practice = settings.Agent.Practices.FirstOrDefault(p => string.Equals(p.PracticeId, practiceId, StringComparison.OrdinalIgnoreCase) && p.Status.Enabled)
            ?? throw new NotFoundException($"practice {practiceId} is no longer configured with Status:Enabled (RecallFiles:Agent:Practices)");
        var run = await applier.RunAsync(practice, StatusCommands.StatusWorkFolder(settings), once: false, cancellationToken);
        Audit(audit, run, AuditLog.Scheduler);
        return $"{run.Files.Count} status file(s): {string.Join("; ", run.Files)}{(run.Waiting.Count > 0 ? $"; {run.Waiting.Count} waiting to be stable" : "")}";
    }
}

/// <summary>"Status export ACME-01" (cloud role): writes the practice's pending status updates into one status file and uploads it.</summary>
internal sealed class StatusExportJob(StatusExport export, AuditLog audit)
{
    public static string RecurringId(string practiceId) => $"status-export:{practiceId}";

    [JobDisplayName("Status export {0}")]
    [DisplayName("Status export {0}")]
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [30, 120, 600])]
    [DisableConcurrentExecution("recallfiles:status-export:{0}", 600)]
    public async Task<string> RunAsync(string practiceId, CancellationToken cancellationToken)
    {
        var result = await export.ExportAsync(practiceId, cancellationToken);
        if (result.Uploaded.Count > 0)
        {
            audit.Record("status-export", practiceId, $"files {string.Join(",", result.Uploaded)} updates={result.Exported}", AuditLog.Scheduler, "uploaded");
        }

        return result.Busy ? "busy: another server is exporting this practice" : $"{result.Exported} update(s) in {result.Uploaded.Count} file(s)";
    }
}

/// <summary>"Results import ACME-01" (cloud role): imports the PMS side's result files and marks the status updates.</summary>
internal sealed class StatusResultsJob(ResultsImport results, AuditLog audit)
{
    public static string RecurringId(string practiceId) => $"results-import:{practiceId}";

    [JobDisplayName("Results import {0}")]
    [DisplayName("Results import {0}")]
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [30, 120, 600])]
    [DisableConcurrentExecution("recallfiles:results-import:{0}", 600)]
    public async Task<string> RunAsync(string practiceId, CancellationToken cancellationToken)
    {
        var r = await results.ImportAsync(practiceId, once: false, cancellationToken);
        if (r.Imported.Count > 0)
        {
            audit.Record("status-results", practiceId, $"files {string.Join(",", r.Imported)} OK={r.Applied} CONFLICT={r.Conflicted} ERROR={r.Failed} NOT_FOUND={r.NotFound}",
                AuditLog.Scheduler, "imported");
        }

        return $"{r.Imported.Count} result file(s): {r.Applied} applied, {r.Conflicted} conflicted, {r.Failed} failed, {r.NotFound} not found";
    }
}
