using System.Data;
using System.Runtime.CompilerServices;
using MySqlConnector;
using RecallFiles.Exporter.OpenDental;

namespace RecallFiles.Exporter.Sources;

/// <summary>
/// Open Dental on MariaDB/MySQL (layout: shared/reference/opendental.md). Reads Scheduled
/// appointments, and Complete ones in the past part of the window; the resource is the dentist or
/// the hygienist by configuration; a Complete one is written with STATUS <c>COMPLETED</c>; the end time comes from <c>Pattern</c> (5 minutes a character);
/// a clinic's TimeZone overrides the practice's (an unknown one stops the export). Blocked channels are left empty: TxtMsgOk = No
/// blanks the mobile, PreferConfirmMethod = DoNotCall blanks the landline and work phone. Deleted
/// and deceased patients are never exported. Patient names are never selected.
/// </summary>
public sealed class OpenDentalSource(PracticeExportOptions options) : IAppointmentSource
{
    // AptStatus Scheduled and Complete; PatStatus Deleted and Deceased (OpenDentalSchema). The window is widened by 26
    // hours on each side because clinics may sit in other time zones than the practice; AppointmentMapper applies the
    // exact window.
    internal static readonly string Query = $"""
        SELECT a.AptNum, a.AptDateTime, a.Pattern, a.AptStatus, a.ClinicNum, a.Op,
               p.HmPhone, p.WkPhone, p.WirelessPhone, p.Email, p.TxtMsgOk, p.PreferConfirmMethod, p.Language,
               pr.ProvNum, pr.Abbr, pr.PreferredName,
               c.Description AS ClinicName, c.TimeZone AS ClinicTimeZone,
               o.OpName
        FROM appointment a
        JOIN patient p ON p.PatNum = a.PatNum
        JOIN provider pr ON pr.ProvNum = {OpenDentalSchema.ResourceSql}
        LEFT JOIN clinic c ON c.ClinicNum = a.ClinicNum
        LEFT JOIN operatory o ON o.OperatoryNum = a.Op
        WHERE a.AptStatus IN ({(int)AptStatus.Scheduled}, {(int)AptStatus.Complete})
          AND a.AptDateTime >= @start AND a.AptDateTime < @end
          AND p.PatStatus NOT IN ({OpenDentalSchema.PatStatusDeleted}, {OpenDentalSchema.PatStatusDeceased})
          AND (@clinic IS NULL OR a.ClinicNum = @clinic)
        ORDER BY a.AptDateTime, a.AptNum
        """;

    private MySqlConnection CreateConnection()
    {
        try
        {
            return OpenDentalSchema.CreateConnection(options.ConnectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ExportException($"practice {options.PracticeId}: the Open Dental ConnectionString is not a valid MySQL connection string ({ex.Message})", ex);
        }
    }

    private async Task<MySqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = CreateConnection();
        try
        {
            await connection.OpenAsync(cancellationToken);
        }
        catch (MySqlException ex)
        {
            await connection.DisposeAsync();
            throw new ExportException(
                $"practice {options.PracticeId}: cannot connect to the Open Dental database: {ex.Message}. " +
                $"Check RecallFiles:Agent:Practices:{options.PracticeId}:ConnectionString (server, port, user, password) and that the server accepts connections from this machine.", ex);
        }

        return connection;
    }

