using System.IO.Hashing;

namespace RecallFiles.Importer.Loading;

/// <summary>Filling the index: the arena and arrays, their growth, and what is published to the classifying thread.</summary>
internal sealed partial class ExistingAppointments
{
    private static ulong KeyHash(ReadOnlySpan<byte> key) => XxHash3.HashToUInt64(key);

    private void Append(ReadOnlySpan<byte> appLid, UInt128? hash, bool removed, long startTicks)
    {
        if (_filled == _hashes.Length)
        {
            // Copies, not Array.Resize in place of the fields' arrays: a published Index keeps reading the old ones.
            var capacity = Math.Max(1024, _filled * 2);
            _hashes = Grown(_hashes, capacity, _filled);
            _starts = Grown(_starts, capacity, _filled);
            _flags = Grown(_flags, capacity, _filled);
            _offsets = Grown(_offsets, capacity + 1, _filled + 1);
        }

        if (_arenaLength + appLid.Length > _arena.Length)
        {
            // Doubling, or, when the entries were reserved, what their keys will take at the average length so far.
            var size = Math.Max(Math.Max(1 << 16, _arena.Length * 2), _arenaLength + appLid.Length);
            if (_hashes.Length > 2 * _filled && _filled >= 1024)
            {
                size = (int)Math.Min(Array.MaxLength, (long)(_arenaLength + appLid.Length) * _hashes.Length / (_filled + 1) * 17 / 16);
            }

            _arena = Grown(_arena, size, _arenaLength);
        }

        appLid.CopyTo(_arena.AsSpan(_arenaLength));
        _arenaLength += appLid.Length;
        _hashes[_filled] = hash ?? default;
        _starts[_filled] = startTicks;
        _flags[_filled] = (byte)((removed ? Removed : 0) | (hash is null ? 0 : HasHash));
        _filled++;
        _offsets[_filled] = _arenaLength;
    }

    private void Reserve(int entries)
    {
        _hashes = new UInt128[entries];
        _starts = new long[entries];
        _flags = new byte[entries];
        _offsets = new int[entries + 1];
        var size = 1;
        while (size < entries * 2)
        {
            size <<= 1;
        }

        _buckets = new int[size];
    }

    private static T[] Grown<T>(T[] array, int capacity, int used)
    {
        var grown = new T[capacity];
        Array.Copy(array, grown, used);
        return grown;
    }

    /// <summary>
    /// Indexes the entries appended since the last call and publishes them. The table is kept at least twice the
    /// entries (a power of two); when it must grow, a new one is built in entry order (so it ends as one built at once
    /// from all of them) and published with the index, while readers of the old one go on.
    /// </summary>
    private void Publish()
    {
        var from = _indexed;
        if (_buckets.Length < _filled * 2 || _buckets.Length == 0)
        {
            var size = 1;
            while (size < _filled * 2)
            {
                size <<= 1;
            }

            _buckets = new int[size];
            from = 0;
        }

        var mask = _buckets.Length - 1;
        for (var i = from; i < _filled; i++)
        {
            var slot = (int)KeyHash(_arena.AsSpan(_offsets[i], _offsets[i + 1] - _offsets[i])) & mask;
            while (_buckets[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }

            _buckets[slot] = i + 1;
        }

        _indexed = _filled;
        _index = new Index(_arena, _offsets, _hashes, _starts, _flags, _buckets, _filled);
        Published();
    }

    /// <summary>A published state of the table: its arrays are never changed below <see cref="Count"/>.</summary>
    private sealed class Index(byte[] arena, int[] offsets, UInt128[] hashes, long[] starts, byte[] flags, int[] buckets, int count)
    {
        public int[] Buckets { get; } = buckets;

        public UInt128[] Hashes { get; } = hashes;

        public byte[] Flags { get; } = flags;

        public int Count { get; } = count;

        public ReadOnlySpan<byte> Key(int entry) => arena.AsSpan(offsets[entry], offsets[entry + 1] - offsets[entry]);

        public bool InWindow(int entry, DateTime start, DateTime end) => starts[entry] >= start.Ticks && starts[entry] < end.Ticks;
    }
}
