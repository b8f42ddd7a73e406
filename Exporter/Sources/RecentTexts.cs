using System.IO.Hashing;
using System.Text;

namespace RecallFiles.Exporter.Sources;

/// <summary>
/// One column's recently decoded values, so a value that repeats costs a byte comparison instead of a UTF-8 decode and
/// a new string (issue 18: rows sorted by start time share their date and often their start time, resource and
/// location; a million rows made millions of equal strings for the garbage collector). Sixteen slots chosen by the
/// bytes' hash. A column whose values rarely repeat (ids, phones, e-mails) stops looking after its first rows, so it
/// pays nothing more than a plain decode.
/// </summary>
internal sealed class RecentTexts
{
    private const int Slots = 16;
    private const int MaxBytes = 64;      // longer values are decoded every time: they rarely repeat and cost more to compare
    private const int Probation = 512;    // lookups before a column that seldom hits stops looking

    private readonly byte[][] _bytes = new byte[Slots][];
    private readonly string?[] _texts = new string?[Slots];
    private int _lookups, _hits;
    private bool _off;

    /// <summary>Times a value was found instead of decoded (for tests).</summary>
    public int Hits => _hits;

    /// <summary>The UTF-8 <paramref name="bytes"/> as a string: the same instance as the last time these bytes were seen in this slot.</summary>
    public string Decode(ReadOnlySpan<byte> bytes)
    {
        if (_off || bytes.Length > MaxBytes)
        {
            return Encoding.UTF8.GetString(bytes);
        }

        var slot = (int)(XxHash3.HashToUInt64(bytes) & (Slots - 1));
        if (_texts[slot] is { } known && bytes.SequenceEqual(_bytes[slot]))
        {
            _hits++;
            _lookups++;
            return known;
        }

        if (++_lookups == Probation && _hits * 4 < _lookups)
        {
            _off = true;   // fewer than one in four found: not worth the hashing
        }

        var text = Encoding.UTF8.GetString(bytes);
        _bytes[slot] = bytes.ToArray();
        _texts[slot] = text;
        return text;
    }
}
