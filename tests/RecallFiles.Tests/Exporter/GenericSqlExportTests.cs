using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using RecallFiles.Exporter;
using RecallFiles.Exporter.Ledger;
using RecallFiles.Exporter.Sources;
using RecallFiles.Schemas;

namespace RecallFiles.Tests.Exporter;

/// <summary>The generic SQL source against a real SQLite PMS database: what the shared suite (<see cref="SqliteSourceTests"/>) does not cover.</summary>
[TestClass]
public sealed class GenericSqlExportTests
{
    internal const string SqliteQuery = """
        -- A practice's own query: contract column names, local start times between @WindowStart and @WindowEnd.
        SELECT v.id AS APP_LID, substr(v.starts, 1, 10) AS APP_DATE, substr(v.starts, 12, 5) AS APP_START_TIME,
               v.home AS USER_LANDLINE_PHONE, v.cell AS USER_MOBILE_PHONE, v.mail AS USER_EMAIL,
               d.id AS RESOURCE_LID, d.name AS RESOURCE_NAME, NULL AS RESOURCE_MOBILE_PHONE, NULL AS RESOURCE_EMAIL,
               'R' || v.room AS LOCATION_LID, 'Room ' || v.room AS LOCATION_NAME
        FROM visits v JOIN doctors d ON d.id = v.doctor
        WHERE v.cancelled = 0 AND v.starts >= @WindowStart AND v.starts < @WindowEnd
        ORDER BY v.starts, v.id
        """;

    internal static string CreateSqlitePms(string folder)
    {
        var path = Path.Combine(folder, "pms.sqlite");
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE doctors (id TEXT PRIMARY KEY, name TEXT NOT NULL);
            CREATE TABLE visits (id TEXT PRIMARY KEY, patient_name TEXT, starts TEXT NOT NULL, home TEXT, cell TEXT, mail TEXT, doctor TEXT, room INTEGER, cancelled INTEGER NOT NULL DEFAULT 0);
            INSERT INTO doctors VALUES ('D1', 'Dr. Sol'), ('D2', 'Dr. Luna');
            INSERT INTO visits VALUES
              ('V1', 'Zacarías Zurita', '2026-10-23 12:00:00', '', '600 11 22 33', 'v1@example.org', 'D1', 1, 0),
              ('V2', 'Zacarías Zurita', '2026-10-23 11:59:00', '', '600 11 22 33', '', 'D1', 1, 0),
              ('V3', 'Yolanda Yuste', '2026-10-25 02:30:00', '91 555 00 01', '', '', 'D2', 2, 0),
              ('V4', 'Xenia Xirau', '2026-10-27 10:59:00', '', '+34 611 000 111', '', 'D2', 2, 0),
              ('V5', 'Xenia Xirau', '2026-10-27 11:00:00', '', '+34 611 000 111', '', 'D2', 2, 0),
              ('V6', 'Walter White', '2026-10-26 09:00:00', '', '622-000-222', 'v6@example.org', 'D1', 1, 1);
            """;
        command.ExecuteNonQuery();
        return path;
    }

    private static PracticeExportOptions Practice(string folder, string query)
    {
        var queryFile = Path.Combine(folder, "query.sql");
        File.WriteAllText(queryFile, query);
        return new PracticeExportOptions
        {
            PracticeId = "GEN-01",
            Source = SourceKind.GenericSql,
            Provider = SqlProvider.Sqlite,
            ConnectionString = $"Data Source={Path.Combine(folder, "pms.sqlite")}",
            QueryFile = queryFile,
            TimeZone = "Europe/Madrid",
        };
    }

    private static async Task<ExportResult> ExportAsync(PracticeExportOptions practice, string folder, ExportLedger? ledger = null)
    {
        ledger ??= new ExportLedger(Path.Combine(folder, "agent.db"));
        var runner = new ExportRunner(ledger, TimeProvider.System, NullLogger<ExportRunner>.Instance);
        return await runner.RunAsync(practice, new ExportRunOptions { Now = OpenDentalDatabase.Now, DryRun = true, OutputFolder = Path.Combine(folder, "out") },
            CancellationToken.None);
    }

    [TestMethod]
    public async Task CheckAsync_Fails_OnAPatientNameColumn_AndOnAQueryWithoutTheWindow()
    {
        var folder = Directory.CreateTempSubdirectory("rf-generic-").FullName;
        CreateSqlitePms(folder);
        var withName = Practice(folder, SqliteQuery.Replace("SELECT v.id AS APP_LID,", "SELECT v.id AS APP_LID, v.patient_name AS USER_FIRST_NAME,", StringComparison.Ordinal));

        var named = await Assert.ThrowsExactlyAsync<ExportException>(() => new GenericSqlSource(withName).CheckAsync(CancellationToken.None));
        StringAssert.Contains(named.Message, "USER_FIRST_NAME");

        var unfiltered = Practice(folder, "SELECT * FROM visits");
        var noWindow = await Assert.ThrowsExactlyAsync<ExportException>(() => new GenericSqlSource(unfiltered).CheckAsync(CancellationToken.None));
        StringAssert.Contains(noWindow.Message, "@WindowStart");
    }

    [TestMethod]
    public async Task Export_OpensSqliteReadOnly()
    {
        var folder = Directory.CreateTempSubdirectory("rf-generic-").FullName;
        CreateSqlitePms(folder);
        var practice = Practice(folder, "DELETE FROM visits WHERE @WindowStart < @WindowEnd; " + SqliteQuery);

        var ex = await Assert.ThrowsExactlyAsync<ExportException>(() => ExportAsync(practice, folder));

        StringAssert.Contains(ex.Message, "readonly", StringComparison.OrdinalIgnoreCase);
        using var connection = new SqliteConnection($"Data Source={Path.Combine(folder, "pms.sqlite")}");
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM visits";
        Assert.AreEqual(6L, (long)count.ExecuteScalar()!);
    }
}
