using System.Data.Common;
using Microsoft.Extensions.Logging.Abstractions;
using RecallFiles.Exporter;
using RecallFiles.Exporter.GenericSql;
using RecallFiles.Exporter.Ledger;
using RecallFiles.Exporter.Sources;
using RecallFiles.Schemas;

namespace RecallFiles.Tests.Exporter;

/// <summary>
/// The same suite for every provider of the generic SQL source: a PMS laid out the same way in each database (six
/// visits around the window of <see cref="OpenDentalDatabase.Now"/>, one cancelled), read by a least-privilege user.
/// </summary>
public abstract class GenericSourceSuite
{
    private protected abstract SqlProvider Provider { get; }

    /// <summary>The practice's query in this database's dialect.</summary>
    private protected virtual string Query => """
        SELECT v.id AS APP_LID, CAST(v.starts AS DATE) AS APP_DATE, CAST(v.starts AS TIME) AS APP_START_TIME, CAST(v.ends AS TIME) AS APP_END_TIME,
               v.home AS USER_LANDLINE_PHONE, v.cell AS USER_MOBILE_PHONE, v.mail AS USER_EMAIL,
               v.doctor AS RESOURCE_LID, d.name AS RESOURCE_NAME, NULL AS RESOURCE_MOBILE_PHONE, NULL AS RESOURCE_EMAIL,
               v.room AS LOCATION_LID, CONCAT('Room ', v.room) AS LOCATION_NAME
        FROM visits v JOIN doctors d ON d.id = v.doctor
        WHERE v.cancelled = 0 AND v.starts >= @WindowStart AND v.starts < @WindowEnd
        ORDER BY v.starts, v.id
        """;

    /// <summary>What the database answers when the read-only connection tries to delete.</summary>
    private protected abstract string Refusal { get; }

    /// <summary>Runs <see cref="Layout"/> (with this database's timestamp type) and returns a read-only user's connection string.</summary>
    private protected abstract Task<string> CreateReadOnlyPmsAsync();

    private protected static string Layout(string timestamp) => $"""
        CREATE TABLE doctors (id int PRIMARY KEY, name varchar(40) NOT NULL);
        CREATE TABLE visits (id int PRIMARY KEY, patient_name varchar(60), starts {timestamp} NOT NULL, ends {timestamp} NOT NULL,
                             home varchar(30), cell varchar(30), mail varchar(80), doctor int NOT NULL, room int, cancelled int NOT NULL);
        INSERT INTO doctors VALUES (1, 'Dr. Sol'), (2, 'Dr. Luna');
        INSERT INTO visits VALUES
          (1, 'Zacarías Zurita', '2026-10-23 12:00:00', '2026-10-23 12:30:00', NULL, '600 11 22 33', 'v1@example.org', 1, 1, 0),
          (2, 'Zacarías Zurita', '2026-10-23 11:59:00', '2026-10-23 12:29:00', NULL, '600 11 22 33', NULL, 1, 1, 0),
          (3, 'Yolanda Yuste', '2026-10-25 02:30:00', '2026-10-25 03:15:00', '91 555 00 01', NULL, NULL, 2, 2, 0),
          (4, 'Xenia Xirau', '2026-10-27 10:59:00', '2026-10-27 11:14:00', NULL, '+34 611 000 111', NULL, 2, 2, 0),
          (5, 'Xenia Xirau', '2026-10-27 11:00:00', '2026-10-27 11:15:00', NULL, '+34 611 000 111', NULL, 2, 2, 0),
          (6, 'Walter White', '2026-10-26 09:00:00', '2026-10-26 09:20:00', NULL, '622-000-222', 'v6@example.org', 1, 1, 1);
        """;

    private protected static Task ExecuteAsync(DbConnection connection, string sql) => PresetPms.ExecuteAsync(connection, sql);

