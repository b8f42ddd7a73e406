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

    /// <summary>SQL Server through Microsoft.Data.SqlClient, with ApplicationIntent=ReadOnly for exports (no SQL Server runs on the test machine: see docs/exporter.md).</summary>
    SqlServer,

    /// <summary>
    /// Any database with an ODBC driver (System.Data.Odbc; unixODBC on Linux): a DSN (<c>DSN=Dentrix</c>) or a driver
    /// connection string (<c>Driver={MariaDB Unicode};Server=…</c>). The query keeps its named parameters; they are bound
    /// positionally as ODBC requires.
    /// </summary>
    Odbc,
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

    /// <summary>The PMS database connection string. Keep secrets out of files: use an environment variable keyed by practice id (RecallFiles__Agent__Practices__ACME-01__ConnectionString).</summary>
    public string ConnectionString { get; init; } = "";

    /// <summary>
    /// The connection string status apply writes with (issue 15, least privilege): a user that may only update the appointment
    /// columns it writes and read the definitions it looks up, so the export user stays read-only. Empty: <see cref="ConnectionString"/>.
    /// Keep it in the environment (RecallFiles__Agent__Practices__0__StatusConnectionString).
    /// </summary>
    public string? StatusConnectionString { get; init; }

    /// <summary>The connection string status apply uses: <see cref="StatusConnectionString"/>, else <see cref="ConnectionString"/>.</summary>
    public string StatusApplyConnectionString() => string.IsNullOrWhiteSpace(StatusConnectionString) ? ConnectionString : StatusConnectionString;

    /// <summary>The key status apply's connection string comes from, for messages.</summary>
    public string StatusApplyConnectionKey() => string.IsNullOrWhiteSpace(StatusConnectionString)
        ? $"RecallFiles:Agent:Practices:{PracticeId}:ConnectionString (no StatusConnectionString is set)"
        : $"RecallFiles:Agent:Practices:{PracticeId}:StatusConnectionString";

    /// <summary>For generic SQL: the provider.</summary>
    public SqlProvider Provider { get; init; } = SqlProvider.PostgreSql;

    /// <summary>For generic SQL: the query file; it takes @WindowStart and @WindowEnd (local times) and returns contract column names.</summary>
    public string? QueryFile { get; init; }

    /// <summary>The practice's IANA (or Windows) time zone, such as Europe/Madrid. Open Dental clinics with their own TimeZone override it.</summary>
    public string TimeZone { get; init; } = "UTC";

    /// <summary>
    /// How far before now to export, as a time span (tuOtempO A.1.1: 24 hours, <c>1.00:00:00</c>; allowed 0 to 168 hours).
    /// Past appointments drive feedback messages. The cloud's practice setting has the same name and meaning.
    /// </summary>
    public TimeSpan WindowPast { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How far after now to export, as a time span (tuOtempO A.1.1: 72 hours, <c>3.00:00:00</c>; allowed 1 to 720 hours).</summary>
    public TimeSpan WindowAhead { get; init; } = TimeSpan.FromHours(72);

    /// <summary>
    /// How far after now the initial upload reaches (default 365 days; seed 000: "the initial upload should collect all
    /// future scheduled appointments"): the practice's first uploaded export and <c>export --initial</c> use it instead of
    /// <see cref="WindowAhead"/>. The cloud removes only inside its normal window, so nothing beyond it is ever removed.
    /// </summary>
    public TimeSpan InitialHorizon { get; init; } = TimeSpan.FromDays(365);

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

    /// <summary>The folders this practice uses in its drop box (for the start-up overlap check), keys below <paramref name="key"/>.</summary>
    public IEnumerable<PracticeFolder> Folders(string key)
    {
        if (DropBox is null)
        {
            yield break;
        }

        yield return new PracticeFolder(PracticeId, $"{key}:AppointmentsFolder", DropBox, AppointmentsFolder);
        if (Status.Enabled)
        {
            yield return new PracticeFolder(PracticeId, $"{key}:Status:StatusFolder", DropBox, Status.StatusFolder);
            yield return new PracticeFolder(PracticeId, $"{key}:Status:ResultsFolder", DropBox, Status.ResultsFolder);
        }
    }

    /// <summary>The status applier of this practice (issue 6, docs/status.md); off unless Status:Enabled.</summary>
    public StatusApply.StatusApplyOptions Status { get; init; } = new();

    private static readonly TimeSpan MinWindowPast = TimeSpan.Zero;
    private static readonly TimeSpan MaxWindowPast = TimeSpan.FromHours(168);
    private static readonly TimeSpan MinWindowAhead = TimeSpan.FromHours(1);
    private static readonly TimeSpan MaxWindowAhead = TimeSpan.FromHours(720);

    // Keys an older agent read; an upgrade that keeps them must not fall back to the defaults silently.
    private static readonly (string Old, string New, string Example)[] RenamedKeys =
    [
        ("PastHours", nameof(WindowPast), "24 hours = \"1.00:00:00\""),
        ("AheadHours", nameof(WindowAhead), "72 hours = \"3.00:00:00\""),
    ];

    /// <summary>The keys an older agent read (PastHours, AheadHours): refused by <see cref="ValidateRenamedKeys"/> naming their replacement.</summary>
    public static IEnumerable<string> RenamedKeyNames => RenamedKeys.Select(r => r.Old);

    /// <summary>
    /// Errors for keys of an older agent that are still configured for this practice (<paramref name="keys"/>: the
    /// child keys of its configuration section), each naming the key that replaced it.
    /// </summary>
    public static IReadOnlyList<string> ValidateRenamedKeys(IEnumerable<string> keys, string keyPrefix)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var present = keys.ToHashSet(StringComparer.OrdinalIgnoreCase);
        return [.. RenamedKeys.Where(r => present.Contains(r.Old)).Select(r =>
            $"{keyPrefix}:{r.Old} is no longer read: it is now {keyPrefix}:{r.New}, a time span ({r.Example}); rename the key and write its value as a time span")];
    }

    private static string Span(TimeSpan value) => value.ToString("c", System.Globalization.CultureInfo.InvariantCulture);

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
            errors.Add($"{keyPrefix}:ConnectionString is required (set it in the environment: RecallFiles__Agent__Practices__{PracticeId}__ConnectionString)");
        }

        if (Source == SourceKind.GenericSql && string.IsNullOrWhiteSpace(QueryFile))
        {
            errors.Add($"{keyPrefix}:QueryFile is required when Source is GenericSql");
        }

        if (!Enum.IsDefined(Provider))
        {
            errors.Add($"{keyPrefix}:Provider is {Provider}; allowed: {string.Join(", ", Enum.GetNames<SqlProvider>())}");
        }

        if (WindowPast < MinWindowPast || WindowPast > MaxWindowPast)
        {
            errors.Add($"{keyPrefix}:WindowPast is {Span(WindowPast)}; allowed {Span(MinWindowPast)} to {Span(MaxWindowPast)} (0-168 hours)");
        }

        if (InitialHorizon < WindowAhead || InitialHorizon > TimeSpan.FromDays(1830))
        {
            errors.Add($"{keyPrefix}:InitialHorizon is {Span(InitialHorizon)}; allowed from WindowAhead ({Span(WindowAhead)}) to 1830.00:00:00 (5 years)");
        }

        if (WindowAhead < MinWindowAhead || WindowAhead > MaxWindowAhead)
        {
            errors.Add($"{keyPrefix}:WindowAhead is {Span(WindowAhead)}; allowed {Span(MinWindowAhead)} to {Span(MaxWindowAhead)} (1-720 hours)");
        }

        if (!ExportWindow.TryFindTimeZone(TimeZone, out _))
        {
            errors.Add(ExportWindow.UnknownTimeZone(TimeZone, $"{keyPrefix}:TimeZone"));
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
