using RecallFiles.Schemas;

namespace RecallFiles.Exporter;

/// <summary>
/// What a dry run shows practice IT (<c>recallfiles export --once --dry-run</c>): the first records of the file and the
/// written columns that are empty in every row, collected while the file is written. Issue 18: reading a 1M-row file
/// back to show five rows took longer than writing it and held every record in memory. Values are as the contract
/// reader would read them back: trimmed, blank as empty, STATUS in its wire spelling.
/// </summary>
public sealed class ExportPreview
{
    /// <summary>How many records are kept for showing.</summary>
    public const int Shown = 5;

    private readonly string[] _columns;
    private readonly Func<AppointmentRecord, string?>[] _values;
    private readonly bool[] _filled;
    private readonly List<AppointmentRecord> _first = new(Shown);
    private int _unfilled;

    /// <summary>Collects for a file of <paramref name="columns"/> (the writer's columns, in file order).</summary>
    public ExportPreview(IReadOnlyList<string> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _columns = [.. columns];
        _values = [.. _columns.Select(Raw)];
        _filled = new bool[_columns.Length];
        _unfilled = _columns.Length;
    }

    /// <summary>The columns of the file, in order.</summary>
    public IReadOnlyList<string> Columns => _columns;

    /// <summary>The first <see cref="Shown"/> records written (values unmasked: mask them before showing).</summary>
    public IReadOnlyList<AppointmentRecord> FirstRecords => _first;

    /// <summary>Records seen.</summary>
    public long Rows { get; private set; }

    /// <summary>The columns whose value was empty (or blank) in every record, in file order.</summary>
    public IReadOnlyList<string> EmptyColumns => [.. _columns.Where((_, i) => !_filled[i])];

    /// <summary>Notes one record written to the file.</summary>
    public void Add(AppointmentRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Rows++;
        if (_first.Count < Shown)
        {
            _first.Add(record);
        }

        // Once every column has had a value, a record costs one comparison.
        if (_unfilled == 0)
        {
            return;
        }

        for (var i = 0; i < _columns.Length; i++)
        {
            if (!_filled[i] && !string.IsNullOrWhiteSpace(_values[i](record)))
            {
                _filled[i] = true;
                _unfilled--;
            }
        }
    }

    /// <summary>The value of <paramref name="column"/> in <paramref name="record"/> as the contract reader reads it back (trimmed, null when blank).</summary>
    public static string? Value(AppointmentRecord record, string column)
    {
        ArgumentNullException.ThrowIfNull(record);
        var value = Raw(column)(record);
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        value = value.Trim();
        return column == Schemas.Columns.Status ? AppointmentStatuses.NormalizeAppointmentStatus(value) ?? value : value;
    }

    private static Func<AppointmentRecord, string?> Raw(string column) => column switch
    {
        Schemas.Columns.AppLid => static r => r.AppLid,
        Schemas.Columns.AppDate => static r => r.AppDate,
        Schemas.Columns.AppStartTime => static r => r.AppStartTime,
        Schemas.Columns.UserLandlinePhone => static r => r.UserLandlinePhone,
        Schemas.Columns.UserMobilePhone => static r => r.UserMobilePhone,
        Schemas.Columns.UserEmail => static r => r.UserEmail,
        Schemas.Columns.ResourceLid => static r => r.ResourceLid,
        Schemas.Columns.ResourceName => static r => r.ResourceName,
        Schemas.Columns.ResourceMobilePhone => static r => r.ResourceMobilePhone,
        Schemas.Columns.ResourceEmail => static r => r.ResourceEmail,
        Schemas.Columns.LocationLid => static r => r.LocationLid,
        Schemas.Columns.LocationName => static r => r.LocationName,
        Schemas.Columns.AppEndTime => static r => r.AppEndTime,
        Schemas.Columns.UserWorkPhone => static r => r.UserWorkPhone,
        Schemas.Columns.UserLanguage => static r => r.UserLanguage,
        Schemas.Columns.CommunicationPreferences => static r => r.CommunicationPreferences,
        Schemas.Columns.Privacy => static r => r.Privacy,
        Schemas.Columns.Status => static r => r.Status,
        _ => static _ => null,
    };
}
