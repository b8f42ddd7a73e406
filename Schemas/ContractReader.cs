using System.Globalization;
using System.Text;
using System.Text.Unicode;
using CsvHelper;
using ContractColumns = RecallFiles.Schemas.Columns;
using RecallFiles.Schemas.Internal;

namespace RecallFiles.Schemas;

/// <summary>
/// Streams a contract file row by row: memory does not depend on the file's size except for the
/// duplicate-APP_LID index, which keeps a 64-bit hash and a line number per row (12-byte slots at most half full:
/// 24 MiB for a million-row file, 36 MiB while the table doubles; docs/performance.md). Reading is liberal: UTF-8 with or without BOM (or a configured legacy
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

    /// <summary>
    /// The problems of each row of <see cref="ReadUntypedRows"/>, parsed on a second thread while the caller's checks them
    /// (issue 18); what <see cref="FileValidator"/> reads. A clean row costs no record and no string.
    /// </summary>
    internal abstract IEnumerable<IReadOnlyList<ContractProblem>> ReadRowProblemsPipelined(CancellationToken cancellationToken = default);

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
