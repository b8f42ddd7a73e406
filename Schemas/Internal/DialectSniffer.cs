using System.Text;

namespace RecallFiles.Schemas.Internal;

/// <summary>Finds BOM, encoding, delimiter and line ending from the first bytes of a file.</summary>
internal static class DialectSniffer
{
    public const int PrefixSize = 64 * 1024;
    private static readonly byte[] Candidates = [(byte)',', (byte)';', (byte)'|', (byte)'\t'];

    public sealed record Sniffed(CsvDialect Dialect, int BomLength, int HeaderLength, bool HeaderComplete, bool Empty);

    /// <summary>
    /// Looks at the header line (up to the first line break outside quotes): the delimiter is the
    /// candidate (<c>, ; | tab</c>) that occurs most often outside quotes, ties broken in that order;
    /// a header with none of them is a one-column file and reads as comma separated.
    /// </summary>
    public static Sniffed Sniff(ReadOnlySpan<byte> prefix, Encoding? explicitEncoding)
    {
        var bom = 0;
        var encodingName = explicitEncoding?.WebName ?? "utf-8";
        if (prefix.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bom = 3;
            encodingName = "utf-8";
        }
        else if (prefix.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || prefix.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            // UTF-16: CsvHelper transcodes from the BOM. Sniff the same way on the header turned into
            // UTF-8 (the BOM stays in the stream for CsvHelper, so BomLength is 0).
            var littleEndian = prefix[0] == 0xFF;
            var decoded = (littleEndian ? Encoding.Unicode : Encoding.BigEndianUnicode).GetString(prefix[2..(prefix.Length & ~1)]);
            var asUtf8 = Sniff(Encoding.UTF8.GetBytes(decoded), null);
            return asUtf8 with
            {
                Dialect = asUtf8.Dialect with { Encoding = littleEndian ? "utf-16" : "utf-16BE", Bom = true },
                BomLength = 0,
                // The header limit holds in every encoding: a UTF-16 header must end inside the prefix too.
                HeaderComplete = decoded.AsSpan().IndexOfAny('\r', '\n') >= 0 || prefix.Length < PrefixSize,
            };
        }

        var body = prefix[bom..];
        var counts = new int[Candidates.Length];
        var inQuotes = false;
        var end = -1;
        var newline = "none";
        for (var i = 0; i < body.Length; i++)
        {
            var b = body[i];
            if (b == (byte)'"')
            {
                inQuotes = !inQuotes;
            }
            else if (!inQuotes && (b == (byte)'\n' || b == (byte)'\r'))
            {
                end = i;
                newline = b == (byte)'\n' ? "LF" : i + 1 < body.Length && body[i + 1] == (byte)'\n' ? "CRLF" : "CR";
                break;
            }
            else if (!inQuotes)
            {
                var k = Array.IndexOf(Candidates, b);
                if (k >= 0)
                {
                    counts[k]++;
                }
            }
        }

        var best = 0;
        for (var k = 1; k < counts.Length; k++)
        {
            if (counts[k] > counts[best])
            {
                best = k;
            }
        }

        var headerLength = end < 0 ? body.Length : end;
        var empty = body.Trim((ReadOnlySpan<byte>)[(byte)' ', (byte)'\t', (byte)'\r', (byte)'\n']).IsEmpty;
        return new Sniffed(new CsvDialect((char)Candidates[best], encodingName, bom > 0, newline), bom, headerLength, end >= 0 || body.Length < PrefixSize, empty);
    }
}
