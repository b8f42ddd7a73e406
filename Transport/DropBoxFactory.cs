using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RecallFiles.Transport.Internal;

namespace RecallFiles.Transport;

/// <summary>Creates the drop box an options record describes.</summary>
public static class DropBoxFactory
{
    /// <summary>
    /// Creates a drop box; no connection is opened until the first operation. Throws a
    /// <see cref="DropBoxException"/> (<see cref="DropBoxError.Configuration"/>) that lists every problem of the options.
    /// </summary>
    public static IDropBox Create(DropBoxOptions options, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
            throw new DropBoxException(DropBoxError.Configuration, "The drop box configuration is not usable: " + string.Join(" ", problems));
        var time = timeProvider ?? TimeProvider.System;
        var log = logger ?? NullLogger.Instance;
        return options.Kind switch
        {
            DropBoxKind.Local => new LocalDropBox(options, time, log),
            DropBoxKind.Sftp => new SftpDropBox(options, time, log),
            DropBoxKind.Ftp or DropBoxKind.Ftps => new FtpDropBox(options, time, log),
            _ => throw new DropBoxException(DropBoxError.Configuration, $"{options.ConfigurationPath}:Kind must be Local, Sftp, Ftp or Ftps, not {options.Kind}."),
        };
    }
}
