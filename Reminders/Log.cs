using Microsoft.Extensions.Logging;

namespace RecallFiles.Reminders;

/// <summary>The reminder engine's log messages (source-generated; event ids 300-399). Addresses (phones, e-mails) are never an argument.</summary>
internal static partial class Log
{
    [LoggerMessage(301, LogLevel.Information, "Appointment {PracticeId}/{AppLid}: no allowed channel, no reminder")]
    public static partial void NoChannel(ILogger logger, string practiceId, string appLid);

    [LoggerMessage(302, LogLevel.Information, "Sent {Sent} message(s); {Failed} failed, {Suppressed} suppressed, {Retry} to retry")]
    public static partial void Sent(ILogger logger, int sent, int failed, int suppressed, int retry);

    [LoggerMessage(303, LogLevel.Information, "Appointment {PracticeId}/{AppLid}: language '{Language}' has no templates, written in '{Fallback}'")]
    public static partial void LanguageFallback(ILogger logger, string practiceId, string appLid, string language, string fallback);

    [LoggerMessage(304, LogLevel.Warning, "Message {ReminderId} ({Channel}) failed: {Reason}")]
    public static partial void SendFailed(ILogger logger, long reminderId, string channel, string reason);

    [LoggerMessage(305, LogLevel.Warning, "{Count} message(s) left 'sending' by an interrupted run: failed as outcome unknown, not sent again")]
    public static partial void Interrupted(ILogger logger, int count);

    [LoggerMessage(306, LogLevel.Information, "Reply from {Address} on {Channel}: {Outcome} ({PracticeId}/{AppLid})")]
    public static partial void Reply(ILogger logger, string address, string channel, string outcome, string practiceId, string appLid);
}
