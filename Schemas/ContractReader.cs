using System.Globalization;
using System.Text;
using System.Text.Unicode;
using CsvHelper;
using ContractColumns = RecallFiles.Schemas.Columns;
using RecallFiles.Schemas.Internal;

namespace RecallFiles.Schemas;

/// <summary>One data row of a contract file, with what is wrong with it.</summary>
public class ContractRow
{
    internal ContractRow(long line, IReadOnlyList<ContractProblem> problems)
    {
        Line = line;
        Problems = problems;
    }

    /// <summary>The 1-based physical line where the record starts (the header is line 1).</summary>
    public long Line { get; }

    /// <summary>Errors and warnings of this row, in column order; empty for a clean row.</summary>
    public IReadOnlyList<ContractProblem> Problems { get; }

    /// <summary>True when the row has no error (warnings allowed).</summary>
    public bool IsValid => !Problems.Any(p => p.Severity == ProblemSeverity.Error);
}

/// <summary>A data row and its record. The record holds the file's trimmed values even when the row is invalid.</summary>
public sealed class ContractRow<TRecord> : ContractRow where TRecord : class
{
    internal ContractRow(long line, TRecord record, IReadOnlyList<ContractProblem> problems) : base(line, problems) => Record = record;

    /// <summary>The record; status and result values are in their exact wire spelling when valid.</summary>
    public TRecord Record { get; }
}

/// <summary>
/// Streams a contract file row by row: memory does not depend on the file's size except for the
/// duplicate-APP_LID index, which keeps a 64-bit hash and a line number per row (about 30–60 bytes a
/// row with the dictionary's overhead: ~115 MB peak for a million-row file, docs/performance.md). Reading is liberal: UTF-8 with or without BOM (or a configured legacy
/// encoding), CRLF, LF or CR, delimiter <c>,</c> <c>;</c> <c>|</c> or tab detected from the header,
/// RFC 4180 quoting with delimiters, quotes and line breaks inside quotes. Header names match
/// case-insensitively. Opening reads the header and throws <see cref="ContractFileException"/> when
/// the file cannot be read as the contract at all.
/// </summary>
public abstract class ContractReader : IDisposable
{
    private static readonly byte[] Whitespace = [(byte)' ', (byte)'\t'];

    private protected ContractReader(string fileName, FileKind kind, CsvDialect dialect, IReadOnlyList<ContractProblem> headerWarnings, IReadOnlyList<string> columns)
    {
        FileName = fileName;
        Kind = kind;
        Dialect = dialect;
        HeaderWarnings = headerWarnings;
        Columns = columns;
    }

    /// <summary>The file name used in problems.</summary>
    public string FileName { get; }

    /// <summary>The file format being read.</summary>
    public FileKind Kind { get; }

    /// <summary>The physical format found.</summary>
    public CsvDialect Dialect { get; }

    /// <summary>The contract columns present in the header, in <see cref="Schemas.Columns"/> order.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Warnings about the header: unknown columns (dropped) and patient-identifying columns (dropped, never read).</summary>
    public IReadOnlyList<ContractProblem> HeaderWarnings { get; }

    /// <summary>Reads the rows as their base type, for callers that only count and report.</summary>
    public abstract IEnumerable<ContractRow> ReadUntypedRows(CancellationToken cancellationToken = default);

    /// <summary>Opens an appointment file.</summary>
    public static ContractReader<AppointmentRecord> OpenAppointments(Stream stream, string fileName, ContractReadOptions? options = null, bool leaveOpen = false) =>
        ContractReader<AppointmentRecord>.OpenCore(Internal.Schemas.Appointments, Prefix.Read(stream, fileName, options), stream, fileName, options, leaveOpen, FileKind.Appointments);

    /// <summary>Opens a status file.</summary>
    public static ContractReader<StatusRecord> OpenStatus(Stream stream, string fileName, ContractReadOptions? options = null, bool leaveOpen = false) =>
        ContractReader<StatusRecord>.OpenCore(Internal.Schemas.Status, Prefix.Read(stream, fileName, options), stream, fileName, options, leaveOpen, FileKind.Status);

    /// <summary>Opens a status result file.</summary>
    public static ContractReader<StatusResultRecord> OpenStatusResults(Stream stream, string fileName, ContractReadOptions? options = null, bool leaveOpen = false) =>
        ContractReader<StatusResultRecord>.OpenCore(Internal.Schemas.StatusResult, Prefix.Read(stream, fileName, options), stream, fileName, options, leaveOpen, FileKind.StatusResult);

