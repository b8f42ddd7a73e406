using Microsoft.Extensions.Logging;

namespace RecallFiles.Exporter;

/// <summary>
/// The exporter's log messages (source-generated; event ids 100-199). Property names as everywhere in RecallFiles:
/// <c>{PracticeId}</c>, <c>{FileName}</c>. No phone or e-mail is ever an argument.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(101, LogLevel.Information,
        "Export {PracticeId}: {Rows} appointments in [{WindowStart:O}, {WindowEnd:O}) written to {FileName} (sha256 {Sha256}){Uploaded}; {DroppedPhones} implausible phones and {DroppedEmails} e-mails left empty")]
    public static partial void Exported(ILogger logger, string practiceId, long rows, DateTimeOffset windowStart, DateTimeOffset windowEnd, string fileName, string sha256,
        string uploaded, int droppedPhones, int droppedEmails);

    [LoggerMessage(102, LogLevel.Error, "Export {PracticeId} failed: {Reason}")]
    public static partial void ExportFailed(ILogger logger, string practiceId, string reason, Exception? exception = null);
}
