using Microsoft.Extensions.Logging;

namespace RecallFiles.Importer.Feed;

/// <summary>The feed's log messages (source-generated; event ids 200-299). No phone or e-mail is ever an argument.</summary>
internal static partial class Log
{
    [LoggerMessage(201, LogLevel.Warning, "Webhook delivery {Delivery} attempt {Attempt} failed: {Error}")]
    public static partial void WebhookAttemptFailed(ILogger logger, string delivery, int attempt, string error);
}
