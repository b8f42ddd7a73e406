using Microsoft.Extensions.Logging;

namespace RecallFiles.Transport.Internal;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning, "Drop box {Endpoint}: {Operation} of '{Target}' failed (attempt {Attempt}), retrying in {Delay}: {Reason}")]
    public static partial void Retrying(ILogger logger, string endpoint, string operation, string target, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(2, LogLevel.Error, "Drop box {Endpoint}: {Operation} of '{Target}' failed after {Attempts} attempt(s): {Reason}")]
    public static partial void Failed(ILogger logger, string endpoint, string operation, string target, int attempts, string reason);

    [LoggerMessage(3, LogLevel.Information, "Drop box {Endpoint}: connected ({Detail})")]
    public static partial void Connected(ILogger logger, string endpoint, string detail);

    [LoggerMessage(4, LogLevel.Warning, "Drop box {Endpoint}: could not remove the temporary file '{Target}' after a failed upload: {Reason}")]
    public static partial void CleanupFailed(ILogger logger, string endpoint, string target, string reason);

    [LoggerMessage(5, LogLevel.Information, "Drop box {Endpoint}: connection dropped ({Reason}); the next operation reconnects")]
    public static partial void ConnectionDropped(ILogger logger, string endpoint, string reason);

    [LoggerMessage(6, LogLevel.Warning, "Drop box {Endpoint}: the server refused to rename onto the existing '{Target}'; deleted it and renamed again (not atomic on this server)")]
    public static partial void NonAtomicReplace(ILogger logger, string endpoint, string target);

    [LoggerMessage(7, LogLevel.Debug, "Drop box {Endpoint}: {Operation} of '{Target}' took {Elapsed}")]
    public static partial void Completed(ILogger logger, string endpoint, string operation, string target, TimeSpan elapsed);

    [LoggerMessage(8, LogLevel.Warning, "Drop box {Endpoint}: {Folder}/{FileName} is never opened: {Reason}")]
    public static partial void NeverOpened(ILogger logger, string endpoint, string folder, string fileName, string reason);

    [LoggerMessage(9, LogLevel.Warning, "Drop box {Endpoint}: inbox {Folder}: {Message}; the next run retries")]
    public static partial void LeftForNextRun(ILogger logger, Exception exception, string endpoint, string folder, string message);
}
