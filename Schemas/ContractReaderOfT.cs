using System.Globalization;
using System.Text;
using System.Text.Unicode;
using CsvHelper;
using ContractColumns = RecallFiles.Schemas.Columns;
using RecallFiles.Schemas.Internal;

namespace RecallFiles.Schemas;

/// <summary>A <see cref="ContractReader"/> for records of type <typeparamref name="TRecord"/>.</summary>
public sealed partial class ContractReader<TRecord> : ContractReader where TRecord : class
{
    /// <summary>The most fields a header may have: the contract has about 20 columns (issue 13: 450,000 empty ones).</summary>
    public const int MaxHeaderFields = 256;

    // Unknown columns reported one by one; the rest are counted in one more warning.
    private const int MaxUnknownColumnWarnings = 20;

    private readonly RecordSchema<TRecord> _schema;
    private readonly CsvReader _csv;
    private readonly int[] _fieldOfColumn;   // schema column index → field index in the file, or -1
    private readonly int _headerFieldCount;
    private readonly bool _checkUtf8;
    private readonly bool _strictContacts;
    private bool _consumed;

    private ContractReader(RecordSchema<TRecord> schema, CsvReader csv, string fileName, CsvDialect dialect,
        IReadOnlyList<ContractProblem> warnings, IReadOnlyList<string> columns, int[] fieldOfColumn, int headerFieldCount, bool checkUtf8, bool strictContacts)
        : base(fileName, schema.Kind, dialect, warnings, columns)
    {
        _schema = schema;
        _csv = csv;
        _fieldOfColumn = fieldOfColumn;
        _headerFieldCount = headerFieldCount;
        _checkUtf8 = checkUtf8;
        _strictContacts = strictContacts;
    }

    internal static ContractReader<TRecord> OpenCore(RecordSchema<TRecord> schema, Prefix prefix, Stream stream, string fileName, ContractReadOptions? options, bool leaveOpen,
        FileKind? knownKind)
    {
        try
        {
            return OpenCore(schema, prefix, stream, fileName, options, leaveOpen);
        }
        catch (ContractFileException ex)
        {
            ex.Kind ??= knownKind;
            ex.Dialect ??= prefix.Sniffed.Empty ? null : prefix.Sniffed.Dialect;
            throw;
        }
    }

    private static ContractReader<TRecord> OpenCore(RecordSchema<TRecord> schema, Prefix prefix, Stream stream, string fileName, ContractReadOptions? options, bool leaveOpen)
    {
        options ??= ContractReadOptions.Default;
        var sniffed = prefix.Sniffed;
        if (sniffed.Empty)
        {
            throw FileError(fileName, null, ProblemCodes.EmptyFile, "the file is empty: a contract file starts with a header row");
        }

        if (!sniffed.HeaderComplete)
        {
            // Every encoding: a header that does not end within the first 64 KB is refused before it is read.
            throw FileError(fileName, 1, ProblemCodes.RecordTooLarge, $"the header row is longer than {DialectSniffer.PrefixSize} bytes");
        }

        var checkUtf8 = prefix.Encoding is null && !sniffed.Dialect.Encoding.StartsWith("utf-16", StringComparison.Ordinal);
        if (checkUtf8)
        {
            if (!Utf8.IsValid(prefix.Bytes.AsSpan(sniffed.BomLength, sniffed.HeaderLength)))
            {
                throw InvalidUtf8(fileName, 1);
            }
        }

        var csvOptions = new CsvReaderOptions
        {
            Separator = sniffed.Dialect.Delimiter == '\0' ? null : sniffed.Dialect.Delimiter,
            HasHeader = true,
            TrackLineNumbers = true,
            SkipEmptyLines = true,
            MaxRecordSize = options.MaxRecordBytes,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            MalformedData = CsvMalformedDataHandling.Throw,
            MissingField = CsvMissingFieldHandling.ReturnEmpty,
            IncludeValuesInExceptions = false,
            DetectSeparatorHint = false,
            Encoding = prefix.Encoding,
        };

        var source = new PrefixStream(prefix.Bytes.AsMemory(sniffed.BomLength, prefix.Filled - sniffed.BomLength), stream, leaveOpen);
        var csv = CsvReader.Create(source, csvOptions, leaveOpen: false);
        try
        {
            IReadOnlyList<string> headers;
            try
            {
                csv.ReadHeader();
                headers = csv.Headers;
            }
            catch (CsvFormatException ex)
            {
                throw Malformed(fileName, ex);
            }

            var dialect = sniffed.Dialect.Delimiter == '\0' ? sniffed.Dialect with { Delimiter = csv.Separator } : sniffed.Dialect;
            var normalized = headers.Select(h => h.Trim().Trim('\uFEFF').ToUpperInvariant()).ToArray();
            return Build(schema, csv, fileName, dialect, normalized, checkUtf8, options.StrictContacts);
        }
        catch
        {
            csv.Dispose();
            throw;
        }
    }

