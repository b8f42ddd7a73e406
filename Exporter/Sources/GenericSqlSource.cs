using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
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
public sealed class GenericSqlSource(PracticeExportOptions options) : IAppointmentSource
{
    private string? _query;

    private DbProviderFactory Factory => options.Provider switch
    {
        SqlProvider.PostgreSql => Npgsql.NpgsqlFactory.Instance,
        SqlProvider.MySql => MySqlConnector.MySqlConnectorFactory.Instance,
        SqlProvider.Sqlite => Microsoft.Data.Sqlite.SqliteFactory.Instance,
        SqlProvider.SqlServer => Microsoft.Data.SqlClient.SqlClientFactory.Instance,
        _ => throw new ExportException($"practice {options.PracticeId}: unknown Provider {options.Provider}"),
    };

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
        var connection = Factory.CreateConnection()!;
        try
        {
            connection.ConnectionString = ReadOnly(options.ConnectionString);
            await connection.OpenAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is DbException or ArgumentException or InvalidOperationException)
        {
            await connection.DisposeAsync();
            throw new ExportException(
                $"practice {options.PracticeId}: cannot connect to the {options.Provider} database: {ex.Message}. Check RecallFiles:Agent:Practices:N:ConnectionString.", ex);
        }

        return connection;
    }

    // Read-only where the provider has a switch for it; the docs show the least-privilege user for the others.
    private string ReadOnly(string connectionString) => options.Provider switch
    {
        SqlProvider.Sqlite => new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString) { Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadOnly }.ToString(),
        SqlProvider.SqlServer => new Microsoft.Data.SqlClient.SqlConnectionStringBuilder(connectionString) { ApplicationIntent = Microsoft.Data.SqlClient.ApplicationIntent.ReadOnly }.ToString(),
        _ => connectionString,
    };

    private async Task<DbDataReader> ExecuteAsync(DbConnection connection, DateTime start, DateTime end, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        command.CommandText = LoadQuery();
        AddParameter(command, "@WindowStart", start);
        AddParameter(command, "@WindowEnd", end);
        try
        {
            return await command.ExecuteReaderAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is DbException or ArgumentException or InvalidCastException or InvalidOperationException)
        {
            throw new ExportException($"practice {options.PracticeId}: the query in '{options.QueryFile}' failed: {ex.Message}", ex);
        }
    }

    private static void AddParameter(DbCommand command, string name, DateTime value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        parameter.DbType = DbType.DateTime2;   // a local wall-clock time: timestamp without time zone
        command.Parameters.Add(parameter);
    }

    private Dictionary<string, int> CheckColumns(DbDataReader reader)
    {
        var ordinals = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < reader.FieldCount; i++)
        {
            ordinals.TryAdd(reader.GetName(i).Trim(), i);
        }

        var missing = Columns.AppointmentRequired.Where(c => !ordinals.ContainsKey(c)).ToArray();
        if (missing.Length > 0)
        {
            throw new ExportException(
                $"practice {options.PracticeId}: the query in '{options.QueryFile}' does not return column(s) {string.Join(", ", missing)}; " +
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
        CheckColumns(reader);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<SourceAppointment> ReadAsync(ExportWindow window, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var reader = await ExecuteAsync(connection, window.LocalStart.AddHours(-1), window.LocalEnd.AddHours(1), cancellationToken);
        var ordinals = CheckColumns(reader);
        // Column positions are resolved once, not per row.
        int At(string column) => ordinals.TryGetValue(column, out var i) ? i : -1;
        int appLid = At(Columns.AppLid), landline = At(Columns.UserLandlinePhone), mobile = At(Columns.UserMobilePhone), work = At(Columns.UserWorkPhone),
            email = At(Columns.UserEmail), resourceLid = At(Columns.ResourceLid), resourceName = At(Columns.ResourceName),
            resourceMobile = At(Columns.ResourceMobilePhone), resourceEmail = At(Columns.ResourceEmail), locationLid = At(Columns.LocationLid),
            locationName = At(Columns.LocationName), language = At(Columns.UserLanguage), preferences = At(Columns.CommunicationPreferences),
            privacy = At(Columns.Privacy), status = At(Columns.Status);

        var isText = Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetFieldType(i) == typeof(string)).ToArray();
        string? Text(int i)
        {
            if (i < 0 || reader.IsDBNull(i))
            {
                return null;
            }

            var value = isText[i] ? reader.GetString(i) : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture);
            return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        }
        long line = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            line++;
            var (start, timeKnown) = ReadStart(reader, ordinals, line);
            yield return new SourceAppointment
            {
                AppLid = Text(appLid) ?? "",
                LocalStart = start,
                TimeZone = window.TimeZone,
                TimeKnown = timeKnown,
                LocalEnd = ReadTime(reader, ordinals, Columns.AppEndTime, line) is { } end ? start.Date + end : null,
                LandlinePhone = Text(landline),
                MobilePhone = Text(mobile),
                WorkPhone = Text(work),
                Email = Text(email),
                ResourceLid = Text(resourceLid) ?? "",
                ResourceName = Text(resourceName) ?? "",
                ResourceMobilePhone = Text(resourceMobile),
                ResourceEmail = Text(resourceEmail),
                LocationLid = Text(locationLid),
                LocationName = Text(locationName),
                Language = Text(language),
                CommunicationPreferences = Text(preferences),
                Privacy = Text(privacy),
                Status = Text(status),
            };
        }
    }

    private (DateTime Start, bool TimeKnown) ReadStart(DbDataReader reader, Dictionary<string, int> ordinals, long line)
    {
        var i = ordinals[Columns.AppDate];
        if (reader.IsDBNull(i))
        {
            throw new ExportException($"practice {options.PracticeId}: row {line} of the query has no APP_DATE");
        }

        var value = reader.GetValue(i);
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

        var time = ReadTime(reader, ordinals, Columns.AppStartTime, line);
        if (time is { } t)
        {
            return (date.Date + t, true);
        }

        return (date, date.TimeOfDay != TimeSpan.Zero);
    }

    private TimeSpan? ReadTime(DbDataReader reader, Dictionary<string, int> ordinals, string column, long line)
    {
        if (!ordinals.TryGetValue(column, out var i) || reader.IsDBNull(i))
        {
            return null;
        }

        var value = reader.GetValue(i);
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
