using System.IO.Hashing;
using System.Text;
using System.Buffers.Binary;
using Npgsql;
using RecallFiles.Importer.Database;

namespace RecallFiles.Importer.Loading;

/// <summary>
/// What the store holds for one practice before a load: every appointment, or, for a practice with a long history,
/// those that can matter to a snapshot — starting at or after the start of its configured window (the window a file is
/// narrowed to lies inside it, and a snapshot's rows are normally there too). Compact enough for a million appointments
/// (about 50 bytes each): every APP_LID (UTF-8, in one byte arena), its row hash (<see cref="BatchLoader"/>'s content
/// hash of the stored values; none for a row written before hashes were kept), its start and whether it is marked
/// removed. The loader classifies each file row against it (new, changed, unchanged) and marks the rows it saw, then
/// asks it which appointments of the snapshot's window were not seen. Read under the practice's row lock, so nothing
/// else changes the practice's appointments while it is in use. Not thread-safe: one loader thread uses it.
/// </summary>
internal sealed class ExistingAppointments
{
    private const byte Removed = 1;
    private const byte HasHash = 2;
    private const byte Seen = 4;

    private byte[] _arena = [];
    private int _arenaLength;
    private int[] _offsets = new int[1]; // _offsets[i] .. _offsets[i + 1] is key i in the arena
    private UInt128[] _hashes = [];
    private long[] _starts = [];
    private byte[] _flags = [];
    private int[] _buckets = []; // open addressing: entry index + 1, 0 when empty
    private int _next; // the entry after the last one found: tried first

    /// <summary>Appointments read (removed ones included).</summary>
    public int Count { get; private set; }

    /// <summary>
    /// True when every appointment of the practice was read: then an APP_LID not found here is not in the store at
    /// all, and its row can be written as new without a conflict check.
    /// </summary>
    public bool Complete { get; private set; }

