using System.Buffers.Binary;

namespace RecallFiles.Importer.Loading;

/// <summary>A forward-only reader of a binary COPY stream with a buffer that always holds whole fields asked for.</summary>
internal sealed class CopyReader(Stream stream)
{
    private byte[] _buffer = new byte[1 << 16];
    private int _start;
    private int _end;

    public async ValueTask EnsureAsync(int bytes, CancellationToken cancellationToken)
    {
        if (_end - _start >= bytes)
        {
            return;
        }

        if (bytes > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(bytes, _buffer.Length * 2));
        }

        Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
        _end -= _start;
        _start = 0;
        while (_end < bytes)
        {
            var n = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (n == 0)
            {
                // The trailer may be all that is left: callers ask for more than they need.
                return;
            }

            _end += n;
        }
    }

    public ReadOnlySpan<byte> Take(int bytes)
    {
        if (_end - _start < bytes)
        {
            throw new InvalidDataException("the server's COPY output ended in the middle of a row");
        }

        var span = _buffer.AsSpan(_start, bytes);
        _start += bytes;
        return span;
    }

    public short Int16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));

    public int Int32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    public long Int64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));
}