    /// <inheritdoc />
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT LOWER(TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()";
        var tables = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                tables.Add(reader.GetString(0));
            }
        }

        var missing = OpenDentalSchema.RequiredTables.Where(t => !tables.Contains(t)).ToArray();
        if (missing.Length > 0)
        {
            throw new ExportException(
                $"practice {options.PracticeId}: the database '{connection.Database}' lacks Open Dental table(s) {string.Join(", ", missing)}; point ConnectionString at the Open Dental database (usually 'opendental')");
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<SourceAppointment> ReadAsync(ExportWindow window, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        // A read-only transaction: a consistent snapshot, and the server refuses any write.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await using (var readOnly = connection.CreateCommand())
        {
            readOnly.Transaction = transaction;
            readOnly.CommandText = "SET SESSION TRANSACTION READ ONLY";
            await readOnly.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = Query;
        command.Parameters.AddWithValue("@resource", OpenDentalSchema.ResourceParameter(options.Resource));
        command.Parameters.AddWithValue("@start", window.LocalStart.AddHours(-26));
        command.Parameters.AddWithValue("@end", window.LocalEnd.AddHours(26));
        command.Parameters.AddWithValue("@clinic", options.ClinicNum is { } clinic ? clinic : DBNull.Value);

        MySqlDataReader reader;
        try
        {
            reader = await command.ExecuteReaderAsync(cancellationToken);
        }
        catch (MySqlException ex)
        {
            throw new ExportException($"practice {options.PracticeId}: the Open Dental query failed: {ex.Message}", ex);
        }

        await using (reader)
        {
            var columns = new Ordinals(reader);
            var repeats = new Repeats();
            while (await reader.ReadAsync(cancellationToken))
            {
                yield return Map(reader, columns, repeats, window.TimeZone);
            }
        }
    }

    /// <summary>The query's column ordinals, resolved once per read rather than by name for every field of every row (issue 18).</summary>
    private sealed class Ordinals(MySqlDataReader r)
    {
        public int AptNum { get; } = r.GetOrdinal("AptNum");
        public int AptDateTime { get; } = r.GetOrdinal("AptDateTime");
        public int Pattern { get; } = r.GetOrdinal("Pattern");
        public int AptStatus { get; } = r.GetOrdinal("AptStatus");
        public int ClinicNum { get; } = r.GetOrdinal("ClinicNum");
        public int Op { get; } = r.GetOrdinal("Op");
        public int HmPhone { get; } = r.GetOrdinal("HmPhone");
        public int WkPhone { get; } = r.GetOrdinal("WkPhone");
        public int WirelessPhone { get; } = r.GetOrdinal("WirelessPhone");
        public int Email { get; } = r.GetOrdinal("Email");
        public int TxtMsgOk { get; } = r.GetOrdinal("TxtMsgOk");
        public int PreferConfirmMethod { get; } = r.GetOrdinal("PreferConfirmMethod");
        public int Language { get; } = r.GetOrdinal("Language");
        public int ProvNum { get; } = r.GetOrdinal("ProvNum");
        public int Abbr { get; } = r.GetOrdinal("Abbr");
        public int PreferredName { get; } = r.GetOrdinal("PreferredName");
        public int ClinicName { get; } = r.GetOrdinal("ClinicName");
        public int ClinicTimeZone { get; } = r.GetOrdinal("ClinicTimeZone");
        public int OpName { get; } = r.GetOrdinal("OpName");
    }

    /// <summary>
    /// What is the same in every row of one clinic, provider or operatory of the query (their columns come from the joined
    /// clinic, provider and operatory rows, in one read-only snapshot): made once per clinic, provider or operatory instead
    /// of once per row (issue 18: five strings and a time zone lookup a row). At most <see cref="Most"/> of each are kept.
    /// </summary>
    private sealed class Repeats
    {
        public const int Most = 4096;

        public Dictionary<long, (TimeZoneInfo? Zone, string Lid, string? Name)> Clinics { get; } = [];

        public Dictionary<long, (string Lid, string Name)> Providers { get; } = [];

        public Dictionary<long, (string Lid, string? Name)> Operatories { get; } = [];

        public static void Remember<T>(Dictionary<long, T> known, long key, T value)
        {
            if (known.Count < Most)
            {
                known[key] = value;
            }
        }
    }

    private static string? Text(MySqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetValue(i).ToString();

    // clinic.TimeZone: empty means the server's zone, which is the practice's; an id this machine does not know stops the
    // export instead of writing the clinic's appointments at the practice's times.
    private TimeZoneInfo? ClinicZone(string? id, long clinicNum)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return null;
        }

        return ExportWindow.TryFindTimeZone(id, out var zone) ? zone : throw new ExportException(
            $"practice {options.PracticeId}: Open Dental clinic {clinicNum} has TimeZone '{id}', which is not a known time zone on this machine; " +
            $"set an IANA or Windows id in Open Dental (Setup > Clinics), or clear it to use RecallFiles:Agent:Practices:{options.PracticeId}:TimeZone");
    }

    private SourceAppointment Map(MySqlDataReader r, Ordinals o, Repeats repeats, TimeZoneInfo practiceZone)
    {
        var start = r.GetDateTime(o.AptDateTime);
        var pattern = Text(r, o.Pattern) ?? "";
        var clinicNum = r.GetInt64(o.ClinicNum);
        if (!repeats.Clinics.TryGetValue(clinicNum, out var clinic))
        {
            clinic = (ClinicZone(Text(r, o.ClinicTimeZone), clinicNum), clinicNum.ToString(System.Globalization.CultureInfo.InvariantCulture), Text(r, o.ClinicName));
            Repeats.Remember(repeats.Clinics, clinicNum, clinic);
        }

        var provNum = r.GetInt64(o.ProvNum);
        if (!repeats.Providers.TryGetValue(provNum, out var provider))
        {
            var preferred = Text(r, o.PreferredName);
            provider = (provNum.ToString(System.Globalization.CultureInfo.InvariantCulture), string.IsNullOrWhiteSpace(preferred) ? Text(r, o.Abbr) ?? "" : preferred);
            Repeats.Remember(repeats.Providers, provNum, provider);
        }

        var useClinic = clinicNum != 0;
        var location = (clinic.Lid, clinic.Name);
        if (!useClinic)
        {
            var op = r.GetInt64(o.Op);
            if (!repeats.Operatories.TryGetValue(op, out location))
            {
                location = (op.ToString(System.Globalization.CultureInfo.InvariantCulture), Text(r, o.OpName));
                Repeats.Remember(repeats.Operatories, op, location);
            }
        }

        var zone = clinic.Zone ?? practiceZone;
        var textOk = r.GetInt32(o.TxtMsgOk) != OpenDentalSchema.TxtMsgNo;   // tinyint: read without boxing (issue 18)
        var mayCall = r.GetInt32(o.PreferConfirmMethod) != OpenDentalSchema.ContactDoNotCall;
        var complete = r.GetInt32(o.AptStatus) == (int)AptStatus.Complete;
        return new SourceAppointment
        {
            AppLid = OpenDentalSchema.FormatAppLid(clinicNum, r.GetInt64(o.AptNum), options.PrefixAppLidWithClinic),
            LocalStart = start,
            TimeZone = zone,
            LocalEnd = pattern.Length > 0 ? start.AddMinutes(OpenDentalSchema.PatternSlotMinutes * pattern.Length) : null,
            AllowedOnlyInPast = complete,

            // Issue 15: the cloud thanks only a visit the PMS reports completed; a past visit still Scheduled is a no-show.
            Status = complete ? RecallFiles.Schemas.AppointmentStatuses.Completed : null,
            LandlinePhone = mayCall ? Text(r, o.HmPhone) : null,
            WorkPhone = mayCall ? Text(r, o.WkPhone) : null,
            MobilePhone = textOk ? Text(r, o.WirelessPhone) : null,
            Email = Text(r, o.Email),
            ResourceLid = provider.Lid,
            ResourceName = provider.Name,
            LocationLid = location.Lid,
            LocationName = location.Name,
            Language = Text(r, o.Language),
        };
    }
}
