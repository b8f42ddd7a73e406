using Microsoft.Extensions.Logging;

namespace RecallFiles.Transport.Internal;

/// <summary>
/// A folder on this machine or a UNC/SMB share. Replace-on-rename is <see cref="File.Move(string, string, bool)"/>
/// with overwrite (rename(2) on Linux, MoveFileEx with MOVEFILE_REPLACE_EXISTING on Windows).
/// </summary>
internal sealed class LocalDropBox(DropBoxOptions options, TimeProvider time, ILogger logger)
    : DropBoxBase(options, time, logger)
{
    private readonly string _root = Path.GetFullPath(options.RootPath);

    protected override string PathOf(IReadOnlyList<string> folder, string? name = null)
    {
        var path = folder.Count == 0 ? _root : Path.Combine([_root, .. folder]);
        return name is null ? path : Path.Combine(path, name);
    }

    protected override Task<IReadOnlyList<RemoteFileInfo>> ListCoreAsync(IReadOnlyList<string> folder, CancellationToken cancellationToken)
    {
        RefuseLinkedFolder(folder);
        var directory = new DirectoryInfo(PathOf(folder));
        var files = new List<RemoteFileInfo>();
        foreach (var file in directory.EnumerateFiles())
        {
            cancellationToken.ThrowIfCancellationRequested();
            RemoteFileInfo info;
            try
            {
                // A link is listed as a link (its own size and time, never its target's) and never opened.
                info = NoFollow.IsLink(file)
                    ? new RemoteFileInfo(file.Name, 0, File.GetLastWriteTimeUtc(file.FullName), IsLink: true)
                    : new RemoteFileInfo(file.Name, file.Length, file.LastWriteTimeUtc);
            }
            catch (FileNotFoundException)
            {
                // Renamed or deleted between the directory read and its stat (an upload's .part becoming
                // its final name): it is no longer in the folder, so it is not in the listing either.
                continue;
            }

            files.Add(info);
        }

        return Task.FromResult<IReadOnlyList<RemoteFileInfo>>(files);
    }

    // A folder below the root that is itself a link would let a tenant read (or fill) another tenant's folder.
    private void RefuseLinkedFolder(IReadOnlyList<string> folder)
    {
        var path = _root;
        foreach (var part in folder)
        {
            path = Path.Combine(path, part);
            if (NoFollow.IsLink(new DirectoryInfo(path)))
                throw new NoFollow.LinkRefusedException(path);
        }
    }

    protected override async Task WriteCoreAsync(IReadOnlyList<string> folder, string name, Stream content, CancellationToken cancellationToken)
    {
        var path = PathOf(folder, name);
        if (!Directory.Exists(PathOf(folder)))
            throw new DirectoryNotFoundException(PathOf(folder));
        // Created without following a link: a tenant's link at this name would otherwise make us overwrite its target.
        await using var file = NoFollow.OpenWrite(path);
        await content.CopyToAsync(file, 1 << 20, cancellationToken);
        await file.FlushAsync(cancellationToken);
        // The bytes reach the disk before the rename makes them visible under the final name.
        file.Flush(flushToDisk: true);
    }

    protected override async Task ReadCoreAsync(IReadOnlyList<string> folder, string name, Stream destination, CancellationToken cancellationToken)
    {
        RefuseLinkedFolder(folder);
        // Opened without following a link: a file swapped for a link after the listing is refused, not read.
        await using var file = NoFollow.OpenRead(PathOf(folder, name));
        await file.CopyToAsync(destination, 1 << 20, cancellationToken);
    }

    protected override Task<long?> SizeCoreAsync(IReadOnlyList<string> folder, string name, CancellationToken cancellationToken)
    {
        var file = new FileInfo(PathOf(folder, name));
        if (!file.Directory!.Exists)
            throw new DirectoryNotFoundException(file.DirectoryName);
        return Task.FromResult(file.Exists ? file.Length : (long?)null);
    }

    protected override Task RenameCoreAsync(IReadOnlyList<string> fromFolder, string name, IReadOnlyList<string> toFolder, string newName, CancellationToken cancellationToken)
    {
        File.Move(PathOf(fromFolder, name), PathOf(toFolder, newName), overwrite: true);
        return Task.CompletedTask;
    }

    protected override Task<bool> DeleteCoreAsync(IReadOnlyList<string> folder, string name, CancellationToken cancellationToken)
    {
        var path = PathOf(folder, name);
        if (!File.Exists(path))
        {
            if (!Directory.Exists(PathOf(folder)))
                throw new DirectoryNotFoundException(PathOf(folder));
            return Task.FromResult(false);
        }

        File.Delete(path);
        return Task.FromResult(true);
    }

    protected override Task EnsureFolderCoreAsync(IReadOnlyList<string> folder, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_root))
            throw new DirectoryNotFoundException(_root);
        Directory.CreateDirectory(PathOf(folder));
        return Task.CompletedTask;
    }

    protected override DropBoxException Translate(Exception exception, string operation, string target) => exception switch
    {
        DirectoryNotFoundException => Failure(DropBoxError.FolderMissing,
            $"Folder of '{target}' does not exist ({operation}); create it, or fix {Options.ConfigurationPath}:RootPath (now '{Options.RootPath}').", exception),
        FileNotFoundException => Failure(DropBoxError.FileMissing, $"File '{target}' does not exist ({operation}).", exception),
        UnauthorizedAccessException => Failure(DropBoxError.PermissionDenied,
            $"Access to '{target}' was denied ({operation}); give the account running RecallFiles read and write access to {Options.RootPath}.", exception),
        NoFollow.LinkRefusedException => Failure(DropBoxError.Refused,
            $"'{target}' is a symbolic link (or reparse point) and is never followed ({operation}); replace it with the file or folder itself.", exception),
        PathTooLongException => Failure(DropBoxError.InvalidName, $"Path '{target}' is too long ({operation}).", exception),
        // Other I/O errors on a share are usually the network (SMB session lost, server restarting): retried.
        IOException => Failure(DropBoxError.Network, $"{operation} of '{target}' failed: {exception.Message}", exception),
        _ => Failure(DropBoxError.Refused, $"{operation} of '{target}' failed: {exception.Message}", exception),
    };
}
