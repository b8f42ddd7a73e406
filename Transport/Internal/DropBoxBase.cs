using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace RecallFiles.Transport.Internal;

/// <summary>
/// What every drop box shares: argument checks (names that are never opened), the atomic upload protocol, byte-count
/// checks, one operation at a time, and retries of transient failures with exponential backoff and jitter (Polly).
/// Implementations supply the protocol primitives and translate their exceptions into <see cref="DropBoxException"/>.
/// </summary>
internal abstract class DropBoxBase : IDropBox
{
    private readonly ResiliencePipeline _retry;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _disposed;

    protected DropBoxBase(DropBoxOptions options, TimeProvider time, ILogger logger)
    {
        Options = options;
        Time = time;
        Logger = logger;
        _retry = options.RetryCount == 0
            ? ResiliencePipeline.Empty
            : new ResiliencePipelineBuilder { TimeProvider = time }
                .AddRetry(new RetryStrategyOptions
                {
                    ShouldHandle = new PredicateBuilder().Handle<DropBoxException>(e => e.IsTransient),
                    MaxRetryAttempts = options.RetryCount,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = options.RetryBaseDelay,
                    MaxDelay = options.RetryMaxDelay,
                    OnRetry = args =>
                    {
                        var failure = args.Outcome.Exception as DropBoxException;
                        Log.Retrying(Logger, Endpoint, failure?.Data["Operation"] as string ?? "operation",
                            failure?.Data["Target"] as string ?? "", args.AttemptNumber + 1, args.RetryDelay,
                            args.Outcome.Exception?.Message ?? "");
                        return default;
                    },
                })
                .Build();
    }

    public string Endpoint => Options.Endpoint;

    protected DropBoxOptions Options { get; }

    protected TimeProvider Time { get; }

    protected ILogger Logger { get; }

    /// <summary>The protocol's path of a folder (segments below the root) or of a file in it.</summary>
    protected abstract string PathOf(IReadOnlyList<string> folder, string? name = null);

    protected abstract Task<IReadOnlyList<RemoteFileInfo>> ListCoreAsync(IReadOnlyList<string> folder, CancellationToken cancellationToken);

    /// <summary>Writes a whole file, creating or truncating it.</summary>
    protected abstract Task WriteCoreAsync(IReadOnlyList<string> folder, string name, Stream content, CancellationToken cancellationToken);

    protected abstract Task ReadCoreAsync(IReadOnlyList<string> folder, string name, Stream destination, CancellationToken cancellationToken);

    /// <summary>The size of a file, or <see langword="null"/> when it does not exist.</summary>
    protected abstract Task<long?> SizeCoreAsync(IReadOnlyList<string> folder, string name, CancellationToken cancellationToken);

    /// <summary>Renames a file, replacing the target.</summary>
    protected abstract Task RenameCoreAsync(IReadOnlyList<string> fromFolder, string name, IReadOnlyList<string> toFolder, string newName, CancellationToken cancellationToken);

    protected abstract Task<bool> DeleteCoreAsync(IReadOnlyList<string> folder, string name, CancellationToken cancellationToken);

    protected abstract Task EnsureFolderCoreAsync(IReadOnlyList<string> folder, CancellationToken cancellationToken);

    /// <summary>Turns a protocol exception into a <see cref="DropBoxException"/> that says what to fix.</summary>
    protected abstract DropBoxException Translate(Exception exception, string operation, string target);

    protected virtual ValueTask DisposeCoreAsync() => default;

    public Task<IReadOnlyList<RemoteFileInfo>> ListAsync(string folder, CancellationToken cancellationToken = default)
    {
        var segments = CheckFolder(folder);
        return RunAsync("list", PathOf(segments), true, null, token => ListCoreAsync(segments, token), cancellationToken);
    }

