namespace RecallFiles.Transport;

/// <summary>Why a drop box operation failed; <see cref="DropBoxException.IsTransient"/> follows from it.</summary>
public enum DropBoxError
{
    /// <summary>The server could not be reached or the connection dropped (transient: retried).</summary>
    Network,

    /// <summary>The server did not answer in time (transient: retried).</summary>
    Timeout,

    /// <summary>A transfer ended with fewer or more bytes than the file has (transient: retried).</summary>
    IncompleteTransfer,

    /// <summary>The SFTP server presented a host key that is not pinned (permanent).</summary>
    HostKeyNotPinned,

    /// <summary>The FTPS server's TLS certificate is not trusted and not pinned (permanent).</summary>
    CertificateRejected,

    /// <summary>The server refused the user name, key or password (permanent).</summary>
    AuthenticationFailed,

    /// <summary>The server denied the operation on that path (permanent).</summary>
    PermissionDenied,

    /// <summary>The folder does not exist (permanent).</summary>
    FolderMissing,

    /// <summary>The file does not exist (permanent).</summary>
    FileMissing,

    /// <summary>A file or folder name that is never opened: path separators, <c>..</c>, control characters, too long (permanent).</summary>
    InvalidName,

    /// <summary>The drop box configuration is incomplete or wrong, or a key file cannot be read (permanent).</summary>
    Configuration,

    /// <summary>The server refused the operation for another reason, given in the message (permanent).</summary>
    Refused,
}
