namespace RecallFiles.Importer.Pickup;

/// <summary>A drop box that is a folder of this machine (the embedded default and the benchmarks).</summary>
internal sealed class LocalFolderDropBox(string root) : IPickupDropBox
{
    public string Endpoint => root;

    public Task<IReadOnlyList<RemoteFile>> ListAsync(string folder, CancellationToken cancellationToken = default)
    {
        var path = Resolve(folder);
        if (!Directory.Exists(path))
        {
            return Task.FromResult<IReadOnlyList<RemoteFile>>([]);
        }

        IReadOnlyList<RemoteFile> files = [.. new DirectoryInfo(path).EnumerateFiles().Select(f => new RemoteFile(f.Name, f.Length, f.LastWriteTimeUtc))];
        return Task.FromResult(files);
    }

    public async Task<long> DownloadToFileAsync(string folder, string name, string localPath, CancellationToken cancellationToken = default)
    {
        var source = Path.Combine(Resolve(folder), name);
        var part = localPath + ".part";
        Directory.CreateDirectory(Path.GetDirectoryName(localPath)!);
        try
        {
            await using (var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous))
            await using (var output = new FileStream(part, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await input.CopyToAsync(output, cancellationToken);
                output.Flush(flushToDisk: true);
            }
        }
        catch (FileNotFoundException ex)
        {
            throw new RemoteFileMissingException($"{source} is not there", ex);
        }

        File.Move(part, localPath, overwrite: true);
        return new FileInfo(localPath).Length;
    }

    public Task MoveAsync(string fromFolder, string name, string toFolder, string newName, CancellationToken cancellationToken = default)
    {
        var target = Resolve(toFolder);
        Directory.CreateDirectory(target);
        try
        {
            File.Move(Path.Combine(Resolve(fromFolder), name), Path.Combine(target, newName), overwrite: true);
        }
        catch (FileNotFoundException ex)
        {
            throw new RemoteFileMissingException($"{Path.Combine(Resolve(fromFolder), name)} is not there", ex);
        }

        return Task.CompletedTask;
    }

    public Task<bool> DeleteAsync(string folder, string name, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(Resolve(folder), name);
        if (!File.Exists(path))
        {
            return Task.FromResult(false);
        }

        File.Delete(path);
        return Task.FromResult(true);
    }

    public async Task UploadAsync(string folder, string name, Stream content, CancellationToken cancellationToken = default)
    {
        var target = Resolve(folder);
        Directory.CreateDirectory(target);
        var part = Path.Combine(target, "." + name + ".part");
        await using (var output = new FileStream(part, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
        {
            await content.CopyToAsync(output, cancellationToken);
        }

        File.Move(part, Path.Combine(target, name), overwrite: true);
    }

    public Task<bool> ExistsAsync(string folder, string name, CancellationToken cancellationToken = default) =>
        Task.FromResult(File.Exists(Path.Combine(Resolve(folder), name)));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private string Resolve(string folder)
    {
        var trimmed = folder.Trim('/');
        if (trimmed.Split('/').Any(s => s is ".." or "."))
        {
            throw new ArgumentException($"folder '{folder}' must stay inside the drop box", nameof(folder));
        }

        return trimmed.Length == 0 ? root : Path.Combine(root, trimmed);
    }
}
