using CsvHelper;
using RecallFiles.Schemas.Internal;

namespace RecallFiles.Schemas;

/// <summary>
/// Writes contract files in the one strict dialect (<see cref="CsvDialect.Written"/>): UTF-8 without
/// BOM, comma, CRLF after every record including the last, a header row, RFC 4180 quoting (a field
/// is quoted only when it holds a comma, a quote, CR or LF; quotes are doubled). Values are written
/// as they are: what <see cref="ContractReader"/> reads back is identical (after its trimming).
/// </summary>
public sealed class ContractWriter<TRecord> : IDisposable, IAsyncDisposable where TRecord : class
{
    private readonly RecordSchema<TRecord> _schema;
    private readonly CsvWriter _csv;
    private readonly int[] _columnIndexes;
    private readonly string?[] _values;
    private readonly string?[] _row;

    internal ContractWriter(RecordSchema<TRecord> schema, Stream stream, IEnumerable<string>? optionalColumns, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _schema = schema;
        var optional = (optionalColumns ?? []).Select(c => c.Trim().ToUpperInvariant()).Distinct().ToArray();
        var unknown = optional.Where(c => !schema.OptionalColumns.Contains(c)).ToArray();
        if (unknown.Length > 0)
        {
            throw new ArgumentException(
                $"unknown optional column(s) {string.Join(", ", unknown)} for {schema.Kind.ToName()} files; allowed: {string.Join(", ", schema.OptionalColumns)}",
                nameof(optionalColumns));
        }

        // Optional columns are written in contract order, whatever order they were asked in.
        Columns = [.. schema.RequiredColumns, .. schema.OptionalColumns.Where(optional.Contains)];
        _columnIndexes = Columns.Select(c => schema.AllColumns.ToList().IndexOf(c)).ToArray();
        // Both arrays are reused row after row (issue 18: no array per record).
        _values = new string?[schema.AllColumns.Count];
        _row = new string?[Columns.Count];
        _csv = CsvWriter.Create(stream, new CsvWriterOptions
        {
            Separator = ',',
            NewLine = "\r\n",
            Quoting = CsvQuoting.WhenNeeded,
            Injection = CsvInjection.None,
            WriteByteOrderMark = false,
            ValidateFieldCount = true,
        }, leaveOpen);
        _csv.WriteHeader(Columns.ToArray());
    }

    /// <summary>The columns written, in order.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Data records written so far.</summary>
    public long Count { get; private set; }

    /// <summary>Writes one record. Null values are empty fields.</summary>
    public void Write(TRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _schema.Fill(record, _values);
        for (var i = 0; i < _columnIndexes.Length; i++)
        {
            _row[i] = _values[_columnIndexes[i]];
        }

        _csv.WriteRecord(_row);
        Count++;
    }

    /// <summary>Writes every record of <paramref name="records"/>.</summary>
    public void WriteAll(IEnumerable<TRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var record in records)
        {
            Write(record);
        }
    }

    /// <summary>Writes buffered records to the stream.</summary>
    public void Flush() => _csv.Flush();

    /// <inheritdoc />
    public void Dispose() => _csv.Dispose();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _csv.DisposeAsync();
}

/// <summary>Creates <see cref="ContractWriter{TRecord}"/>s.</summary>
public static class ContractWriter
{
    /// <summary>
    /// An appointment file writer: the 12 A.1.1 columns, then the chosen extension columns of
    /// <see cref="Columns.AppointmentExtensions"/> (none by default).
    /// </summary>
    public static ContractWriter<AppointmentRecord> ForAppointments(Stream stream, IEnumerable<string>? extensionColumns = null, bool leaveOpen = false) =>
        new(Internal.Schemas.Appointments, stream, extensionColumns, leaveOpen);

    /// <summary>
    /// A status file writer: the A.1.2.1 columns, and with <paramref name="withSchedule"/> the
    /// APP_DATE and APP_START_TIME the cloud knew (<see cref="Columns.StatusExtensions"/>).
    /// </summary>
    public static ContractWriter<StatusRecord> ForStatus(Stream stream, bool leaveOpen = false, bool withSchedule = false) =>
        new(Internal.Schemas.Status, stream, withSchedule ? Columns.StatusExtensions : null, leaveOpen);

    /// <summary>A status result file writer (APP_LID, RESULT, MESSAGE).</summary>
    public static ContractWriter<StatusResultRecord> ForStatusResults(Stream stream, bool leaveOpen = false) =>
        new(Internal.Schemas.StatusResult, stream, [Columns.Message], leaveOpen);
}
