namespace RecallFiles.Transport;

/// <summary>A regular file in a drop box folder, as the server lists it.</summary>
/// <param name="Name">The file name, without folder.</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="LastWriteTimeUtc">
/// The modification time the server reports, in UTC. Its precision depends on the protocol: SFTP and local
/// folders give seconds or better, an FTP <c>LIST</c> gives minutes.
/// </param>
public sealed record RemoteFileInfo(string Name, long Size, DateTime LastWriteTimeUtc);
