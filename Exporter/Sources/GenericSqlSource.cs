using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using RecallFiles.Exporter.GenericSql;
using RecallFiles.Schemas;

namespace RecallFiles.Exporter.Sources;

/// <summary>
/// Any PMS with an ADO.NET provider: practice IT supplies a query file that returns the contract's
/// column names (the 12 of tuOtempO A.1.1, plus any extension columns) and takes
/// <c>@WindowStart</c> and <c>@WindowEnd</c>, local wall-clock times in the practice's time zone
/// (widened by one hour on each side for DST; the exact window is applied afterwards). APP_DATE may
/// be a date/datetime column or text (dd/mm/yyyy or yyyy-mm-dd); APP_START_TIME a time, a datetime or
/// text (hh:mm or hh:mm:ss).
/// </summary>
public sealed partial class GenericSqlSource(PracticeExportOptions options) : IAppointmentSource
{
    private string? _query;
    private SqlStatement? _statement;

    private string LoadQuery()
    {
        if (_query is not null)
        {
            return _query;
        }

        var path = options.QueryFile ?? throw new ExportException($"practice {options.PracticeId}: QueryFile is not set");
        try
        {
            _query = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ExportException($"practice {options.PracticeId}: cannot read QueryFile '{path}': {ex.Message}", ex);
        }

        if (!_query.Contains("@WindowStart", StringComparison.OrdinalIgnoreCase) || !_query.Contains("@WindowEnd", StringComparison.OrdinalIgnoreCase))
        {
            throw new ExportException($"practice {options.PracticeId}: the query in '{path}' must filter on @WindowStart and @WindowEnd (local appointment start times, start inclusive, end exclusive)");
        }

        return _query;
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        DbConnection? connection = null;
        try
        {
            connection = SqlProviders.CreateConnection(options.Provider, options.ConnectionString, readOnly: true);
            await connection.OpenAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is DbException or ArgumentException or InvalidOperationException)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }

