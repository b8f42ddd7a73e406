using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using RecallFiles.Exporter;
using RecallFiles.Exporter.Ledger;
using RecallFiles.Scheduler.Cli;
using RecallFiles.Schemas;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Exporter;

/// <summary>
/// The Dentrix and Eaglesoft presets through unixODBC (MariaDB and psqlODBC drivers) against real MariaDB and PostgreSQL
/// databases laid out as the presets expect, compared with the native providers.
/// </summary>
[TestClass]
public sealed class PresetOdbcExportTests
{
    private static async Task<byte[]> ExportAsync(PracticeExportOptions practice)
    {
        var folder = Directory.CreateTempSubdirectory("rf-preset-").FullName;
        var runner = new ExportRunner(new ExportLedger(Path.Combine(folder, "agent.db")), TimeProvider.System, NullLogger<ExportRunner>.Instance);
        var result = await runner.RunAsync(practice, new ExportRunOptions { Now = OpenDentalDatabase.Now, DryRun = true, OutputFolder = folder }, CancellationToken.None);
        return await File.ReadAllBytesAsync(result.LocalPath);
    }

    [TestMethod]
    [DataRow(PresetPms.Dentrix, PresetPms.MariaDb)]
    [DataRow(PresetPms.Dentrix, PresetPms.PostgreSql)]
    [DataRow(PresetPms.Eaglesoft, PresetPms.MariaDb)]
    [DataRow(PresetPms.Eaglesoft, PresetPms.PostgreSql)]
    public async Task Export_IsByteIdentical_ThroughOdbcAndTheNativeProvider(string preset, string server)
    {
        var (native, nativeConnection, odbcConnection) = await PresetPms.CreateAsync(preset, server);

        var throughNative = await ExportAsync(PresetPms.Practice(preset, native, nativeConnection));
        var throughOdbc = await ExportAsync(PresetPms.Practice(preset, SqlProvider.Odbc, odbcConnection));

        Assert.AreEqual(System.Text.Encoding.UTF8.GetString(throughNative), System.Text.Encoding.UTF8.GetString(throughOdbc));
        CollectionAssert.AreEqual(throughNative, throughOdbc);
        using var reader = ContractReader.OpenAppointments(new MemoryStream(throughOdbc), "APPOINTMENTS_X_20261024T100000Z.csv");
        var rows = reader.ReadRows().ToList();
        CollectionAssert.AreEqual(PresetPms.Exported, rows.Select(r => r.Record.AppLid).ToArray());
        Assert.AreEqual("23/10/2026", rows[0].Record.AppDate);
        Assert.AreEqual("12:00", rows[0].Record.AppStartTime);
        Assert.AreEqual("+34600112233", rows[0].Record.UserMobilePhone);
        Assert.AreEqual("Dr. Luna", rows[1].Record.ResourceName);
        Assert.AreEqual(preset == PresetPms.Eaglesoft ? "12:30" : null, rows[0].Record.AppEndTime);
        Assert.IsFalse(System.Text.Encoding.UTF8.GetString(throughOdbc).Contains("Zurita", StringComparison.Ordinal));
    }

    [TestMethod]
    [DataRow(PresetPms.Dentrix, "appointments.sql")]
    [DataRow(PresetPms.Dentrix, "practice.json")]
    [DataRow(PresetPms.Eaglesoft, "appointments.sql")]
    [DataRow(PresetPms.Eaglesoft, "practice.json")]
    public void Build_ShipsEachPresetFile_NextToTheAgent(string preset, string file)
    {
        var shipped = Path.Combine(AppContext.BaseDirectory, "presets", preset, file);

        Assert.IsTrue(File.Exists(shipped), shipped);
        Assert.AreEqual(File.ReadAllText(Path.Combine(PresetPms.Folder(preset), file)), File.ReadAllText(shipped));
    }

