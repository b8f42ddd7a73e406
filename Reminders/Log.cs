using Microsoft.Extensions.Logging;

namespace RecallFiles.Reminders;

/// <summary>The reminder engine's log messages (source-generated; event ids 300-399). Addresses (phones, e-mails) are never an argument.</summary>
internal static partial class Log
{
    [LoggerMessage(301, LogLevel.Information, "Appointment {PracticeId}/{AppLid}: no allowed channel, no reminder")]
    public static partial void NoChannel(ILogger logger, string practiceId, string appLid);

    [LoggerMessage(302, LogLevel.Information, "Sent {Count} reminder(s) to the outbox")]
    public static partial void Sent(ILogger logger, int count);
}