    private async Task<(PracticeExportOptions Practice, ExportLedger Ledger, string Folder)> PracticeAsync(string query)
    {
        var connectionString = await CreateReadOnlyPmsAsync();
        var folder = Directory.CreateTempSubdirectory("rf-generic-suite-").FullName;
        File.WriteAllText(Path.Combine(folder, "query.sql"), query);
        var practice = new PracticeExportOptions
        {
            PracticeId = "GEN-01", Source = SourceKind.GenericSql, Provider = Provider, ConnectionString = connectionString,
            QueryFile = Path.Combine(folder, "query.sql"), TimeZone = "Europe/Madrid", DefaultCountryCode = "34", ExtensionColumns = [Columns.AppEndTime],
        };
        return (practice, new ExportLedger(Path.Combine(folder, "agent.db")), folder);
    }

    private static Task<ExportResult> ExportAsync(PracticeExportOptions practice, ExportLedger ledger, string folder, DateTimeOffset? now = null) =>
        new ExportRunner(ledger, TimeProvider.System, NullLogger<ExportRunner>.Instance)
            .RunAsync(practice, new ExportRunOptions { Now = now ?? OpenDentalDatabase.Now, DryRun = true, OutputFolder = folder }, CancellationToken.None);

    [TestMethod]
    public async Task Export_ReadsDatesTimesAndTheExactWindow_ThroughTheReadOnlyUser()
    {
        var (practice, ledger, folder) = await PracticeAsync(Query);

        await new GenericSqlSource(practice).CheckAsync(CancellationToken.None);
        var result = await ExportAsync(practice, ledger, folder);

        using var reader = ContractReader.OpenAppointments(File.OpenRead(result.LocalPath), result.FileName);
        var rows = reader.ReadRows().ToList();
        CollectionAssert.AreEqual(new[] { "1", "3", "4" }, rows.Select(r => r.Record.AppLid).ToArray());
        Assert.IsTrue(rows.All(r => r.IsValid));
        Assert.AreEqual("23/10/2026", rows[0].Record.AppDate);
        Assert.AreEqual("12:00", rows[0].Record.AppStartTime);
        Assert.AreEqual("12:30", rows[0].Record.AppEndTime);
        Assert.AreEqual("+34600112233", rows[0].Record.UserMobilePhone);
        Assert.AreEqual("Room 1", rows[0].Record.LocationName);
        Assert.AreEqual("Dr. Luna", rows[1].Record.ResourceName);
        Assert.AreEqual("+34915550001", rows[1].Record.UserLandlinePhone);
        Assert.IsFalse((await File.ReadAllTextAsync(result.LocalPath)).Contains("Zurita", StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task Export_KeepsTheExactWindow_WhenNowHasAFractionOfASecond()
    {
        var (practice, ledger, folder) = await PracticeAsync(Query);

        var result = await ExportAsync(practice, ledger, folder, OpenDentalDatabase.Now.AddMilliseconds(500.25));

        using var reader = ContractReader.OpenAppointments(File.OpenRead(result.LocalPath), result.FileName);
        CollectionAssert.AreEqual(new[] { "3", "4", "5" }, reader.ReadRows().Select(r => r.Record.AppLid).ToArray(), "12:00:00 is now before the start; 11:00:00 on the 27th before the end");
    }

    [TestMethod]
    public async Task Export_FailsNamingTheColumnAndTheKey_AndRecordsIt_WhenTheQueryLacksAContractColumn()
    {
        var (practice, ledger, folder) = await PracticeAsync(Query.Replace("v.mail AS USER_EMAIL,", "", StringComparison.Ordinal));

        var ex = await Assert.ThrowsExactlyAsync<ExportException>(() => ExportAsync(practice, ledger, folder));

        StringAssert.Contains(ex.Message, "USER_EMAIL");
        StringAssert.Contains(ex.Message, "RecallFiles:Agent:Practices:GEN-01:QueryFile");
        Assert.AreEqual(ExportStatus.Failed, ledger.List().Single().Status);
    }

    [TestMethod]
    public async Task CreateConnection_CannotDelete_AsTheSourceOpensIt()
    {
        var (practice, _, _) = await PracticeAsync(Query);
        await using var connection = SqlProviders.CreateConnection(Provider, practice.ConnectionString, readOnly: true);
        await connection.OpenAsync();
        await using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM visits";

        var refused = await Assert.ThrowsAsync<DbException>(() => delete.ExecuteNonQueryAsync());

        StringAssert.Contains(refused.Message, Refusal, StringComparison.OrdinalIgnoreCase);
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM visits";
        Assert.AreEqual(6L, Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
    }
}