    [TestMethod]
    [DataRow("DSN=NoSuchDsn;UID=x;PWD=y", "ConnectionString", "Data source name not found")]
    [DataRow("Driver={No Such Driver};Server=127.0.0.1", "ConnectionString", "No Such Driver")]
    [DataRow(null, "QueryFile", "operatory_name")]
    public async Task ExportOnce_ExitsOne_NamingTheKey_AndUploadsNothing_OnAWrongDsnAMissingDriverOrAMissingColumn(string? connectionString, string key, string detail)
    {
        var (_, native, odbc) = await PresetPms.CreateAsync(PresetPms.Dentrix, PresetPms.MariaDb);
        if (connectionString is null)
        {
            await PresetPms.ExecuteAsync(new MySqlConnector.MySqlConnection(native), "ALTER TABLE operatories DROP COLUMN operatory_name");
        }

        var folder = Directory.CreateTempSubdirectory("rf-preset-cli-").FullName;
        var dropRoot = Directory.CreateDirectory(Path.Combine(folder, "drop")).FullName;
        var practice = PresetPms.Practice(PresetPms.Dentrix, SqlProvider.Odbc, connectionString ?? odbc);
        var config = new
        {
            RecallFiles = new
            {
                DataFolder = Path.Combine(folder, "data"),
                Agent = new
                {
                    Practices = new[]
                    {
                        new { practice.PracticeId, Source = "GenericSql", Provider = "Odbc", practice.ConnectionString, practice.QueryFile, practice.TimeZone, DropBox = new { Kind = "Local", RootPath = dropRoot } },
                    },
                },
            },
        };
        var path = Path.Combine(folder, "appsettings.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(config));
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await RecallFilesCli.RunAsync(["export", "--once", "--config", path, "--now", "2026-10-24T10:00:00Z"], stdout, stderr);

        Assert.AreEqual(1, exit, stderr.ToString());
        StringAssert.Contains(stderr.ToString(), $"RecallFiles:Agent:Practices:{practice.PracticeId}:{key}");
        StringAssert.Contains(stderr.ToString(), detail);
        Assert.IsEmpty(Directory.GetFiles(dropRoot, "*", SearchOption.AllDirectories));
    }

    [TestMethod]
    public async Task ExportOnceDryRun_ThroughADsnAndASelectOnlyUser_PrintsThePresetsFirstRowsAndUnmappedColumns()
    {
        var (_, native, _) = await PresetPms.CreateAsync(PresetPms.Dentrix, PresetPms.MariaDb);
        var maria = await OdbcConnections.MariaDbAsync();
        var database = new MySqlConnector.MySqlConnectionStringBuilder(native).Database;
        await maria.CreateReadOnlyUserAsync(database, "rf_dentrix", "select-only-pw");
        var folder = Directory.CreateTempSubdirectory("rf-preset-dsn-").FullName;
        var odbcIni = Path.Combine(folder, "odbc.ini");
        await File.WriteAllTextAsync(odbcIni, $"""
            [ODBC Data Sources]
            RfDentrix = Dentrix (test)

            [RfDentrix]
            Driver = {OdbcConnections.MariaDbDriver}
            Server = 127.0.0.1
            Port = {maria.Port}
            Database = {database}

            """);
        var config = Path.Combine(folder, "appsettings.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            RecallFiles = new
            {
                DataFolder = Path.Combine(folder, "data"),
                Agent = new
                {
                    Practices = new[]
                    {
                        new { PracticeId = "DENTRIX", Source = "GenericSql", Provider = "Odbc", QueryFile = Path.Combine(PresetPms.Folder(PresetPms.Dentrix), "appointments.sql"), TimeZone = "Europe/Madrid", DropBox = new { Kind = "Local", RootPath = folder } },
                    },
                },
            },
        }));
        var environment = new Dictionary<string, string>
        {
            ["ODBCINI"] = odbcIni,
            ["RecallFiles__Agent__Practices__DENTRIX__ConnectionString"] = "DSN=RfDentrix;UID=rf_dentrix;PWD=select-only-pw",
        };

        var (exit, stdout, stderr) = await Importer.RecallFilesProcess.RunAsync(environment, folder,
            "export", "--once", "--dry-run", "--out", Path.Combine(folder, "preview"), "--config", config, "--now", "2026-10-24T10:00:00Z");

        Assert.AreEqual(0, exit, stderr);
        StringAssert.Contains(stdout, "DENTRIX: 3 appointment(s)");
        StringAssert.Contains(stdout, "DENTRIX: first 3 of 3 row(s), contact data masked:");
        StringAssert.Contains(stdout, "1 | 23/10/2026 | 12:00 |  | ***2233 | v***@example.org | 1 | Dr. Sol |  |  | 1 | Op 1");
        StringAssert.Contains(stdout, "DENTRIX: not mapped (empty in every row): RESOURCE_MOBILE_PHONE, RESOURCE_EMAIL;");
    }
}
