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
/// else changes the practice's appointments while it is in use. One thread fills it and one thread classifies against
/// it: the same thread one after the other (<see cref="LoadAsync"/>), or, for a large file, at the same time
/// (<see cref="StartReadingAsync"/>): the filling thread publishes what it has indexed as an <see cref="Index"/> whose
/// arrays it never changes below the published count, and the classifying thread keeps its own seen marks.
/// </summary>
internal sealed partial class ExistingAppointments
{
    private const byte Removed = 1;
    private const byte HasHash = 2;

    // The filling thread's: the arrays grow by copying (an Index already published keeps the old ones), and the
    // entries from _indexed on are not published yet.
    private byte[] _arena = [];
    private int _arenaLength;
    private int[] _offsets = new int[1]; // _offsets[i] .. _offsets[i + 1] is key i in the arena
    private UInt128[] _hashes = [];
    private long[] _starts = [];
    private byte[] _flags = [];
    private int[] _buckets = []; // open addressing: entry index + 1, 0 when empty
    private int _filled;
    private int _indexed;

    // What the classifying thread sees; replaced, never changed below its count.
    private volatile Index _index = new([], [0], [], [], [], [], 0);

    // The classifying thread's.
    private bool[] _seen = [];
    private int _next; // the entry after the last one found: tried first

