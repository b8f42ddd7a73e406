using System.Buffers.Binary;
using System.Data;
using System.Globalization;
using System.Runtime.CompilerServices;
using Npgsql;

namespace RecallFiles.Exporter.Sources;

/// <summary>
/// PostgreSQL sources: the practice's query runs inside <c>COPY … TO STDOUT</c>, which streams the rows far faster than
/// the row protocol. Issue 18: the query is wrapped so that every contract column arrives as text in COPY's binary
/// format (length-prefixed fields: no quoting to undo, no text decoder), read straight from the raw COPY stream. The
/// text is the server's own output of each value, as the CSV format gives it. A query that cannot be wrapped (a
/// data-modifying WITH, a column name twice) is read through COPY's CSV format instead, as before.
/// </summary>
public sealed partial class GenericSqlSource
{
    private string PostgresQuery(DateTime start, DateTime end) => WindowParameter().Replace(LoadQuery().Trim().TrimEnd(';'), m =>
        $"'{(m.Value.Equals("@WindowStart", StringComparison.OrdinalIgnoreCase) ? start : end).ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture)}'::timestamp");

    private async IAsyncEnumerable<SourceAppointment> ReadPostgresAsync(NpgsqlConnection connection, DateTime start, DateTime end, TimeZoneInfo zone,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = PostgresQuery(start, end);
        var binary = await TryBeginBinaryCopyAsync(connection, query, cancellationToken);
        if (binary is not { } copy)
        {
            await foreach (var appointment in ReadCopyAsync(connection, query, zone, cancellationToken))
            {
                yield return appointment;
            }

            yield break;
        }

        await using (copy.Stream)
        {
            var rows = new BinaryCopyRows(copy.Stream);
            ReadBinary(rows, static r => r.ReadHeader());
            long line = 0;
            while (ReadBinary(rows, static r => r.Read()))
            {
                yield return Build(rows, copy.Columns, zone, ++line);
            }
        }
    }

    private bool ReadBinary(BinaryCopyRows rows, Func<BinaryCopyRows, bool> read)
    {
        try
        {
            return read(rows);
        }
        catch (PostgresException ex)
        {
            throw new ExportException($"practice {options.PracticeId}: the query in '{options.QueryFile}' failed while streaming: {ex.Message}", ex);
        }
    }

