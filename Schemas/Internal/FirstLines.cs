namespace RecallFiles.Schemas.Internal;

/// <summary>
/// The line on which each 64-bit key hash was first seen, for the duplicate-APP_LID check. Issue 18: a
/// <c>Dictionary&lt;ulong, long&gt;</c> costs two or three cache misses per row once it outgrows the caches (a bucket, an
/// entry, and its resizes); this is one array of (key, line) pairs with linear probing, at most half full, so a row
/// costs about one miss. 12 bytes a slot: 24 MiB for a million-row file, 36 MiB while it doubles (the dictionary took
/// 46 MiB, 69 MiB while it grew).
/// </summary>
internal sealed class FirstLines
{
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Pack = 4)]
    private struct Slot
    {
        public ulong Key;
        public uint LinePlusOne;   // 0: empty; uint.MaxValue: the line is in _farLines (a file of 4 billion lines)
    }

    private Dictionary<ulong, long>? _farLines;

    private Slot[] _slots = new Slot[1024];
    private int _count;

    /// <summary>Records <paramref name="line"/> for <paramref name="key"/> and returns -1, or returns the line recorded first.</summary>
    public long FirstLineOrAdd(ulong key, long line)
    {
        var mask = _slots.Length - 1;
        var i = Index(key, mask);
        while (true)
        {
            ref var slot = ref _slots[i];
            if (slot.LinePlusOne == 0)
            {
                slot.Key = key;
                if (line is >= 0 and < uint.MaxValue - 1)
                {
                    slot.LinePlusOne = (uint)(line + 1);
                }
                else
                {
                    slot.LinePlusOne = uint.MaxValue;
                    (_farLines ??= [])[key] = line;
                }

                if (++_count * 2 > _slots.Length)
                {
                    Grow();
                }

                return -1;
            }

            if (slot.Key == key)
            {
                return slot.LinePlusOne == uint.MaxValue ? _farLines![key] : slot.LinePlusOne - 1L;
            }

            i = (i + 1) & mask;
        }
    }

    // Fibonacci hashing: the high bits of key × 2^64/φ, so keys that differ in a few bits spread over the table.
    private static int Index(ulong key, int mask) => (int)((key * 0x9E3779B97F4A7C15UL) >> 32) & mask;

    private void Grow()
    {
        var old = _slots;
        _slots = HugePages.NewArray<Slot>(old.Length * 2);
        var mask = _slots.Length - 1;
        foreach (var slot in old)
        {
            if (slot.LinePlusOne == 0)
            {
                continue;
            }

            var i = Index(slot.Key, mask);
            while (_slots[i].LinePlusOne != 0)
            {
                i = (i + 1) & mask;
            }

            _slots[i] = slot;
        }
    }
}