    /// <summary>
    /// Reads the practice's appointments — all of them when fewer than <paramref name="maxHistory"/> start before
    /// <paramref name="from"/> (local time), else only those starting at or after it — streamed by a binary COPY and
    /// parsed here without a string per row.
    /// </summary>
    public static async Task<ExistingAppointments> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string practiceId, DateTime from,
        int maxHistory, CancellationToken cancellationToken)
    {
        var table = new ExistingAppointments();
        from = DateTime.SpecifyKind(from, DateTimeKind.Unspecified);
        await using (var older = Sql.Command(connection, transaction,
            "SELECT count(*) FROM (SELECT 1 FROM appointments WHERE practice_id = $1 AND starts_at < $2 LIMIT $3) h", practiceId, from, (long)maxHistory + 1))
        {
            table.Complete = (long)(await older.ExecuteScalarAsync(cancellationToken))! <= maxHistory;
        }

        if (table.Complete)
        {
            from = DateTime.MinValue; // small enough: read the whole practice, so no row needs a conflict check
        }

        // COPY takes no parameters; practice ids are restricted to [A-Za-z0-9_-] by the practices table, and the literal
        // is quoted all the same. The timestamp is formatted here, invariantly.
        var practice = "'" + practiceId.Replace("'", "''", StringComparison.Ordinal) + "'";
        var start = from == DateTime.MinValue ? "" : " AND starts_at >= '" + from.ToString("yyyy-MM-dd HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture) + "'::timestamp";
        await using var stream = await connection.BeginRawBinaryCopyAsync(
            $"COPY (SELECT {AppointmentTable.ClassifyColumns} FROM appointments WHERE practice_id = {practice}{start}) TO STDOUT (FORMAT BINARY)",
            cancellationToken);
        stream.ReadTimeout = (int)Sql.LongCommandTimeout.TotalMilliseconds;
        var input = new CopyReader(stream);
        await input.EnsureAsync(CopyBuffer.Header.Length, cancellationToken);
        if (!input.Take(CopyBuffer.Header.Length).SequenceEqual(CopyBuffer.Header))
        {
            throw new InvalidDataException("the server's COPY output does not start with the binary COPY header");
        }

        while (true)
        {
            await input.EnsureAsync(6, cancellationToken);
            var fields = input.Int16();
            if (fields == -1)
            {
                break;
            }

            if (fields != 4)
            {
                throw new InvalidDataException($"the server's COPY output has a row of {fields} fields, not 4");
            }

            var keyLength = input.Int32();
            await input.EnsureAsync(keyLength + 4 + 16 + 4 + 1 + 4 + 8, cancellationToken);
            var key = input.Take(keyLength);
            var hashLength = input.Int32();
            UInt128? hash = hashLength == 16 ? BinaryPrimitives.ReadUInt128BigEndian(input.Take(16)) : null;
            input.Int32();
            var removed = input.Take(1)[0] != 0;
            input.Int32();
            var micros = input.Int64();
            table.Append(key, hash, removed, PostgresEpochTicks + (micros * 10));
        }

        table.BuildIndex();
        return table;
    }

    private static readonly long PostgresEpochTicks = new DateTime(2000, 1, 1).Ticks;

    /// <summary>
    /// The entry of <paramref name="appLid"/> (UTF-8), or -1. The entry after the last one found is tried first: a
    /// PMS exports in a stable order and the store returns a practice's rows in the order they were written, so a
    /// snapshot's rows mostly follow the stored ones and are found without a hash or a random memory access.
    /// </summary>
    public int Find(ReadOnlySpan<byte> appLid)
    {
        if (Count == 0)
        {
            return -1;
        }

        if (_next < Count && Key(_next).SequenceEqual(appLid))
        {
            return _next++;
        }

        var mask = _buckets.Length - 1;
        for (var slot = (int)KeyHash(appLid) & mask; ; slot = (slot + 1) & mask)
        {
            var entry = _buckets[slot] - 1;
            if (entry < 0)
            {
                return -1;
            }

            if (Key(entry).SequenceEqual(appLid))
            {
                _next = entry + 1;
                return entry;
            }
        }
    }

    /// <summary>
    /// Marks <paramref name="entry"/> seen in the file and says whether the file's row leaves it as it is: stored with
    /// the same content hash and not removed.
    /// </summary>
    public bool MarkSeen(int entry, UInt128 hash)
    {
        var flags = _flags[entry];
        _flags[entry] = (byte)(flags | Seen);
        return (flags & (HasHash | Removed)) == HasHash && _hashes[entry] == hash;
    }

    /// <summary>Marks <paramref name="appLid"/> seen, when the practice has it (a rejected row still names its appointment).</summary>
    public void MarkSeen(string appLid)
    {
        if (Count == 0 || appLid.Length == 0)
        {
            return;
        }

        var entry = Find(Encoding.UTF8.GetBytes(appLid));
        if (entry >= 0)
        {
            _flags[entry] |= Seen;
        }
    }

    /// <summary>Appointments not marked removed that start in [<paramref name="start"/>, <paramref name="end"/>).</summary>
    public long CountInWindow(DateTime start, DateTime end)
    {
        long count = 0;
        for (var i = 0; i < Count; i++)
        {
            if ((_flags[i] & Removed) == 0 && InWindow(i, start, end))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The APP_LIDs of the appointments in the window that the file did not name: the ones the snapshot removes.</summary>
    public List<string> Unseen(DateTime start, DateTime end)
    {
        var gone = new List<string>();
        for (var i = 0; i < Count; i++)
        {
            if ((_flags[i] & (Removed | Seen)) == 0 && InWindow(i, start, end))
            {
                gone.Add(Encoding.UTF8.GetString(Key(i)));
            }
        }

        return gone;
    }

    private bool InWindow(int entry, DateTime start, DateTime end) => _starts[entry] >= start.Ticks && _starts[entry] < end.Ticks;

    private ReadOnlySpan<byte> Key(int entry) => _arena.AsSpan(_offsets[entry], _offsets[entry + 1] - _offsets[entry]);

    private static ulong KeyHash(ReadOnlySpan<byte> key) => XxHash3.HashToUInt64(key);

    private void Append(ReadOnlySpan<byte> appLid, UInt128? hash, bool removed, long startTicks)
    {
        if (Count == _hashes.Length)
        {
            var capacity = Math.Max(1024, Count * 2);
            Array.Resize(ref _hashes, capacity);
            Array.Resize(ref _starts, capacity);
            Array.Resize(ref _flags, capacity);
            Array.Resize(ref _offsets, capacity + 1);
        }

        if (_arenaLength + appLid.Length > _arena.Length)
        {
            Array.Resize(ref _arena, Math.Max(Math.Max(1 << 16, _arena.Length * 2), _arenaLength + appLid.Length));
        }

        appLid.CopyTo(_arena.AsSpan(_arenaLength));
        _arenaLength += appLid.Length;
        _hashes[Count] = hash ?? default;
        _starts[Count] = startTicks;
        _flags[Count] = (byte)((removed ? Removed : 0) | (hash is null ? 0 : HasHash));
        Count++;
        _offsets[Count] = _arenaLength;
    }

    private void BuildIndex()
    {
        var size = 1;
        while (size < Count * 2)
        {
            size <<= 1;
        }

        _buckets = new int[size];
        var mask = size - 1;
        for (var i = 0; i < Count; i++)
        {
            var slot = (int)KeyHash(Key(i)) & mask;
            while (_buckets[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }

            _buckets[slot] = i + 1;
        }
    }

    /// <summary>A forward-only reader of a binary COPY stream with a buffer that always holds whole fields asked for.</summary>
    private sealed class CopyReader(Stream stream)
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
}
