namespace RecallFiles.Transport;

/// <summary>
/// One drop box (an SFTP, FTP/FTPS or local folder tree below <see cref="DropBoxOptions.RootPath"/>). Folder arguments
/// are relative to the root, with <c>/</c> between segments (<c>""</c> is the root itself); names are single file
/// names. A drop box holds at most one connection, reused by its operations and reopened after a drop; operations on
/// one instance run one at a time. Transient failures are retried with backoff; every failure surfaces as
/// <see cref="DropBoxException"/>.
/// </summary>
public interface IDropBox : IAsyncDisposable
{
    /// <summary>Where the drop box is, for messages (no secrets).</summary>
    string Endpoint { get; }

    /// <summary>The regular files of a folder (no folders, links or <c>.</c>/<c>..</c>), in no particular order.</summary>
    Task<IReadOnlyList<RemoteFileInfo>> ListAsync(string folder, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes <paramref name="content"/> (from its current position to its end) under a temporary name
    /// (<c>.NAME.part</c>) and renames it onto <paramref name="name"/>, replacing an existing file. Readers never see
    /// <paramref name="name"/> before all bytes are written; an interrupted upload leaves no file under that name
    /// (a stale <c>.NAME.part</c> at most, which pickup ignores and the next upload overwrites).
    /// A seekable stream is rewound for a retry; a non-seekable one is not retried. With
    /// <see cref="DropBoxOptions.RequireDoneFile"/>, an empty <c>NAME.done</c> marker is written after the rename (not for
    /// a name that is itself a marker), so a reader that waits for the marker never sees a partial file.
    /// </summary>
    Task UploadAsync(string folder, string name, Stream content, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams a file into <paramref name="destination"/> and checks the byte count against the file's size. On failure
    /// the destination may hold part of the file: discard it. A seekable destination is truncated back for a retry;
    /// a non-seekable one is not retried. Returns the number of bytes written.
    /// </summary>
    Task<long> DownloadAsync(string folder, string name, Stream destination, CancellationToken cancellationToken = default);

    /// <summary>
    /// Downloads a file to <paramref name="localPath"/> through <c>localPath.part</c>, renamed only when the whole file
    /// arrived: an interrupted download is never handed on under <paramref name="localPath"/>.
    /// </summary>
    Task<long> DownloadToFileAsync(string folder, string name, string localPath, CancellationToken cancellationToken = default);

    /// <summary>Moves or renames a file within the drop box, replacing a file of the target name.</summary>
    Task MoveAsync(string fromFolder, string name, string toFolder, string newName, CancellationToken cancellationToken = default);

    /// <summary>Deletes a file; returns <see langword="false"/> when it was not there.</summary>
    Task<bool> DeleteAsync(string folder, string name, CancellationToken cancellationToken = default);

    /// <summary>Creates a folder (and its missing parents) below the root; the root itself must exist.</summary>
    Task EnsureFolderAsync(string folder, CancellationToken cancellationToken = default);

    /// <summary>Whether a file exists.</summary>
    Task<bool> ExistsAsync(string folder, string name, CancellationToken cancellationToken = default);
}
