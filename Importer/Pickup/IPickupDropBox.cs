namespace RecallFiles.Importer.Pickup;

/// <summary>A file listed in a drop box folder.</summary>
internal sealed record RemoteFile(string Name, long Size, DateTime LastWriteTimeUtc);

/// <summary>
/// The drop box operations the pickup needs. TODO(transport): shaped after RecallFiles.Transport.IDropBox so that
/// the real SFTP/FTP/local drop boxes plug in once the Transport library is merged; until then only the local
/// folder below exists.
/// </summary>
internal interface IPickupDropBox : IAsyncDisposable
{
    string Endpoint { get; }

    Task<IReadOnlyList<RemoteFile>> ListAsync(string folder, CancellationToken cancellationToken = default);

    Task<long> DownloadToFileAsync(string folder, string name, string localPath, CancellationToken cancellationToken = default);

    Task MoveAsync(string fromFolder, string name, string toFolder, string newName, CancellationToken cancellationToken = default);

    Task<bool> DeleteAsync(string folder, string name, CancellationToken cancellationToken = default);

    Task UploadAsync(string folder, string name, Stream content, CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(string folder, string name, CancellationToken cancellationToken = default);
}

/// <summary>A remote file is not there (any more).</summary>
internal sealed class RemoteFileMissingException(string message, Exception? inner = null) : IOException(message, inner);
