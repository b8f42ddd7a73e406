using Microsoft.Extensions.Logging;

namespace RecallFiles.Scheduler.Logging;

/// <summary>
/// The audit log (<c>{logs}/audit.log</c>): one line per batch, apply, replay and approve — what, when
/// (the line's time stamp, UTC in JSON), who (<c>dashboard:LOGIN</c>, <c>local(HOST)</c>, <c>cli:USER(HOST)</c> or
/// <c>scheduler(HOST)</c> — no <c>@</c>, which the masking would take for an e-mail).
/// It goes through the same masking layout as every other target.
/// </summary>
public sealed partial class AuditLog(ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger(RecallFilesLogging.AuditCategory);

    /// <summary>Who a scheduled job acts as.</summary>
    public static string Scheduler => $"scheduler({Environment.MachineName})";

    /// <summary>Who a CLI command acts as: the operating system account.</summary>
    public static string CommandLine => $"cli:{Environment.UserName}({Environment.MachineName})";

    /// <summary>Records <paramref name="action"/> (batch, apply, replay, approve, …) on <paramref name="subject"/> by <paramref name="who"/>.</summary>
    public void Record(string action, string practiceId, string subject, string who, string outcome) =>
        Audit(_logger, action, practiceId, subject, who, outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Action} practice={PracticeId} {Subject} by={Who} outcome={Outcome}")]
    private static partial void Audit(ILogger logger, string action, string practiceId, string subject, string who, string outcome);
}
