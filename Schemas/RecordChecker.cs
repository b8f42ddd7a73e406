using System.Globalization;
using RecallFiles.Schemas.Internal;

namespace RecallFiles.Schemas;

/// <summary>
/// The row rules of one file, applied record by record: the FluentValidation validator of the
/// format plus the file-wide duplicate-APP_LID check. <see cref="ContractReader"/> uses it for
/// every row it reads; a writer of files (the exporter) uses it to refuse an invalid file before
/// anyone sees it. One instance per file; not thread-safe.
/// </summary>
public sealed class RecordChecker<TRecord> where TRecord : class
{
    private readonly RecordSchema<TRecord> _schema;
    private readonly string _fileName;
    private readonly FirstLines _seen = new();
    private readonly bool _strictContacts;

    internal RecordChecker(RecordSchema<TRecord> schema, string fileName, bool strictContacts = true)
    {
        _schema = schema;
        _fileName = fileName;
        _strictContacts = strictContacts;
    }

    /// <summary>
    /// True when the last <see cref="Check(TRecord, long, List{ContractProblem})"/> turned an invalid optional contact value into a warning: the value is to be
    /// cleared (<see cref="ContractReadOptions.StrictContacts"/>).
    /// </summary>
    internal bool ClearedContacts { get; private set; }

    /// <summary>Adds the problems of <paramref name="record"/>, found on <paramref name="line"/>, to <paramref name="problems"/>.</summary>
    public void Check(TRecord record, long line, List<ContractProblem> problems) => Check(record, line, problems, null);

    /// <summary>
    /// <see cref="Check(TRecord, long, List{ContractProblem})"/> with the fast "no problem at all" answer already known
    /// (computed on another thread, issue 18); null to compute it here.
    /// </summary>
    internal void Check(TRecord record, long line, List<ContractProblem> problems, bool? certainlyClean)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(problems);
        var clean = certainlyClean ?? _schema.CertainlyClean?.Invoke(record) == true;
        var result = clean ? null : _schema.Validator.Validate(record);
        ClearedContacts = false;
        foreach (var failure in result?.Errors ?? [])
        {
            var column = string.IsNullOrEmpty(failure.PropertyName) ? null : failure.PropertyName;
            var severity = failure.Severity == FluentValidation.Severity.Error ? ProblemSeverity.Error : ProblemSeverity.Warning;
            var message = failure.ErrorMessage;
            if (!_strictContacts && severity == ProblemSeverity.Error && column is not null && _schema.ContactColumns.Contains(column))
            {
                // Issue 15: one bad e-mail must not cost the patient the SMS reminder.
                severity = ProblemSeverity.Warning;
                message += "; the value is ignored and the row kept (StrictContacts: true makes it a row error)";
                ClearedContacts = true;
            }

            problems.Add(new ContractProblem(_fileName, line, column, failure.ErrorCode, message, severity));
        }

        var key = _schema.Key(record);
        if (key.Length == 0)
        {
            return;
        }

        // One hash lookup per row: the slot is added, or found with the line that first named the key.
        var firstLine = FirstLineOrAdd(RecordChecker.Fnv1a64(key), line);
        if (firstLine >= 0)
        {
            problems.Add(DuplicateKey(key, line, firstLine));
        }
    }

    /// <summary>The duplicate index: records <paramref name="line"/> for a key hash (<see cref="RecordChecker.Fnv1a64"/>) and returns -1, or returns the line recorded first.</summary>
    internal long FirstLineOrAdd(ulong keyHash, long line) => _seen.FirstLineOrAdd(keyHash, line);

    internal ContractProblem DuplicateKey(string key, long line, long firstLine) =>
        new(_fileName, line, Columns.AppLid, ProblemCodes.DuplicateKey,
            $"APP_LID '{Mask.Echo(key)}' already appears on line {firstLine.ToString(CultureInfo.InvariantCulture)}; each appointment may appear once per file", ProblemSeverity.Error);
}

/// <summary>Creates <see cref="RecordChecker{TRecord}"/>s.</summary>
public static class RecordChecker
{
    // 64-bit FNV-1a over the UTF-16 code units: the duplicate check keeps a hash per APP_LID instead of
    // the string; two different ids colliding is about 3 in 10^8 for a million-row file (docs/file-formats.md).
    internal static ulong Fnv1a64(ReadOnlySpan<char> value)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in value)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }

    /// <summary>A checker for the rows of an appointment file named <paramref name="fileName"/>.</summary>
    public static RecordChecker<AppointmentRecord> ForAppointments(string fileName) => new(Internal.Schemas.Appointments, fileName);

    /// <summary>A checker for the rows of a status file.</summary>
    public static RecordChecker<StatusRecord> ForStatus(string fileName) => new(Internal.Schemas.Status, fileName);

    /// <summary>A checker for the rows of a status result file.</summary>
    public static RecordChecker<StatusResultRecord> ForStatusResults(string fileName) => new(Internal.Schemas.StatusResult, fileName);
}
