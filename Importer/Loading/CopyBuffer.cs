using System.Buffers.Binary;
using System.Text;

namespace RecallFiles.Importer.Loading;

/// <summary>
/// Builds rows in PostgreSQL's binary COPY format (a 16-bit field count, then per field a 32-bit length, -1 for null,
/// and the value's binary form) in one growable buffer, so a chunk of rows goes to the server as a few large writes
/// (<see cref="Npgsql.NpgsqlConnection.BeginRawBinaryCopyAsync"/>). Writing the format by hand costs a fraction of a
/// typed importer call per field, and the bytes of a row's values double as the input of its content hash.
/// Formats: https://www.postgresql.org/docs/current/sql-copy.html (binary format) and each type's send function.
/// </summary>
internal sealed class CopyBuffer
{
    /// <summary>The file header: signature, flags (no OIDs) and header extension length 0.</summary>
    public static ReadOnlySpan<byte> Header => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xff, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>The file trailer: a field count of -1.</summary>
    public static ReadOnlySpan<byte> Trailer => [0xff, 0xff];

    private static readonly long PostgresEpochTicks = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Unspecified).Ticks;
    private static readonly int PostgresEpochDay = new DateOnly(2000, 1, 1).DayNumber;

    private byte[] _buffer;

    public CopyBuffer(int capacity = 1 << 16) => _buffer = new byte[capacity];

    /// <summary>Bytes written.</summary>
    public int Length { get; private set; }

    /// <summary>Rows started.</summary>
    public int Rows { get; private set; }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    /// <summary>The bytes written so far, as memory (for an async write).</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, Length);

    /// <summary>Forgets what was written; keeps the buffer.</summary>
    public void Clear()
    {
        Length = 0;
        Rows = 0;
    }

    /// <summary>Starts a row of <paramref name="fields"/> fields.</summary>
    public void StartRow(short fields)
    {
        BinaryPrimitives.WriteInt16BigEndian(Reserve(2), fields);
        Length += 2;
        Rows++;
    }

    /// <summary>A null of any type.</summary>
    public void Null()
    {
        BinaryPrimitives.WriteInt32BigEndian(Reserve(4), -1);
        Length += 4;
    }

    /// <summary>A <c>text</c> (or <c>json</c>) value, or null.</summary>
    public void Text(string? value)
    {
        if (value is null)
        {
            Null();
            return;
        }

        var span = Reserve(4 + Encoding.UTF8.GetMaxByteCount(value.Length));
        var n = Encoding.UTF8.GetBytes(value, span[4..]);
        BinaryPrimitives.WriteInt32BigEndian(span, n);
        Length += 4 + n;
    }

    /// <summary>A <c>text</c> or <c>json</c> value given as UTF-8 bytes.</summary>
    public void Utf8(ReadOnlySpan<byte> value)
    {
        var span = Reserve(4 + value.Length);
        BinaryPrimitives.WriteInt32BigEndian(span, value.Length);
        value.CopyTo(span[4..]);
        Length += 4 + value.Length;
    }

    /// <summary>A <c>bigint</c>.</summary>
    public void Int64(long value)
    {
        var span = Reserve(12);
        BinaryPrimitives.WriteInt32BigEndian(span, 8);
        BinaryPrimitives.WriteInt64BigEndian(span[4..], value);
        Length += 12;
    }

    /// <summary>A <c>boolean</c>.</summary>
    public void Bool(bool value)
    {
        var span = Reserve(5);
        BinaryPrimitives.WriteInt32BigEndian(span, 1);
        span[4] = value ? (byte)1 : (byte)0;
        Length += 5;
    }

    /// <summary>A <c>timestamp</c> (without time zone): microseconds since 2000-01-01.</summary>
    public void Timestamp(DateTime value) => Int64((value.Ticks - PostgresEpochTicks) / 10);

    /// <summary>A <c>date</c>: days since 2000-01-01.</summary>
    public void Date(DateOnly value)
    {
        var span = Reserve(8);
        BinaryPrimitives.WriteInt32BigEndian(span, 4);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], value.DayNumber - PostgresEpochDay);
        Length += 8;
    }

    /// <summary>A <c>time</c> (microseconds since midnight), or null.</summary>
    public void Time(TimeOnly? value)
    {
        if (value is { } v)
        {
            Int64(v.Ticks / 10);
        }
        else
        {
            Null();
        }
    }

    /// <summary>A <c>uuid</c>: its 16 bytes as they are.</summary>
    public void Uuid(ReadOnlySpan<byte> value)
    {
        if (value.Length != 16)
        {
            throw new ArgumentException("a uuid is 16 bytes", nameof(value));
        }

        Utf8(value);
    }

    /// <summary>Copies bytes written by another buffer (whole fields) into this one.</summary>
    public void Raw(ReadOnlySpan<byte> fields)
    {
        fields.CopyTo(Reserve(fields.Length));
        Length += fields.Length;
    }

    private Span<byte> Reserve(int bytes)
    {
        if (Length + bytes > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + bytes));
        }

        return _buffer.AsSpan(Length);
    }
}