    /// <summary>Starts the binary COPY of the contract columns; null when the query cannot be wrapped (the CSV COPY then reports any error).</summary>
    private async Task<(NpgsqlRawCopyStream Stream, ColumnMap Columns)?> TryBeginBinaryCopyAsync(NpgsqlConnection connection, string query, CancellationToken cancellationToken)
    {
        // The result's columns and types, without running the query (Parse and Describe only).
        var names = new List<string>();
        var types = new List<Type>();
        try
        {
            await using var describe = new NpgsqlCommand(query, connection);
            await using var reader = await describe.ExecuteReaderAsync(CommandBehavior.SchemaOnly, cancellationToken);
            for (var i = 0; i < reader.FieldCount; i++)
            {
                names.Add(reader.GetName(i));
                types.Add(reader.GetFieldType(i));
            }
        }
        catch (PostgresException)
        {
            return null;
        }

        var ordinals = CheckColumns(names);
        var wanted = ordinals.Values.Distinct().Order().ToArray();
        if (wanted.Any(i => names.Count(n => n == names[i]) > 1))
        {
            return null;   // a name the wrapper would reference is ambiguous
        }

        // bool is the one type whose cast to text differs from its output ('true' against 't'): spelled out as COPY writes it.
        var select = string.Join(", ", wanted.Select(i =>
        {
            var column = $"q.\"{names[i].Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
            return types[i] == typeof(bool) ? $"CASE WHEN {column} THEN 't' WHEN NOT {column} THEN 'f' END" : $"{column}::text";
        }));
        var copyOrdinals = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, ordinal) in ordinals)
        {
            copyOrdinals[name] = Array.IndexOf(wanted, ordinal);
        }

        try
        {
            var stream = await connection.BeginRawBinaryCopyAsync($"COPY (SELECT {select} FROM (\n{query}\n) AS q) TO STDOUT (FORMAT binary)", cancellationToken);
            return (stream, new ColumnMap(copyOrdinals));
        }
        catch (PostgresException)
        {
            return null;
        }
    }

    private async IAsyncEnumerable<SourceAppointment> ReadCopyAsync(NpgsqlConnection connection, string query, TimeZoneInfo zone,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        TextReader text;
        try
        {
            text = await connection.BeginTextExportAsync($"COPY (\n{query}\n) TO STDOUT (FORMAT csv, HEADER true)", cancellationToken);
        }
        catch (PostgresException ex)
        {
            throw new ExportException($"practice {options.PracticeId}: the query in '{options.QueryFile}' failed: {ex.Message}", ex);
        }

        using (text)
        {
            using var csv = CsvHelper.CsvReader.Create(text, new CsvHelper.CsvReaderOptions { Separator = ',', HasHeader = true, DetectSeparatorHint = false });
            IReadOnlyList<string> headers;
            try
            {
                csv.ReadHeader();
                headers = csv.Headers;
            }
            catch (PostgresException ex)
            {
                throw new ExportException($"practice {options.PracticeId}: the query in '{options.QueryFile}' failed: {ex.Message}", ex);
            }

            var columns = new ColumnMap(CheckColumns(headers));
            var row = new CsvRow(csv);
            long line = 0;
            while (ReadCopyRow(csv))
            {
                yield return Build(row, columns, zone, ++line);
            }
        }
    }

    private bool ReadCopyRow(CsvHelper.CsvReader csv)
    {
        try
        {
            return csv.Read();
        }
        catch (PostgresException ex)
        {
            throw new ExportException($"practice {options.PracticeId}: the query in '{options.QueryFile}' failed while streaming: {ex.Message}", ex);
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"@Window(Start|End)\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex WindowParameter();

    private sealed class CsvRow(CsvHelper.CsvReader csv) : IRow
    {
        public bool IsNull(int i) => csv.IsEmpty(i);

        public object Value(int i) => csv.GetString(i);

        public string? Text(int i)
        {
            if (i < 0 || csv.IsEmpty(i))
            {
                return null;
            }

            var value = csv.GetString(i);
            return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        }
    }

    /// <summary>
    /// The rows of a binary COPY whose fields are all text (https://www.postgresql.org/docs/current/sql-copy.html, "Binary
    /// Format"): a signature and header, then per row a 16-bit field count and per field a 32-bit length (-1: NULL) and
    /// the UTF-8 bytes; a count of -1 ends the data. As in the CSV row, NULL and an empty value both read as empty.
    /// </summary>
    private sealed class BinaryCopyRows(Stream stream) : IRow
    {
        // "PGCOPY\n\xff\r\n\0"
        private static ReadOnlySpan<byte> Signature => [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00];

        private byte[] _buffer = new byte[1 << 16];
        private int _position, _end;
        private int[] _offsets = new int[32];
        private int[] _lengths = new int[32];
        private int _fields;
        private RecentTexts[] _recent = [];

        public bool ReadHeader()
        {
            // Signature (11 bytes), flags (32 bits), header extension length (32 bits) and the extension.
            if (!Ensure(19) || !_buffer.AsSpan(_position, 11).SequenceEqual(Signature))
            {
                throw new InvalidDataException("the COPY stream does not start with PostgreSQL's binary signature");
            }

            var extension = BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(_position + 15));
            if (!Ensure(19 + extension))
            {
                throw new InvalidDataException("the COPY stream ends inside its header");
            }

            _position += 19 + extension;
            return true;
        }

        public bool Read()
        {
            while (true)
            {
                if (TryParse(out var more))
                {
                    return more;
                }

                if (!Fill())
                {
                    throw new InvalidDataException("the COPY stream ends inside a row");
                }
            }
        }

        // One whole row from the buffer; false when it is not all there yet.
        private bool TryParse(out bool more)
        {
            more = false;
            var at = _position;
            if (_end - at < 2)
            {
                return false;
            }

            int count = BinaryPrimitives.ReadInt16BigEndian(_buffer.AsSpan(at));
            at += 2;
            if (count < 0)
            {
                _position = at;
                return true;   // the trailer
            }

            if (count > _offsets.Length)
            {
                _offsets = new int[count];
                _lengths = new int[count];
            }

            for (var i = 0; i < count; i++)
            {
                if (_end - at < 4)
                {
                    return false;
                }

                var length = BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(at));
                at += 4;
                _offsets[i] = at;
                _lengths[i] = length;
                if (length > 0)
                {
                    if (_end - at < length)
                    {
                        return false;
                    }

                    at += length;
                }
            }

            _fields = count;
            _position = at;
            more = true;
            return true;
        }

        private bool Ensure(int bytes)
        {
            while (_end - _position < bytes)
            {
                if (!Fill())
                {
                    return false;
                }
            }

            return true;
        }

        // Moves the unread bytes to the front (growing the buffer when one row fills it) and reads more; false at the end.
        private bool Fill()
        {
            var unread = _end - _position;
            if (_position > 0)
            {
                Buffer.BlockCopy(_buffer, _position, _buffer, 0, unread);
                _position = 0;
                _end = unread;
            }

            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            var read = stream.Read(_buffer, _end, _buffer.Length - _end);
            _end += read;
            return read > 0;
        }

        public bool IsNull(int i) => i >= _fields || _lengths[i] <= 0;

        public object Value(int i) => IsNull(i) ? "" : Decode(i);

        public string? Text(int i)
        {
            if (i < 0 || IsNull(i))
            {
                return null;
            }

            var value = Decode(i);
            return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        }

        private string Decode(int i)
        {
            if (i >= _recent.Length)
            {
                var grown = new RecentTexts[_fields];
                _recent.CopyTo(grown, 0);
                for (var j = _recent.Length; j < grown.Length; j++)
                {
                    grown[j] = new RecentTexts();
                }

                _recent = grown;
            }

            return _recent[i].Decode(_buffer.AsSpan(_offsets[i], _lengths[i]));
        }
    }
}
