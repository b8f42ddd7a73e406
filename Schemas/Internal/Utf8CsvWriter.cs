using System.Buffers;
using System.Text;

namespace RecallFiles.Schemas.Internal;

/// <summary>
/// The written dialect (<see cref="CsvDialect.Written"/>) encoded straight from the values into a UTF-8 buffer: comma,
/// CRLF after every record, a field quoted only when it holds a comma, a quote, CR or LF (quotes doubled), null and
/// empty both an empty field, no BOM, invalid UTF-16 replaced by U+FFFD as <see cref="Encoding.UTF8"/> does. The same
/// bytes CsvHelper 34's writer produced with those options (Utf8CsvWriterTests compares them); issue 18: one pass over
/// each value, no per-row array, no per-field call through the general writer.
/// </summary>
internal sealed class Utf8CsvWriter(Stream stream, bool leaveOpen) : IDisposable, IAsyncDisposable
{
    private static readonly SearchValues<char> NeedsQuotes = SearchValues.Create(",\"\r\n");

    private byte[] _buffer = new byte[1 << 16];
    private int _length;
    private bool _disposed;

    /// <summary>Writes one record: the fields <c>values[indexes[0]]</c>, <c>values[indexes[1]]</c>, ….</summary>
    public void WriteRecord(string?[] values, int[] indexes)
    {
        for (var i = 0; i < indexes.Length; i++)
        {
            if (i > 0)
            {
                Ensure(1);
                _buffer[_length++] = (byte)',';
            }

            WriteField(values[indexes[i]]);
        }

        if (indexes.Length == 1 && string.IsNullOrEmpty(values[indexes[0]]))
        {
            // A record whose only field is empty would read as an empty line.
            WriteQuoted("");
        }

        Ensure(2);
        _buffer[_length++] = (byte)'\r';
        _buffer[_length++] = (byte)'\n';
    }

    private void WriteField(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        if (value.AsSpan().ContainsAny(NeedsQuotes))
        {
            WriteQuoted(value);
            return;
        }

        WriteText(value);
    }

    private void WriteQuoted(ReadOnlySpan<char> value)
    {
        Ensure(1);
        _buffer[_length++] = (byte)'"';
        while (true)
        {
            var quote = value.IndexOf('"');
            if (quote < 0)
            {
                WriteText(value);
                break;
            }

            WriteText(value[..(quote + 1)]);
            Ensure(1);
            _buffer[_length++] = (byte)'"';   // the quote doubled
            value = value[(quote + 1)..];
        }

        Ensure(1);
        _buffer[_length++] = (byte)'"';
    }

    private void WriteText(ReadOnlySpan<char> value)
    {
        // A UTF-16 code unit is at most 3 UTF-8 bytes (a surrogate pair is 4 bytes for 2 units). Encoding one slice
        // at a time keeps a split surrogate pair from being written as two U+FFFD: slices end before a high surrogate.
        while (!value.IsEmpty)
        {
            var take = Math.Min(value.Length, _buffer.Length / 3);
            if (take < value.Length && char.IsHighSurrogate(value[take - 1]))
            {
                take--;
            }

            Ensure(take * 3);
            _length += Encoding.UTF8.GetBytes(value[..take], _buffer.AsSpan(_length));
            value = value[take..];
        }
    }

    private void Ensure(int bytes)
    {
        if (_buffer.Length - _length >= bytes)
        {
            return;
        }

        WriteBuffer();
        if (_buffer.Length < bytes)
        {
            _buffer = new byte[bytes];
        }
    }

    private void WriteBuffer()
    {
        stream.Write(_buffer, 0, _length);
        _length = 0;
    }

    /// <summary>Writes the buffered bytes to the stream and flushes it.</summary>
    public void Flush()
    {
        WriteBuffer();
        stream.Flush();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Flush();
        if (!leaveOpen)
        {
            stream.Dispose();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await stream.WriteAsync(_buffer.AsMemory(0, _length));
        _length = 0;
        await stream.FlushAsync();
        if (!leaveOpen)
        {
            await stream.DisposeAsync();
        }
    }
}
