namespace RecallFiles.Tests.Transport;

/// <summary>
/// Wraps a stream and, once <paramref name="gateAt"/> bytes passed, signals <see cref="Reached"/> and waits for
/// <see cref="Release"/>: the test kills the server at a known point of a real transfer. Not seekable, so the drop box
/// does not retry through it.
/// </summary>
internal sealed class GatedStream(Stream inner, long gateAt) : Stream
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _passed;

    public Task Reached => _reached.Task;

    public long Passed => _passed;

    public void Release() => _released.TrySetResult();

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _passed;
        set => throw new NotSupportedException();
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count)
    {
        Gate();
        var read = inner.Read(buffer, offset, count);
        _passed += read;
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await GateAsync();
        var read = await inner.ReadAsync(buffer, cancellationToken);
        _passed += read;
        return read;
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        Gate();
        inner.Write(buffer, offset, count);
        _passed += count;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await GateAsync();
        await inner.WriteAsync(buffer, cancellationToken);
        _passed += buffer.Length;
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Gate()
    {
        if (_passed < gateAt)
            return;
        _reached.TrySetResult();
        _released.Task.Wait(TimeSpan.FromSeconds(30));
    }

    private async Task GateAsync()
    {
        if (_passed < gateAt)
            return;
        _reached.TrySetResult();
        await _released.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