    public Task UploadAsync(string folder, string name, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var segments = CheckFolder(folder);
        CheckName(name);
        if (FileNameRules.IsTemporary(name))
            ThrowInvalid(name, "it is a temporary name (dot-file, *.part, *.tmp, ~*) that pickup ignores");
        var temporary = FileNameRules.TemporaryNameFor(name);
        var start = content.CanSeek ? content.Position : 0;
        return RunAsync("upload", PathOf(segments, name), content.CanSeek,
            () => content.Position = start,
            async token =>
            {
                var counting = new CountingStream(content);
                try
                {
                    await WriteCoreAsync(segments, temporary, counting, token);
                    var written = await SizeCoreAsync(segments, temporary, token);
                    if (written != counting.Count)
                    {
                        throw new DropBoxException(DropBoxError.IncompleteTransfer,
                            $"Upload of '{PathOf(segments, name)}' to {Endpoint} is incomplete: sent {counting.Count} bytes, the server has {written?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no"} bytes.");
                    }

                    await RenameCoreAsync(segments, temporary, segments, name, token);
                    if (Options.RequireDoneFile && !FileNameRules.IsDoneMarker(name))
                    {
                        // The reader takes NAME only once NAME.done exists (SafePickup): write it after the rename, never before.
                        await WriteCoreAsync(segments, name + FileNameRules.DoneSuffix, Stream.Null, token);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    var failure = ex as DropBoxException ?? Translate(ex, "upload", PathOf(segments, name));
                    // When the connection still works, do not leave the temporary file behind.
                    if (!IsNetworkFailure(failure))
                        await RemoveTemporaryAsync(segments, temporary);
                    throw failure;
                }

                return true;
            },
            cancellationToken);
    }

    public Task<long> DownloadAsync(string folder, string name, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var segments = CheckFolder(folder);
        CheckName(name);
        var start = destination.CanSeek ? destination.Position : 0;
        return RunAsync("download", PathOf(segments, name), destination.CanSeek,
            () =>
            {
                destination.SetLength(start);
                destination.Position = start;
            },
            async token =>
            {
                var expected = await SizeCoreAsync(segments, name, token)
                    ?? throw new DropBoxException(DropBoxError.FileMissing, $"File '{PathOf(segments, name)}' does not exist on {Endpoint}.");
                var counting = new CountingStream(destination);
                await ReadCoreAsync(segments, name, counting, token);
                if (counting.Count != expected)
                {
                    throw new DropBoxException(DropBoxError.IncompleteTransfer,
                        $"Download of '{PathOf(segments, name)}' from {Endpoint} is incomplete: received {counting.Count} of {expected} bytes.");
                }

                return counting.Count;
            },
            cancellationToken);
    }

    public async Task<long> DownloadToFileAsync(string folder, string name, string localPath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        var partial = localPath + ".part";
        long length;
        try
        {
            await using (var file = new FileStream(partial, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true))
            {
                length = await DownloadAsync(folder, name, file, cancellationToken);
                await file.FlushAsync(cancellationToken);
            }

            File.Move(partial, localPath, overwrite: true);
        }
        catch (Exception)
        {
            // An interrupted download is never handed on: only the complete file gets the final name.
            File.Delete(partial);
            throw;
        }

        return length;
    }

    public Task MoveAsync(string fromFolder, string name, string toFolder, string newName, CancellationToken cancellationToken = default)
    {
        var from = CheckFolder(fromFolder);
        var to = CheckFolder(toFolder);
        CheckName(name);
        CheckName(newName);
        return RunAsync("move", $"{PathOf(from, name)} -> {PathOf(to, newName)}", true, null,
            async token =>
            {
                await RenameCoreAsync(from, name, to, newName, token);
                return true;
            },
            cancellationToken);
    }

    public Task<bool> DeleteAsync(string folder, string name, CancellationToken cancellationToken = default)
    {
        var segments = CheckFolder(folder);
        CheckName(name);
        return RunAsync("delete", PathOf(segments, name), true, null, token => DeleteCoreAsync(segments, name, token), cancellationToken);
    }

    public Task EnsureFolderAsync(string folder, CancellationToken cancellationToken = default)
    {
        var segments = CheckFolder(folder);
        return RunAsync("create folder", PathOf(segments), true, null,
            async token =>
            {
                await EnsureFolderCoreAsync(segments, token);
                return true;
            },
            cancellationToken);
    }

    public Task<bool> ExistsAsync(string folder, string name, CancellationToken cancellationToken = default)
    {
        var segments = CheckFolder(folder);
        CheckName(name);
        return RunAsync("stat", PathOf(segments, name), true, null,
            async token => await SizeCoreAsync(segments, name, token) is not null, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        await _gate.WaitAsync();
        try
        {
            await DisposeCoreAsync();
        }
        finally
        {
            _gate.Release();
            _gate.Dispose();
        }
    }

    /// <summary>Whether a failure means the connection is gone (so no clean-up is attempted on it).</summary>
    private static bool IsNetworkFailure(DropBoxException exception) =>
        exception.Error is DropBoxError.Network or DropBoxError.Timeout;

    protected DropBoxException Failure(DropBoxError error, string message, Exception? inner = null) => new(error, message, inner);

    private async Task<T> RunAsync<T>(string operation, string target, bool retryable, Action? rewind,
        Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken);
        var attempts = 0;
        var started = Stopwatch.GetTimestamp();
        try
        {
            var pipeline = retryable ? _retry : ResiliencePipeline.Empty;
            var result = await pipeline.ExecuteAsync(async token =>
            {
                if (++attempts > 1)
                    rewind?.Invoke();
                try
                {
                    return await action(token);
                }
                catch (DropBoxException ex)
                {
                    ex.Data["Operation"] = operation;
                    ex.Data["Target"] = target;
                    throw;
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception ex)
                {
                    var translated = Translate(ex, operation, target);
                    translated.Data["Operation"] = operation;
                    translated.Data["Target"] = target;
                    throw translated;
                }
            }, cancellationToken);
            Log.Completed(Logger, Endpoint, operation, target, Stopwatch.GetElapsedTime(started));
            return result;
        }
        catch (DropBoxException ex)
        {
            ex.Attempts = attempts;
            Log.Failed(Logger, Endpoint, operation, target, attempts, ex.Message);
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RemoveTemporaryAsync(IReadOnlyList<string> folder, string temporary)
    {
        try
        {
            await DeleteCoreAsync(folder, temporary, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Pickup ignores dot-files and the next upload overwrites it; say so and keep the original failure.
            Log.CleanupFailed(Logger, Endpoint, PathOf(folder, temporary), ex.Message);
        }
    }

    private IReadOnlyList<string> CheckFolder(string folder)
    {
        var problem = FileNameRules.FolderProblem(folder, out var segments);
        if (problem is not null)
            ThrowInvalid(folder, problem);
        return segments;
    }

    private static void CheckName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var problem = FileNameRules.Problem(name);
        if (problem is not null)
            ThrowInvalid(name, problem);
    }

    [DoesNotReturn]
    private static void ThrowInvalid(string name, string problem) =>
        throw new DropBoxException(DropBoxError.InvalidName, $"'{FileNameRules.Printable(name)}' is never opened: {problem}.");
}
