using RecallFiles.Schemas;
using RecallFiles.Transport;

namespace RecallFiles.Exporter;

/// <summary>Where the appointments come from.</summary>
public enum SourceKind
{
    /// <summary>Open Dental on MariaDB/MySQL, with the built-in query (docs/exporter.md).</summary>
    OpenDental,

    /// <summary>Any other PMS: a query file supplied by practice IT, run through an ADO.NET provider.</summary>
    GenericSql,
}

/// <summary>The ADO.NET provider of a <see cref="SourceKind.GenericSql"/> source.</summary>
public enum SqlProvider
{
    /// <summary>PostgreSQL through Npgsql.</summary>
    PostgreSql,

    /// <summary>MySQL or MariaDB through MySqlConnector.</summary>
    MySql,

    /// <summary>SQLite through Microsoft.Data.Sqlite.</summary>
    Sqlite,

    /// <summary>SQL Server through Microsoft.Data.SqlClient (built and documented; not tested here).</summary>
    SqlServer,
}

/// <summary>Which Open Dental provider is the appointment's resource.</summary>
public enum ResourceChoice
{
    /// <summary>The hygienist (ProvHyg) for hygiene visits that have one, else the dentist (ProvNum). The default.</summary>
    HygienistForHygieneVisits,

    /// <summary>Always the dentist (appointment.ProvNum).</summary>
    Dentist,

    /// <summary>The hygienist (appointment.ProvHyg) whenever one is set, else the dentist.</summary>
    Hygienist,
}

/// <summary>
/// One practice's export, as practice IT configures it (section <c>RecallFiles:Agent:Practices</c>).
/// docs/configuration.md lists every key with its default.
/// </summary>
public sealed record PracticeExportOptions
{
    /// <summary>The practice id used in file names and drop box folders (1–40 of A-Z a-z 0-9 _ -).</summary>
    public string PracticeId { get; init; } = "";

    /// <summary>Open Dental or generic SQL.</summary>
    public SourceKind Source { get; init; } = SourceKind.OpenDental;

    /// <summary>The PMS database connection string. Keep secrets out of files: use an environment variable (RecallFiles__Agent__Practices__0__ConnectionString).</summary>
    public string ConnectionString { get; init; } = "";

    /// <summary>For generic SQL: the provider.</summary>
    public SqlProvider Provider { get; init; } = SqlProvider.PostgreSql;

    /// <summary>For generic SQL: the query file; it takes @WindowStart and @WindowEnd (local times) and returns contract column names.</summary>
    public string? QueryFile { get; init; }

    /// <summary>The practice's IANA (or Windows) time zone, such as Europe/Madrid. Open Dental clinics with their own TimeZone override it.</summary>
    public string TimeZone { get; init; } = "UTC";

    /// <summary>Hours before now to export (tuOtempO A.1.1: 24; allowed 0–168). Past appointments drive feedback messages.</summary>
    public int PastHours { get; init; } = 24;

    /// <summary>Hours after now to export (tuOtempO A.1.1: 72; allowed 1–720).</summary>
    public int AheadHours { get; init; } = 72;

    /// <summary>Cron schedule of the export in the practice's time zone (tuOtempO A.1.1: every 4 hours).</summary>
    public string Cron { get; init; } = "0 */4 * * *";

    /// <summary>Open Dental: export only this clinic (ClinicNum); null exports the whole database as one practice.</summary>
    public long? ClinicNum { get; init; }

    /// <summary>Open Dental: which provider is the resource.</summary>
    public ResourceChoice Resource { get; init; } = ResourceChoice.HygienistForHygieneVisits;

    /// <summary>Open Dental: prefix APP_LID with the ClinicNum ("3-1042"), for practices whose clinics share one database but export separately.</summary>
    public bool PrefixAppLidWithClinic { get; init; }

    /// <summary>Extension columns to add to the file (see docs/file-formats.md), such as APP_END_TIME.</summary>
    public IReadOnlyList<string> ExtensionColumns { get; init; } = [];

    /// <summary>Country calling code for E.164 phones (such as "34"); null keeps national numbers as typed (formatting stripped).</summary>
    public string? DefaultCountryCode { get; init; }

    /// <summary>The practice's drop box; files go to its <c>appointments/</c> folder (relative to the drop box's RootPath).</summary>
    public DropBoxOptions? DropBox { get; init; }

    /// <summary>The folder below the drop box root that receives appointment files.</summary>
    public string AppointmentsFolder { get; init; } = "appointments";

    /// <summary>The status applier of this practice (issue 6, docs/status.md); off unless Status:Enabled.</summary>
    public StatusApply.StatusApplyOptions Status { get; init; } = new();

    /// <summary>Checks the values, naming the configuration key of a wrong one.</summary>
    public IReadOnlyList<string> Validate(string keyPrefix)
    {
        var errors = new List<string>();
        if (!Schemas.PracticeId.IsValid(PracticeId))
        {
            errors.Add($"{keyPrefix}:PracticeId '{PracticeId}' must be 1-40 characters of A-Z a-z 0-9 _ -");
        }

        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            errors.Add($"{keyPrefix}:ConnectionString is required (set it in the environment: RecallFiles__Agent__Practices__N__ConnectionString)");
        }

        if (Source == SourceKind.GenericSql && string.IsNullOrWhiteSpace(QueryFile))
        {
            errors.Add($"{keyPrefix}:QueryFile is required when Source is GenericSql");
        }

        if (PastHours is < 0 or > 168)
        {
            errors.Add($"{keyPrefix}:PastHours is {PastHours}; allowed 0-168");
        }

        if (AheadHours is < 1 or > 720)
        {
            errors.Add($"{keyPrefix}:AheadHours is {AheadHours}; allowed 1-720");
        }

        if (!ExportWindow.TryFindTimeZone(TimeZone, out _))
        {
            errors.Add($"{keyPrefix}:TimeZone '{TimeZone}' is not a known time zone; use an IANA name such as Europe/Madrid or America/New_York");
        }

        foreach (var column in ExtensionColumns)
        {
            if (!Columns.AppointmentExtensions.Contains(column.Trim().ToUpperInvariant()))
            {
                errors.Add($"{keyPrefix}:ExtensionColumns has '{column}'; allowed: {string.Join(", ", Columns.AppointmentExtensions)}");
            }
        }

        try
        {
            Cronos.CronExpression.Parse(Cron);
        }
        catch (Cronos.CronFormatException ex)
        {
            errors.Add($"{keyPrefix}:Cron '{Cron}' is not a cron expression ({ex.Message}); the default is '0 */4 * * *' (every 4 hours)");
        }

        if (DefaultCountryCode is { } cc && (cc.Length is < 1 or > 3 || !cc.All(char.IsAsciiDigit)))
        {
            errors.Add($"{keyPrefix}:DefaultCountryCode '{cc}' must be 1-3 digits without '+', such as 34 or 1");
        }

        errors.AddRange(Status.Validate($"{keyPrefix}:Status", Source));
        return errors;
    }
}