    /// <summary>Appointments read (removed ones included); final once the read has ended.</summary>
    public int Count => _index.Count;

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
        await table.FillAsync(connection, transaction, practiceId, from, maxHistory, int.MaxValue, cancellationToken);
        table._loaded = true;
        return table;
    }

    /// <summary>
    /// Reads the rows as <see cref="LoadAsync"/> does, indexing them and publishing the index to <see cref="Classify"/>
    /// every <paramref name="publishEvery"/> rows and at the end.
    /// </summary>
    private async Task FillAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string practiceId, DateTime from,
        int maxHistory, int publishEvery, CancellationToken cancellationToken)
    {
        from = DateTime.SpecifyKind(from, DateTimeKind.Unspecified);
        await using (var older = Sql.Command(connection, transaction,
            "SELECT count(*) FROM (SELECT 1 FROM appointments WHERE practice_id = $1 AND starts_at < $2 LIMIT $3) h", practiceId, from, (long)maxHistory + 1))
        {
            Complete = (long)(await older.ExecuteScalarAsync(cancellationToken))! <= maxHistory;
        }

        if (Complete)
        {
            from = DateTime.MinValue; // small enough: read the whole practice, so no row needs a conflict check
        }

        if (publishEvery < int.MaxValue)
        {
            // Read concurrently: the arrays are sized up front for as many rows as the practice's last applied snapshot
            // had (about what the store holds for it), so they are not copied to grow while the file's parsing
            // allocates too (a copy holds the old and the new arrays at once). Counting the rows exactly costs a scan.
            await using var last = Sql.Command(connection, transaction,
                "SELECT rows_valid FROM batches WHERE practice_id = $1 AND state = 'applied' ORDER BY finished_at DESC LIMIT 1", practiceId);
            if (await last.ExecuteScalarAsync(cancellationToken) is long rows && rows > 0)
            {
                Reserve((int)Math.Min(rows, Array.MaxLength / 16));
            }
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
            Append(key, hash, removed, PostgresEpochTicks + (micros * 10));
            if (_filled - Count >= publishEvery)
            {
                Publish();
            }
        }

        Publish();
    }

    private static readonly long PostgresEpochTicks = new DateTime(2000, 1, 1).Ticks;

    /// <summary>
    /// Classifies a valid file row (its UTF-8 APP_LID and content hash) and marks its appointment seen: unchanged (stored
    /// with the same content hash and not removed), new (not in the store: certain only when every appointment was
    /// read, <see cref="Complete"/>), or staged for the merge (changed, removed before, or not among the rows read).
    /// </summary>
    public RowClass Classify(ReadOnlySpan<byte> appLid, UInt128 hash)
    {
        var (index, entry) = FindOrWait(appLid);
        if (entry < 0)
        {
            return Complete ? RowClass.New : RowClass.Staged;
        }

        MarkSeen(index, entry);
        return (index.Flags[entry] & (HasHash | Removed)) == HasHash && index.Hashes[entry] == hash ? RowClass.Unchanged : RowClass.Staged;
    }

    /// <summary>Marks <paramref name="appLid"/> seen, when the practice has it (a rejected row still names its appointment).</summary>
    public void MarkSeen(string appLid)
    {
        if (appLid.Length == 0)
        {
            return;
        }

        var (index, entry) = FindOrWait(Encoding.UTF8.GetBytes(appLid));
        if (entry >= 0)
        {
            MarkSeen(index, entry);
        }
    }

    private void MarkSeen(Index index, int entry)
    {
        if (entry >= _seen.Length)
        {
            Array.Resize(ref _seen, Math.Max(index.Count, _seen.Length * 2));
        }

        _seen[entry] = true;
    }

    /// <summary>
    /// The entry of <paramref name="appLid"/> (UTF-8) in the newest index, or -1 once every row is in without it: while
    /// rows are still arriving, a miss waits for the next published index.
    /// </summary>
    private (Index Index, int Entry) FindOrWait(ReadOnlySpan<byte> appLid)
    {
        var index = _index;
        while (true)
        {
            var entry = Find(index, appLid);
            if (entry >= 0)
            {
                return (index, entry);
            }

            if (_loaded)
            {
                var last = _index; // published before _loaded was set
                if (ReferenceEquals(last, index))
                {
                    return (index, -1);
                }

                index = last;
                continue;
            }

            index = WaitForNewer(index);
        }
    }

    /// <summary>
    /// The entry of <paramref name="appLid"/> in <paramref name="index"/>, or -1. The entry after the last one found is
    /// tried first: a PMS exports in a stable order and the store returns a practice's rows in the order they were
    /// written, so a snapshot's rows mostly follow the stored ones and are found without a hash or a random memory access.
    /// </summary>
    private int Find(Index index, ReadOnlySpan<byte> appLid)
    {
        if (index.Count == 0)
        {
            return -1;
        }

        if (_next < index.Count && index.Key(_next).SequenceEqual(appLid))
        {
            return _next++;
        }

        var buckets = index.Buckets;
        var mask = buckets.Length - 1;
        for (var slot = (int)KeyHash(appLid) & mask; ; slot = (slot + 1) & mask)
        {
            var entry = buckets[slot] - 1;
            if (entry < 0)
            {
                return -1;
            }

            // The filling thread may already have placed a later entry in this table: not published, not this index's.
            if (entry < index.Count && index.Key(entry).SequenceEqual(appLid))
            {
                _next = entry + 1;
                return entry;
            }
        }
    }

    /// <summary>Appointments not marked removed that start in [<paramref name="start"/>, <paramref name="end"/>).</summary>
    public long CountInWindow(DateTime start, DateTime end)
    {
        var index = Loaded();
        long count = 0;
        for (var i = 0; i < index.Count; i++)
        {
            if ((index.Flags[i] & Removed) == 0 && index.InWindow(i, start, end))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The APP_LIDs of the appointments in the window that the file did not name: the ones the snapshot removes.</summary>
    public List<string> Unseen(DateTime start, DateTime end)
    {
        var index = Loaded();
        var gone = new List<string>();
        for (var i = 0; i < index.Count; i++)
        {
            if ((index.Flags[i] & Removed) == 0 && !(i < _seen.Length && _seen[i]) && index.InWindow(i, start, end))
            {
                gone.Add(Encoding.UTF8.GetString(index.Key(i)));
            }
        }

        return gone;
    }
}

/// <summary>How a valid file row compares with what the practice has (<see cref="ExistingAppointments.Classify"/>).</summary>
internal enum RowClass
{
    /// <summary>Not in the store: written straight into <c>appointments</c> with its <c>added</c> event.</summary>
    New,

    /// <summary>Changed, removed before, or not among the appointments read: staged for the merge, which decides.</summary>
    Staged,

    /// <summary>Stored with the same content and not removed: nothing to write.</summary>
    Unchanged,
}