    /// <summary>
    /// Opens a file of any kind: <paramref name="kind"/> when given, else the kind its name says
    /// (<see cref="ContractFileName"/>), else the kind its header says (APP_DATE → appointments,
    /// RESULT → status result, STATUS → status, anything else → appointments).
    /// </summary>
    public static ContractReader Open(Stream stream, string fileName, FileKind? kind = null, ContractReadOptions? options = null, bool leaveOpen = false)
    {
        var prefix = Prefix.Read(stream, fileName, options);
        // The kind is "known" when given, named by the file name or said by a header column; a file
        // that says nothing is read as appointments, but its file errors report no kind.
        kind ??= ContractFileName.TryParse(Path.GetFileName(fileName), out var parsed, out _) ? parsed!.Kind : prefix.InferKind();
        return kind switch
        {
            FileKind.Status => ContractReader<StatusRecord>.OpenCore(Internal.Schemas.Status, prefix, stream, fileName, options, leaveOpen, kind),
            FileKind.StatusResult => ContractReader<StatusResultRecord>.OpenCore(Internal.Schemas.StatusResult, prefix, stream, fileName, options, leaveOpen, kind),
            _ => ContractReader<AppointmentRecord>.OpenCore(Internal.Schemas.Appointments, prefix, stream, fileName, options, leaveOpen, kind),
        };
    }

    /// <summary>The first bytes of a file and what they say about its format.</summary>
    internal sealed record Prefix(byte[] Bytes, int Filled, DialectSniffer.Sniffed Sniffed, Encoding? Encoding)
    {
        public static Prefix Read(Stream stream, string fileName, ContractReadOptions? options)
        {
            ArgumentNullException.ThrowIfNull(stream);
            var encoding = ResolveEncoding((options ?? ContractReadOptions.Default).Encoding, fileName);
            var prefix = new byte[DialectSniffer.PrefixSize];
            var filled = 0;
            try
            {
                int n;
                while (filled < prefix.Length && (n = stream.Read(prefix, filled, prefix.Length - filled)) > 0)
                {
                    filled += n;
                }
            }
            catch (IOException ex)
            {
                throw new ContractFileException(new ContractProblem(fileName, null, null, ProblemCodes.UnreadableFile,
                    $"cannot read the file: {ex.Message}", ProblemSeverity.Error), ex);
            }

            return new Prefix(prefix, filled, DialectSniffer.Sniff(prefix.AsSpan(0, filled), encoding), encoding);
        }

        /// <summary>The kind a header column says (APP_DATE, RESULT, STATUS), or null when none does.</summary>
        public FileKind? InferKind()
        {
            if (Sniffed.Empty)
            {
                return null;
            }

            var text = Sniffed.Dialect.Encoding.StartsWith("utf-16", StringComparison.Ordinal)
                ? (Sniffed.Dialect.Encoding == "utf-16" ? System.Text.Encoding.Unicode : System.Text.Encoding.BigEndianUnicode).GetString(Bytes, 2, (Filled - 2) & ~1)
                    .Split('\n')[0]
                : (Encoding ?? System.Text.Encoding.UTF8).GetString(Bytes, Sniffed.BomLength, Sniffed.HeaderLength);
            var names = text.Split(Sniffed.Dialect.Delimiter).Select(h => h.Trim().Trim('"').Trim().ToUpperInvariant()).ToHashSet();
            return names.Contains(ContractColumns.AppDate) ? FileKind.Appointments
                : names.Contains(ContractColumns.Result) ? FileKind.StatusResult
                : names.Contains(ContractColumns.Status) ? FileKind.Status
                : null;
        }
    }

