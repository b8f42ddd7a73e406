using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using RecallFiles.Exporter;
using RecallFiles.Schemas;
using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Scheduler.Hosting;

/// <summary>
/// What <c>recallfiles run</c> does with no configuration at all: a sample PMS (SQLite, built from
/// sample-data/ with its dates moved to "now") exported as practice DEMO-01 into a local-folder drop
/// box, everything under the data folder (<c>./.recallfiles</c>). README's first command.
/// </summary>
internal static class EmbeddedDefault
{
    public const string PracticeId = "DEMO-01";
    public const string SampleFile = "APPOINTMENTS_DEMO-01_20261123T080000Z.csv";
    public static readonly DateTimeOffset SampleReference = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);
    private const string SampleZone = "Europe/Madrid";

    /// <summary>True when nothing was configured: no file and no practice (agent or cloud) from the environment.</summary>
    public static bool Applies(RecallFilesSettings settings) => settings.File is null && settings.Agent.Practices.Count == 0 && !CloudContext.IsConfigured(settings);

    /// <summary>How long a built sample PMS is kept before its dates are moved to the current hour again.</summary>
    public static readonly TimeSpan SampleLifetime = TimeSpan.FromHours(12);

    /// <summary>Where the sample files are: beside the program (copied at build), or in the repository.</summary>
    public static string SampleDataFolder()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "sample-data");
        if (Directory.Exists(beside))
        {
            return beside;
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "sample-data");
            if (File.Exists(Path.Combine(candidate, "pms", "query.sql")))
            {
                return candidate;
            }
        }

        throw new SettingsException("no configuration and no sample-data/ folder: pass --config FILE (docs/configuration.md)");
    }

    /// <summary>
    /// Builds (or reuses) the sample PMS and returns settings for both roles: the agent exports DEMO-01 into the local
    /// drop box <c>{DataFolder}/dropbox/DEMO-01/appointments/</c> (with a <c>.done</c> marker), the cloud picks it up from
    /// there at once. The PMS is rebuilt — its dates moved to the current hour — only when missing or older than
    /// <see cref="SampleLifetime"/>, so runs in between see the same appointments (idempotent); <paramref name="reference"/>
    /// is the hour the sample was moved to, the instant <c>run --once</c> exports "as of".
    /// </summary>
    public static RecallFilesSettings Create(RecallFilesSettings defaults, DateTimeOffset now, out DateTimeOffset reference)
    {
        var samples = SampleDataFolder();
        var folder = Directory.CreateDirectory(Path.Combine(defaults.DataFolder, "sample-pms")).FullName;
        var database = Path.Combine(folder, "pms.sqlite");
        var marker = Path.Combine(folder, "reference.txt");
        if (File.Exists(database) && File.Exists(marker)
            && DateTimeOffset.TryParse(File.ReadAllText(marker).Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var built)
            && now - built < SampleLifetime && now >= built)
        {
            reference = built;
        }
        else
        {
            reference = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerHour), TimeSpan.Zero);
            BuildPms(samples, database, reference);
            File.WriteAllText(marker, reference.ToString("O", CultureInfo.InvariantCulture));
        }

        var dropRoot = Directory.CreateDirectory(Path.Combine(defaults.DataFolder, "dropbox")).FullName;
        var dropBox = Directory.CreateDirectory(Path.Combine(dropRoot, PracticeId)).FullName;
        var values = new Dictionary<string, string?>
        {
            ["RecallFiles:DataFolder"] = defaults.DataFolder,
            [$"RecallFiles:Agent:Practices:{PracticeId}:Source"] = nameof(SourceKind.GenericSql),
            [$"RecallFiles:Agent:Practices:{PracticeId}:Provider"] = nameof(SqlProvider.Sqlite),
            [$"RecallFiles:Agent:Practices:{PracticeId}:ConnectionString"] = $"Data Source={database}",
            [$"RecallFiles:Agent:Practices:{PracticeId}:QueryFile"] = Path.Combine(samples, "pms", "query.sql"),
            [$"RecallFiles:Agent:Practices:{PracticeId}:TimeZone"] = SampleZone,
            [$"RecallFiles:Agent:Practices:{PracticeId}:DropBox:Kind"] = "Local",
            [$"RecallFiles:Agent:Practices:{PracticeId}:DropBox:RootPath"] = dropBox,
            [$"RecallFiles:Agent:Practices:{PracticeId}:DropBox:RequireDoneFile"] = "true",
            // The status applier on the sample PMS (docs/status.md, generic PMS): what the cloud knew, and one statement per answer.
            [$"RecallFiles:Agent:Practices:{PracticeId}:Status:Enabled"] = "true",
            [$"RecallFiles:Agent:Practices:{PracticeId}:Status:LookupSql"] = """
                SELECT substr(starts_at, 9, 2) || '/' || substr(starts_at, 6, 2) || '/' || substr(starts_at, 1, 4) AS APP_DATE,
                       substr(starts_at, 12, 5) AS APP_START_TIME, resource_lid AS RESOURCE_LID,
                       CASE WHEN status = 5 THEN 'CANCELLED by USER' WHEN confirmed = 1 THEN 'APPROVED' ELSE 'PENDING' END AS STATUS
                FROM appointments WHERE app_lid = @AppLid
                """,
            [$"RecallFiles:Agent:Practices:{PracticeId}:Status:ApprovedSql"] = "UPDATE appointments SET confirmed = 1 WHERE app_lid = @AppLid",
            [$"RecallFiles:Agent:Practices:{PracticeId}:Status:CancelledByUserSql"] = "UPDATE appointments SET status = 5 WHERE app_lid = @AppLid",
            [$"RecallFiles:Agent:Practices:{PracticeId}:Status:CancelledByAdminSql"] = "UPDATE appointments SET status = 5 WHERE app_lid = @AppLid",
            // The cloud side of the same machine: the whole local drop box, files eligible as soon as their .done marker is there.
            ["RecallFiles:DropBoxes:default:Kind"] = "Local",
            ["RecallFiles:DropBoxes:default:RootPath"] = dropRoot,
            ["RecallFiles:DropBoxes:default:RequireDoneFile"] = "true",
            [$"RecallFiles:Practices:{PracticeId}:TimeZone"] = SampleZone,
        };
        var configuration = new ConfigurationBuilder().AddConfiguration(defaults.Configuration).AddInMemoryCollection(values).Build();
        return RecallFilesSettings.From(configuration, file: null);
    }

    /// <summary>
    /// (Re)builds the sample PMS: the sample file's appointments with their instants moved by whole
    /// hours so that the sample's reference time is <paramref name="now"/> truncated to the hour.
    /// </summary>
    internal static int BuildPms(string samples, string database, DateTimeOffset now)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(SampleZone);
        var hourNow = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerHour), TimeSpan.Zero);
        var shift = hourNow - SampleReference;
        using var connection = new SqliteConnection($"Data Source={database}");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using (var schema = connection.CreateCommand())
        {
            schema.Transaction = transaction;
            schema.CommandText = File.ReadAllText(Path.Combine(samples, "pms", "schema.sql")) + "; DELETE FROM appointments;";
            schema.ExecuteNonQuery();
        }

        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO appointments (app_lid, starts_at, landline, mobile, email, resource_lid, resource_name, resource_mobile, resource_email, location_lid, location_name)
            VALUES ($lid, $start, $landline, $mobile, $email, $rlid, $rname, $rmobile, $remail, $llid, $lname)
            """;
        var count = 0;
        using var stream = File.OpenRead(Path.Combine(samples, "appointments", SampleFile));
        using var reader = ContractReader.OpenAppointments(stream, SampleFile);
        foreach (var row in reader.ReadRows())
        {
            var r = row.Record;
            var local = r.LocalStart ?? throw new InvalidDataException($"{SampleFile}:{row.Line}: no date");
            var moved = TimeZoneInfo.ConvertTime(ExportWindow.ToInstant(local, zone) + shift, zone).DateTime;
            insert.Parameters.Clear();
            insert.Parameters.AddWithValue("$lid", r.AppLid);
            insert.Parameters.AddWithValue("$start", moved.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            insert.Parameters.AddWithValue("$landline", (object?)r.UserLandlinePhone ?? DBNull.Value);
            insert.Parameters.AddWithValue("$mobile", (object?)r.UserMobilePhone ?? DBNull.Value);
            insert.Parameters.AddWithValue("$email", (object?)r.UserEmail ?? DBNull.Value);
            insert.Parameters.AddWithValue("$rlid", r.ResourceLid);
            insert.Parameters.AddWithValue("$rname", r.ResourceName);
            insert.Parameters.AddWithValue("$rmobile", (object?)r.ResourceMobilePhone ?? DBNull.Value);
            insert.Parameters.AddWithValue("$remail", (object?)r.ResourceEmail ?? DBNull.Value);
            insert.Parameters.AddWithValue("$llid", (object?)r.LocationLid ?? DBNull.Value);
            insert.Parameters.AddWithValue("$lname", (object?)r.LocationName ?? DBNull.Value);
            insert.ExecuteNonQuery();
            count++;
        }

        transaction.Commit();
        return count;
    }
}