    private static ContractReader<TRecord> Build(RecordSchema<TRecord> schema, CsvReader csv, string fileName, CsvDialect dialect, string[] header, bool checkUtf8, bool strictContacts)
    {
        if (header.Length > MaxHeaderFields)
        {
            throw FileError(fileName, 1, ProblemCodes.RecordTooLarge,
                $"the header has {header.Length} fields; a contract header has at most {MaxHeaderFields} (the contract itself has {schema.AllColumns.Count} columns)");
        }

        var all = schema.AllColumns;
        var fieldOfColumn = new int[all.Count];
        var unknown = 0;
        Array.Fill(fieldOfColumn, -1);
        var warnings = new List<ContractProblem>();
        for (var field = 0; field < header.Length; field++)
        {
            var name = header[field];
            var column = IndexOf(all, name);
            if (column >= 0)
            {
                if (fieldOfColumn[column] >= 0)
                {
                    throw FileError(fileName, 1, ProblemCodes.DuplicateColumn,
                        $"column {name} appears twice in the header (fields {fieldOfColumn[column] + 1} and {field + 1}); keep one");
                }

                fieldOfColumn[column] = field;
            }
            else if (ContractColumns.PatientIdentifying.Contains(name))
            {
                warnings.Add(new ContractProblem(fileName, 1, name, ProblemCodes.PrivacyColumn,
                    $"column {name} identifies the patient and is dropped unread (tuOtempO A.2.2: no patient names or ids); remove it from the export",
                    ProblemSeverity.Warning));
            }
            else if (++unknown <= MaxUnknownColumnWarnings)
            {
                var shown = name.Length == 0 ? $"(empty name, field {field + 1})" : Mask.Echo(name);
                warnings.Add(new ContractProblem(fileName, 1, name.Length == 0 ? null : Mask.Echo(name), ProblemCodes.UnknownColumn,
                    $"column {shown} is not part of the {schema.Kind.ToName()} contract and is ignored", ProblemSeverity.Warning));
            }
        }

        var missing = schema.RequiredColumns.Where((c, i) => fieldOfColumn[i] < 0).ToArray();
        if (missing.Length > 0)
        {
            var found = header.Length == 0 ? "(none)" : string.Join(", ", header.Take(MaxUnknownColumnWarnings).Select(h => h.Length == 0 ? "(empty)" : Mask.Echo(h)))
                + (header.Length > MaxUnknownColumnWarnings ? $" and {header.Length - MaxUnknownColumnWarnings} more" : "");
            throw FileError(fileName, 1, ProblemCodes.MissingColumns,
                $"the header lacks required column(s) {string.Join(", ", missing)}; found {found} (delimiter '{dialect.DelimiterName}'). " +
                $"The {schema.Kind.ToName()} contract needs {string.Join(", ", schema.RequiredColumns)}");
        }

        if (unknown > MaxUnknownColumnWarnings)
        {
            warnings.Add(new ContractProblem(fileName, 1, null, ProblemCodes.UnknownColumn,
                $"{unknown - MaxUnknownColumnWarnings} more column(s) are not part of the {schema.Kind.ToName()} contract and are ignored", ProblemSeverity.Warning));
        }

        var present = all.Where((c, i) => fieldOfColumn[i] >= 0).ToArray();
        return new ContractReader<TRecord>(schema, csv, fileName, dialect, warnings, present, fieldOfColumn, header.Length, checkUtf8, strictContacts);
    }

    private static int IndexOf(IReadOnlyList<string> columns, string name)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            if (columns[i] == name)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Reads the data rows once, streaming. Each row carries its record and problems; a file-level
    /// problem found on the way (invalid UTF-8, broken quoting, an oversized record) throws
    /// <see cref="ContractFileException"/> naming the line.
    /// </summary>
    public IEnumerable<ContractRow<TRecord>> ReadRows(CancellationToken cancellationToken = default)
    {
        if (_consumed)
        {
            throw new InvalidOperationException("the rows of a contract file can be read once");
        }

        _consumed = true;
        return ReadRowsCore(cancellationToken);
    }