    internal static Encoding? ResolveEncoding(string? name, string fileName)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || name.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        try
        {
            return Encoding.GetEncoding(name);
        }
        catch (ArgumentException ex)
        {
            throw new ContractFileException(new ContractProblem(fileName, null, null, ProblemCodes.UnreadableFile,
                $"unknown encoding '{name}': use utf-8 (the default) or a legacy code page such as windows-1252 or iso-8859-1", ProblemSeverity.Error), ex);
        }
    }

    internal static bool IsBlank(ReadOnlySpan<byte> raw) => raw.Trim(Whitespace).IsEmpty;

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the stream unless it was opened with leaveOpen.</summary>
    protected abstract void Dispose(bool disposing);

    internal static string Inv(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A <see cref="ContractReader"/> for records of type <typeparamref name="TRecord"/>.</summary>
public sealed class ContractReader<TRecord> : ContractReader where TRecord : class
{
    private readonly RecordSchema<TRecord> _schema;
    private readonly CsvReader _csv;
    private readonly int[] _fieldOfColumn;   // schema column index → field index in the file, or -1
    private readonly int _headerFieldCount;
    private readonly bool _checkUtf8;
    private bool _consumed;

    private ContractReader(RecordSchema<TRecord> schema, CsvReader csv, string fileName, CsvDialect dialect,
        IReadOnlyList<ContractProblem> warnings, IReadOnlyList<string> columns, int[] fieldOfColumn, int headerFieldCount, bool checkUtf8)
        : base(fileName, schema.Kind, dialect, warnings, columns)
    {
        _schema = schema;
        _csv = csv;
        _fieldOfColumn = fieldOfColumn;
        _headerFieldCount = headerFieldCount;
        _checkUtf8 = checkUtf8;
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

        var checkUtf8 = prefix.Encoding is null && !sniffed.Dialect.Encoding.StartsWith("utf-16", StringComparison.Ordinal);
        if (checkUtf8)
        {
            if (!sniffed.HeaderComplete)
            {
                throw FileError(fileName, 1, ProblemCodes.RecordTooLarge, $"the header row is longer than {DialectSniffer.PrefixSize} bytes");
            }

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
            return Build(schema, csv, fileName, dialect, normalized, checkUtf8);
        }
        catch
        {
            csv.Dispose();
            throw;
        }
    }

    private static ContractReader<TRecord> Build(RecordSchema<TRecord> schema, CsvReader csv, string fileName, CsvDialect dialect, string[] header, bool checkUtf8)
    {
        var all = schema.AllColumns;
        var fieldOfColumn = new int[all.Count];
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
            else
            {
                var shown = name.Length == 0 ? $"(empty name, field {field + 1})" : name;
                warnings.Add(new ContractProblem(fileName, 1, name.Length == 0 ? null : name, ProblemCodes.UnknownColumn,
                    $"column {shown} is not part of the {schema.Kind.ToName()} contract and is ignored", ProblemSeverity.Warning));
            }
        }

        var missing = schema.RequiredColumns.Where((c, i) => fieldOfColumn[i] < 0).ToArray();
        if (missing.Length > 0)
        {
            var found = header.Length == 0 ? "(none)" : string.Join(", ", header.Select(h => h.Length == 0 ? "(empty)" : h));
            throw FileError(fileName, 1, ProblemCodes.MissingColumns,
                $"the header lacks required column(s) {string.Join(", ", missing)}; found {found} (delimiter '{dialect.DelimiterName}'). " +
                $"The {schema.Kind.ToName()} contract needs {string.Join(", ", schema.RequiredColumns)}");
        }

        var present = all.Where((c, i) => fieldOfColumn[i] >= 0).ToArray();
        return new ContractReader<TRecord>(schema, csv, fileName, dialect, warnings, present, fieldOfColumn, header.Length, checkUtf8);
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
        var checker = new RecordChecker<TRecord>(_schema, FileName);
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

            var line = _csv.LineNumber;
            var raw = _csv.RawRecord;
            if (_checkUtf8 && !Utf8.IsValid(raw))
            {
                throw InvalidUtf8(FileName, line);
            }

            if (IsBlank(raw))
            {
                continue;   // a line of spaces only: as good as an empty line
            }

            problems.Clear();
            var fieldCount = _csv.FieldCount;
            if (fieldCount != _headerFieldCount)
            {
                problems.Add(new ContractProblem(FileName, line, null, ProblemCodes.FieldCount,
                    $"the row has {fieldCount} field(s) but the header has {_headerFieldCount}; check for an unquoted '{Dialect.DelimiterName}' inside a value",
                    ProblemSeverity.Error));
            }

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

            var record = _schema.Create(values);
            checker.Check(record, line, problems);

            var valid = !problems.Any(p => p.Severity == ProblemSeverity.Error);
            yield return new ContractRow<TRecord>(line, valid ? _schema.Normalize(record) : record, problems.Count == 0 ? [] : problems.ToArray());
        }
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
