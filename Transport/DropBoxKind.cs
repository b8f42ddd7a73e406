namespace RecallFiles.Transport;

/// <summary>The protocol a drop box is reached with.</summary>
public enum DropBoxKind
{
    /// <summary>A folder on this machine or a UNC/SMB share (<c>\\server\share\inbox</c>).</summary>
    Local,

    /// <summary>SFTP (SSH File Transfer Protocol) with a pinned host key.</summary>
    Sftp,

    /// <summary>Plain FTP, passive mode. Credentials and data travel unencrypted: use only on a trusted network.</summary>
    Ftp,

    /// <summary>Explicit FTPS (<c>AUTH TLS</c> on the FTP port), passive mode, certificate validated.</summary>
    Ftps,
}