    private IEnumerable<ContractRow<TRecord>> ReadRowsCore(CancellationToken cancellationToken)
    {
        var checker = new RecordChecker<TRecord>(_schema, FileName, _strictContacts);
        var values = new string?[_schema.AllColumns.Count];
        var problems = new List<ContractProblem>();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            bool more;
            try
            {
                more = _csv.Read();
            }
            catch (CsvFormatException ex)
            {
                throw Malformed(FileName, ex);
            }

            if (!more)
            {
                yield break;
            }

            var line = CurrentLine();
            if (line < 0)
            {
                continue;
            }

            problems.Clear();
            var fieldCount = _csv.FieldCount;
            if (fieldCount != _headerFieldCount)
            {
                problems.Add(FieldCountProblem(line, fieldCount));
            }

            CutFields(fieldCount, values);
            yield return CheckRow(checker, _schema.Create(values), line, problems, null);
        }
    }

    // The current record's line, or -1 for a line of spaces only (as good as an empty line); invalid UTF-8 ends the file.
    private long CurrentLine()
    {
        var line = _csv.LineNumber;
        var raw = _csv.RawRecord;
        if (_checkUtf8 && !Utf8.IsValid(raw))
        {
            throw InvalidUtf8(FileName, line);
        }

        return IsBlank(raw) ? -1 : line;
    }

    // The current record's values in schema column order: trimmed, null when empty or missing.
    private void CutFields(int fieldCount, Span<string?> values)
    {
        for (var c = 0; c < values.Length; c++)
        {
            var field = _fieldOfColumn[c];
            if (field < 0 || field >= fieldCount)
            {
                values[c] = null;
                continue;
            }

            var text = _csv.GetString(field).Trim();
            values[c] = text.Length == 0 ? null : text;
        }
    }

    private ContractProblem FieldCountProblem(long line, int fieldCount) =>
        new(FileName, line, null, ProblemCodes.FieldCount,
            $"the row has {fieldCount} field(s) but the header has {_headerFieldCount}; check for an unquoted '{Dialect.DelimiterName}' inside a value",
            ProblemSeverity.Error);

    // One row's record, checked; problems holds the row's problems found so far (the field count).
    private ContractRow<TRecord> CheckRow(RecordChecker<TRecord> checker, TRecord record, long line, List<ContractProblem> problems, bool? certainlyClean)
    {
        checker.Check(record, line, problems, certainlyClean);

        var valid = !problems.Any(p => p.Severity == ProblemSeverity.Error);
        if (valid && checker.ClearedContacts)
        {
            record = _schema.ClearInvalidContacts(record);
        }

        return new ContractRow<TRecord>(line, valid ? _schema.Normalize(record) : record, problems.Count == 0 ? [] : problems.ToArray());
    }

    /// <inheritdoc />
    public override IEnumerable<ContractRow> ReadUntypedRows(CancellationToken cancellationToken = default) => ReadRows(cancellationToken);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _csv.Dispose();
        }
    }

    private static ContractFileException Malformed(string fileName, CsvFormatException ex)
    {
        var line = ex.LineNumber > 0 ? ex.LineNumber : (long?)null;
        var tooLarge = ex.Message.Contains("large", StringComparison.OrdinalIgnoreCase) || ex.Message.Contains("MaxRecordSize", StringComparison.Ordinal);
        return FileError(fileName, line, tooLarge ? ProblemCodes.RecordTooLarge : ProblemCodes.MalformedCsv,
            tooLarge
                ? "a record is larger than the limit: probably a quote that is never closed"
                : $"broken CSV quoting ({ex.Message.TrimEnd('.')}): a quoted field must end with a quote followed by the delimiter or a line break, and quotes inside it are doubled (\"\")",
            ex);
    }

    private static ContractFileException InvalidUtf8(string fileName, long line) =>
        FileError(fileName, line, ProblemCodes.InvalidUtf8,
            "the record is not valid UTF-8; save the file as UTF-8, or read it with an explicit legacy encoding (--encoding windows-1252)");

    private static ContractFileException FileError(string fileName, long? line, string code, string message, Exception? inner = null) =>
        new(new ContractProblem(fileName, line, null, code, message, ProblemSeverity.Error), inner);
}