            throw new ExportException(
                $"practice {options.PracticeId}: cannot connect to the {options.Provider} database: {ex.Message}. Check RecallFiles:Agent:Practices:{options.PracticeId}:ConnectionString{SqlProviders.Hint(options.Provider)}.", ex);
        }

        return connection;
    }

    private async Task<DbDataReader> ExecuteAsync(DbConnection connection, DateTime start, DateTime end, CancellationToken cancellationToken)
    {
        // Translated once (ODBC binds by position); a local wall-clock time: timestamp without time zone.
        _statement ??= SqlStatement.Prepare(options.Provider, LoadQuery(), ["@WindowStart", "@WindowEnd"]);
        var type = DbType.DateTime2;
        if (options.Provider == SqlProvider.Odbc)
        {
            // Whole seconds, widened outwards: some drivers (SQL Server's) refuse a fraction finer than the binding's
            // scale; the exact window is applied afterwards anyway.
            type = DbType.DateTime;
            start = start.AddTicks(-(start.Ticks % TimeSpan.TicksPerSecond));
            end = end.Ticks % TimeSpan.TicksPerSecond == 0 ? end : end.AddTicks(TimeSpan.TicksPerSecond - (end.Ticks % TimeSpan.TicksPerSecond));
        }

        var command = _statement.CreateCommand(connection, null, [new("@WindowStart", start, type), new("@WindowEnd", end, type)]);
        try
        {
            return await command.ExecuteReaderAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is DbException or ArgumentException or InvalidCastException or InvalidOperationException)
        {
            throw new ExportException($"practice {options.PracticeId}: the query in '{options.QueryFile}' (RecallFiles:Agent:Practices:{options.PracticeId}:QueryFile) failed: {ex.Message}", ex);
        }
    }

    private Dictionary<string, int> CheckColumns(IEnumerable<string> names)
    {
        var ordinals = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var index = 0;
        foreach (var name in names)
        {
            ordinals.TryAdd(name.Trim(), index++);
        }

        var missing = Columns.AppointmentRequired.Where(c => !ordinals.ContainsKey(c)).ToArray();
        if (missing.Length > 0)
        {
            throw new ExportException(
                $"practice {options.PracticeId}: the query in '{options.QueryFile}' (RecallFiles:Agent:Practices:{options.PracticeId}:QueryFile) does not return column(s) {string.Join(", ", missing)}; " +
                $"it returns {string.Join(", ", ordinals.Keys)}. Alias the PMS columns to the contract names (SELECT ... AS APP_LID, ...)");
        }

        var identifying = ordinals.Keys.Where(Columns.PatientIdentifying.Contains).ToArray();
        if (identifying.Length > 0)
        {
            throw new ExportException(
                $"practice {options.PracticeId}: the query in '{options.QueryFile}' returns patient-identifying column(s) {string.Join(", ", identifying)}; remove them (tuOtempO A.2.2: no patient names)");
        }

        return ordinals;
    }

    /// <inheritdoc />
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        // An empty window returns no rows but every column name.
        var now = DateTime.SpecifyKind(DateTime.UtcNow, DateTimeKind.Unspecified);
        await using var reader = await ExecuteAsync(connection, now, now, cancellationToken);
        CheckColumns(Enumerable.Range(0, reader.FieldCount).Select(reader.GetName));
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<SourceAppointment> ReadAsync(ExportWindow window, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var start = window.LocalStart.AddHours(-1);
        var end = window.LocalEnd.AddHours(1);
        await using var connection = await OpenAsync(cancellationToken);
        if (connection is Npgsql.NpgsqlConnection npgsql)
        {
            // PostgreSQL sends the rows through COPY … TO STDOUT (GenericSqlSource.Postgres.cs), much faster to read
            // than the row protocol; the result is the same query's rows as text.
            await foreach (var appointment in ReadPostgresAsync(npgsql, start, end, window.TimeZone, cancellationToken))
            {
                yield return appointment;
            }

            yield break;
        }

        await using var reader = await ExecuteAsync(connection, start, end, cancellationToken);
        var row = new DbRow(reader);
        var columns = new ColumnMap(CheckColumns(Enumerable.Range(0, reader.FieldCount).Select(reader.GetName)));
        long line = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return Build(row, columns, window.TimeZone, ++line);
        }
    }

    private SourceAppointment Build(IRow row, ColumnMap c, TimeZoneInfo zone, long line)
    {
        var (start, timeKnown) = ReadStart(row, c.AppDate, c.AppStartTime, line);
        return new SourceAppointment
        {
            AppLid = row.Text(c.AppLid) ?? "",
            LocalStart = start,
            TimeZone = zone,
            TimeKnown = timeKnown,
            LocalEnd = ReadTime(row, c.AppEndTime, Columns.AppEndTime, line) is { } end ? start.Date + end : null,
            LandlinePhone = row.Text(c.Landline),
            MobilePhone = row.Text(c.Mobile),
            WorkPhone = row.Text(c.Work),
            Email = row.Text(c.Email),
            ResourceLid = row.Text(c.ResourceLid) ?? "",
            ResourceName = row.Text(c.ResourceName) ?? "",
            ResourceMobilePhone = row.Text(c.ResourceMobile),
            ResourceEmail = row.Text(c.ResourceEmail),
            LocationLid = row.Text(c.LocationLid),
            LocationName = row.Text(c.LocationName),
            Language = row.Text(c.Language),
            CommunicationPreferences = row.Text(c.Preferences),
            Privacy = row.Text(c.Privacy),
            Status = row.Text(c.Status),
        };
    }

    /// <summary>Where each contract column is in the query's result, resolved once (-1: not returned).</summary>
    private sealed class ColumnMap(Dictionary<string, int> ordinals)
    {
        public int AppLid { get; } = ordinals.TryGetValue(Columns.AppLid, out var i) ? i : -1;
        public int AppDate { get; } = ordinals.TryGetValue(Columns.AppDate, out var i) ? i : -1;
        public int AppStartTime { get; } = ordinals.TryGetValue(Columns.AppStartTime, out var i) ? i : -1;
        public int AppEndTime { get; } = ordinals.TryGetValue(Columns.AppEndTime, out var i) ? i : -1;
        public int Landline { get; } = ordinals.TryGetValue(Columns.UserLandlinePhone, out var i) ? i : -1;
        public int Mobile { get; } = ordinals.TryGetValue(Columns.UserMobilePhone, out var i) ? i : -1;
        public int Work { get; } = ordinals.TryGetValue(Columns.UserWorkPhone, out var i) ? i : -1;
        public int Email { get; } = ordinals.TryGetValue(Columns.UserEmail, out var i) ? i : -1;
        public int ResourceLid { get; } = ordinals.TryGetValue(Columns.ResourceLid, out var i) ? i : -1;
        public int ResourceName { get; } = ordinals.TryGetValue(Columns.ResourceName, out var i) ? i : -1;
        public int ResourceMobile { get; } = ordinals.TryGetValue(Columns.ResourceMobilePhone, out var i) ? i : -1;
        public int ResourceEmail { get; } = ordinals.TryGetValue(Columns.ResourceEmail, out var i) ? i : -1;
        public int LocationLid { get; } = ordinals.TryGetValue(Columns.LocationLid, out var i) ? i : -1;
        public int LocationName { get; } = ordinals.TryGetValue(Columns.LocationName, out var i) ? i : -1;
        public int Language { get; } = ordinals.TryGetValue(Columns.UserLanguage, out var i) ? i : -1;
        public int Preferences { get; } = ordinals.TryGetValue(Columns.CommunicationPreferences, out var i) ? i : -1;
        public int Privacy { get; } = ordinals.TryGetValue(Columns.Privacy, out var i) ? i : -1;
        public int Status { get; } = ordinals.TryGetValue(Columns.Status, out var i) ? i : -1;
    }

    /// <summary>One result row, from the row protocol or from COPY's CSV.</summary>
    private interface IRow
    {
        bool IsNull(int i);

        object Value(int i);

        string? Text(int i);
    }

    private sealed class DbRow(DbDataReader reader) : IRow
    {
        private readonly bool[] _isText = Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetFieldType(i) == typeof(string)).ToArray();

        public bool IsNull(int i) => reader.IsDBNull(i);

        public object Value(int i) => reader.GetValue(i);

        public string? Text(int i)
        {
            if (i < 0 || reader.IsDBNull(i))
            {
                return null;
            }

            var value = _isText[i] ? reader.GetString(i) : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture);
            return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        }
    }

    private (DateTime Start, bool TimeKnown) ReadStart(IRow reader, int i, int startTime, long line)
    {
        if (reader.IsNull(i))
        {
            throw new ExportException($"practice {options.PracticeId}: row {line} of the query has no APP_DATE");
        }

        var value = reader.Value(i);
        DateTime date = value switch
        {
            DateTime dt => dt,
            DateOnly d => d.ToDateTime(TimeOnly.MinValue),
            DateTimeOffset dto => dto.DateTime,
            string s when ContractFormats.TryParseDate(s.Trim(), out var d) => d.ToDateTime(TimeOnly.MinValue),
            string s when DateTime.TryParse(s.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var dt) => dt,
            _ => throw new ExportException(
                $"practice {options.PracticeId}: row {line} of the query has APP_DATE '{value}' ({value.GetType().Name}); return a date, a datetime, dd/mm/yyyy or yyyy-mm-dd"),
        };

        var time = ReadTime(reader, startTime, Columns.AppStartTime, line);
        if (time is { } t)
        {
            return (date.Date + t, true);
        }

        return (date, date.TimeOfDay != TimeSpan.Zero);
    }

    private TimeSpan? ReadTime(IRow reader, int i, string column, long line)
    {
        if (i < 0 || reader.IsNull(i))
        {
            return null;
        }

        var value = reader.Value(i);
        return value switch
        {
            TimeSpan ts => ts,
            TimeOnly to => to.ToTimeSpan(),
            DateTime dt => dt.TimeOfDay,
            string s when string.IsNullOrWhiteSpace(s) => null,
            string { Length: 5 } s when ContractFormats.TryParseTime(s, out var hhmm) => hhmm.ToTimeSpan(),
            string s when TimeSpan.TryParseExact(s.Trim(), [@"hh\:mm", @"hh\:mm\:ss", @"h\:mm"], CultureInfo.InvariantCulture, out var ts) => ts,
            _ => throw new ExportException(
                $"practice {options.PracticeId}: row {line} of the query has {column} '{value}'; return a time, a datetime or hh:mm"),
        };
    }
}
