namespace RecallFiles.Transport;

/// <summary>A file in a drop box folder, as the server lists it (a regular file, or a link to one: never opened).</summary>
/// <param name="Name">The file name, without folder.</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="LastWriteTimeUtc">
/// The modification time the server reports, in UTC. Its precision depends on the protocol: SFTP and local
/// folders give seconds or better, an FTP <c>LIST</c> gives minutes.
/// </param>
/// <param name="IsLink">
/// A symbolic link (or a Windows reparse point) rather than a file: listed so it can be reported, never opened — a
/// link lets whoever can write to the folder point the importer at a file they cannot read themselves (issue 13).
/// </param>
public sealed record RemoteFileInfo(string Name, long Size, DateTime LastWriteTimeUtc, bool IsLink = false);
