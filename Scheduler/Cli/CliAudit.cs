using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Logging;

namespace RecallFiles.Scheduler.Cli;

/// <summary>
/// The audit line of a CLI verb that changes state (issue 12), by <c>cli:USER(HOST)</c>. <see cref="StateChangingVerbs"/>
/// lists them; every other verb only reads (a test walks the verbs and holds both lists to it).
/// </summary>
internal static class CliAudit
{
    /// <summary>The verbs that change something (files uploaded, rows written, keys issued), each audited.</summary>
    public static readonly IReadOnlyList<string> StateChangingVerbs =
        ["export", "import", "reply", "replay", "replay-failed", "approve", "discard", "status-apply", "status-export", "status-results", "api-key create", "api-key revoke", "run", "stop",
         "alerts snooze", "alerts unsnooze", "practices add", "practices edit", "practices disable", "practices enable"];

    public static void Record(RecallFilesSettings settings, string verb, string practiceId, string subject, string outcome) =>
        new AuditLog(settings.LogFolder).Record(verb, practiceId, subject, AuditLog.CommandLine, outcome);
}
