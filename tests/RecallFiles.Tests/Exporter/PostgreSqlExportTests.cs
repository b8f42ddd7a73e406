using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using RecallFiles.Exporter;
using RecallFiles.Exporter.Ledger;
using RecallFiles.Exporter.Sources;
using RecallFiles.Schemas;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Exporter;

/// <summary>The generic SQL source against a real PostgreSQL PMS database, with a least-privilege read-only role.</summary>
[TestClass]
public sealed class PostgreSqlExportTests
{
    private const string Query = """
        SELECT v.id AS "APP_LID", v.starts::date AS "APP_DATE", v.starts::time AS "APP_START_TIME",
               v.home AS "USER_LANDLINE_PHONE", v.cell AS "USER_MOBILE_PHONE", v.mail AS "USER_EMAIL",
               v.doctor AS "RESOURCE_LID", d.name AS "RESOURCE_NAME", NULL AS "RESOURCE_MOBILE_PHONE", NULL AS "RESOURCE_EMAIL",
               v.room AS "LOCATION_LID", 'Room ' || v.room AS "LOCATION_NAME", (v.starts + v.minutes * interval '1 minute')::time AS "APP_END_TIME"
        FROM visits v JOIN doctors d ON d.id = v.doctor
        WHERE NOT v.cancelled AND v.starts >= @WindowStart AND v.starts < @WindowEnd
        ORDER BY v.starts, v.id
        """;

    private static async Task<string> CreatePmsAsync()
    {
        var admin = await PostgresFixture.AdminConnectionStringAsync();
        var name = $"pms_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var pms = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        await using (var connection = new NpgsqlConnection(pms))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"""
                CREATE TABLE doctors (id int PRIMARY KEY, name text NOT NULL);
                CREATE TABLE visits (id bigint PRIMARY KEY, patient_name text, starts timestamp NOT NULL, minutes int NOT NULL,
                                     home text, cell text, mail text, doctor int NOT NULL, room int, cancelled boolean NOT NULL DEFAULT false);
                INSERT INTO doctors VALUES (1, 'Dr. Sol'), (2, 'Dr. Luna');
                INSERT INTO visits VALUES
                  (1, 'Zacarías Zurita', '2026-10-23 12:00', 30, NULL, '600 11 22 33', 'v1@example.org', 1, 1, false),
                  (2, 'Zacarías Zurita', '2026-10-23 11:59', 30, NULL, '600 11 22 33', NULL, 1, 1, false),
                  (3, 'Yolanda Yuste', '2026-10-25 02:30', 45, '91 555 00 01', NULL, NULL, 2, 2, false),
                  (4, 'Xenia Xirau', '2026-10-27 10:59', 15, NULL, '+34 611 000 111', NULL, 2, 2, false),
                  (5, 'Xenia Xirau', '2026-10-27 11:00', 15, NULL, '+34 611 000 111', NULL, 2, 2, false),
                  (6, 'Walter White', '2026-10-26 09:00', 20, NULL, '622-000-222', 'v6@example.org', 1, 1, true);
                DROP ROLE IF EXISTS ro_{name};
                CREATE ROLE ro_{name} LOGIN PASSWORD 'read-only-pw' NOSUPERUSER NOCREATEDB NOCREATEROLE;
                ALTER ROLE ro_{name} SET default_transaction_read_only = on;
                GRANT CONNECT ON DATABASE {name} TO ro_{name};
                GRANT USAGE ON SCHEMA public TO ro_{name};
                GRANT SELECT ON visits, doctors TO ro_{name};
                """, connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(pms) { Username = $"ro_{name}", Password = "read-only-pw" }.ConnectionString;
    }

    [TestMethod]
    public async Task Export_ReadsAPostgreSqlPms_WithDateAndTimeColumns_AndTheExactWindow()
    {
        var readOnly = await CreatePmsAsync();
        var folder = Directory.CreateTempSubdirectory("rf-pg-export-").FullName;
        File.WriteAllText(Path.Combine(folder, "query.sql"), Query);
        var practice = new PracticeExportOptions
        {
            PracticeId = "PG-01", Source = SourceKind.GenericSql, Provider = SqlProvider.PostgreSql, ConnectionString = readOnly,
            QueryFile = Path.Combine(folder, "query.sql"), TimeZone = "Europe/Madrid", DefaultCountryCode = "34", ExtensionColumns = [Columns.AppEndTime],
        };
        var runner = new ExportRunner(new ExportLedger(Path.Combine(folder, "agent.db")), TimeProvider.System, NullLogger<ExportRunner>.Instance);

        await new GenericSqlSource(practice).CheckAsync(CancellationToken.None);
        var result = await runner.RunAsync(practice, new ExportRunOptions { Now = OpenDentalDatabase.Now, DryRun = true, OutputFolder = folder }, CancellationToken.None);

        using var reader = ContractReader.OpenAppointments(File.OpenRead(result.LocalPath), result.FileName);
        var rows = reader.ReadRows().ToList();
        CollectionAssert.AreEqual(new[] { "1", "3", "4" }, rows.Select(r => r.Record.AppLid).ToArray());
        Assert.AreEqual("23/10/2026", rows[0].Record.AppDate);
        Assert.AreEqual("12:00", rows[0].Record.AppStartTime);
        Assert.AreEqual("12:30", rows[0].Record.AppEndTime);
        Assert.AreEqual("+34600112233", rows[0].Record.UserMobilePhone);
        Assert.AreEqual("Dr. Luna", rows[1].Record.ResourceName);
        Assert.IsFalse((await File.ReadAllTextAsync(result.LocalPath)).Contains("Zurita", StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task Export_CannotWrite_ThroughTheReadOnlyRole()
    {
        var readOnly = await CreatePmsAsync();
        var folder = Directory.CreateTempSubdirectory("rf-pg-export-").FullName;
        File.WriteAllText(Path.Combine(folder, "query.sql"), "WITH gone AS (DELETE FROM visits WHERE @WindowStart < @WindowEnd RETURNING id) " + Query);
        var practice = new PracticeExportOptions
        {
            PracticeId = "PG-01", Source = SourceKind.GenericSql, Provider = SqlProvider.PostgreSql, ConnectionString = readOnly,
            QueryFile = Path.Combine(folder, "query.sql"), TimeZone = "Europe/Madrid",
        };
        var runner = new ExportRunner(new ExportLedger(Path.Combine(folder, "agent.db")), TimeProvider.System, NullLogger<ExportRunner>.Instance);

        var ex = await Assert.ThrowsExactlyAsync<ExportException>(() =>
            runner.RunAsync(practice, new ExportRunOptions { Now = OpenDentalDatabase.Now, DryRun = true, OutputFolder = folder }, CancellationToken.None));

        StringAssert.Contains(ex.Message, "read-only");
    }
}
