using RecallFiles.Exporter;
using RecallFiles.Exporter.StatusApply;
using RecallFiles.Tests.Infrastructure;
using static RecallFiles.Tests.Status.StatusHarness;

namespace RecallFiles.Tests.Status;

/// <summary>Issue 15, least privilege: the export user is read-only, status apply writes through its own StatusConnectionString (real MariaDB).</summary>
[TestClass]
public sealed class StatusLeastPrivilegeTests
{
    [TestMethod]
    public async Task Apply_BreaksTheAppointment_ThroughTheStatusUser_WhileTheExportUserIsReadOnly()
    {
        await using var server = await MariaDbServer.StartAsync();
        var root = await OpenDentalStatusApplyTests.CreatePmsAsync(server, "od_least");
        var readOnly = await server.CreateReadOnlyUserAsync("od_least", "rf_export", "export-pw");
        await OpenDentalStatusApplyTests.ExecAsync(root, """
            CREATE USER 'rf_status'@'127.0.0.1' IDENTIFIED BY 'status-pw';
            GRANT SELECT, UPDATE (AptStatus, Confirmed, Note) ON od_least.appointment TO 'rf_status'@'127.0.0.1';
            GRANT SELECT ON od_least.definition TO 'rf_status'@'127.0.0.1';
            """);
        var statusUser = readOnly.Replace("User ID=rf_export;Password=export-pw", "User ID=rf_status;Password=status-pw", StringComparison.Ordinal);
        Assert.AreNotEqual(readOnly, statusUser);
        var practice = new PracticeExportOptions
        {
            PracticeId = "OD-01",
            Source = SourceKind.OpenDental,
            ConnectionString = readOnly,
            StatusConnectionString = statusUser,
            TimeZone = "Europe/Madrid",
            Status = new StatusApplyOptions { Enabled = true },
        };

        // check: the read-only fallback is refused naming the key; the status user passes.
        var refused = await Assert.ThrowsExactlyAsync<StatusApplyException>(() => StatusApplier.CheckAsync(practice with { StatusConnectionString = null }, default));
        StringAssert.Contains(refused.Message, "RecallFiles:Agent:Practices:OD-01:ConnectionString (no StatusConnectionString is set) may not write the appointment");
        StringAssert.Contains(await StatusApplier.CheckAsync(practice, default), "StatusConnectionString");

        var harness = new StatusHarness();
        harness.Drop(Name("OD-01"), File(Row("103", "CANCELLED by USER", "1", "27/10/2026", "10:59"), Row("101", "APPROVED", "1", "23/10/2026", "12:00")));
        await harness.RunAsync(practice);

        var results = harness.Results(ResultName("OD-01"));
        Assert.IsTrue(results.Values.All(r => r.Result == "OK"), string.Join("; ", results.Values));
        Assert.AreEqual(5, (await OpenDentalStatusApplyTests.AptAsync(root, 103)).AptStatus, "broken in Open Dental");
        Assert.AreEqual(21, (await OpenDentalStatusApplyTests.AptAsync(root, 101)).Confirmed);

        // The export user really is read-only: the same write through it is refused by the server.
        var denied = await Assert.ThrowsExactlyAsync<MySqlConnector.MySqlException>(() => OpenDentalStatusApplyTests.ExecAsync(readOnly, "UPDATE appointment SET Note = 'x' WHERE AptNum = 101"));
        StringAssert.Contains(denied.Message, "denied");
    }

    [TestMethod]
    public async Task Apply_WritesThroughTheStatusRole_WhileTheExportRoleIsReadOnly_OnPostgreSql()
    {
        // The case the issue found: a PostgreSQL export role with default_transaction_read_only blocked status apply.
        var admin = await PostgreSqlStatusApplyTests.CreatePostgreSqlPmsAsync();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        await using (var connection = new Npgsql.NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand($"""
                CREATE ROLE rf_export_{suffix} LOGIN PASSWORD 'export-pw';
                ALTER ROLE rf_export_{suffix} SET default_transaction_read_only = on;
                GRANT SELECT ON appts TO rf_export_{suffix};
                CREATE ROLE rf_status_{suffix} LOGIN PASSWORD 'status-pw';
                GRANT SELECT ON appts TO rf_status_{suffix};
                GRANT UPDATE (reminder_status, cancelled) ON appts TO rf_status_{suffix};
                """, connection);
            await command.ExecuteNonQueryAsync();
        }

        string As(string role, string password) => new Npgsql.NpgsqlConnectionStringBuilder(admin) { Username = role, Password = password, Pooling = false }.ConnectionString;
        var practice = new PracticeExportOptions
        {
            PracticeId = "GEN-01",
            Source = SourceKind.GenericSql,
            Provider = SqlProvider.PostgreSql,
            QueryFile = "unused.sql",
            ConnectionString = As($"rf_export_{suffix}", "export-pw"),
            StatusConnectionString = As($"rf_status_{suffix}", "status-pw"),
            Status = new StatusApplyOptions
            {
                Enabled = true,
                LookupSql = "SELECT appt_date AS APP_DATE, appt_time AS APP_START_TIME, provider AS RESOURCE_LID, reminder_status AS STATUS FROM appts WHERE id = @AppLid",
                ApprovedSql = "UPDATE appts SET reminder_status = @Status WHERE id = @AppLid",
                CancelledByUserSql = "UPDATE appts SET reminder_status = @Status, cancelled = 1 WHERE id = @AppLid",
                CancelledByAdminSql = "UPDATE appts SET reminder_status = @Status, cancelled = 2 WHERE id = @AppLid",
            },
        };

        var refused = await Assert.ThrowsExactlyAsync<StatusApplyException>(() => StatusApplier.CheckAsync(practice with { StatusConnectionString = null }, default));
        StringAssert.Contains(refused.Message, "RecallFiles:Agent:Practices:GEN-01:ConnectionString (no StatusConnectionString is set) may not run the status statements: 25006");
        var harness = new StatusHarness();
        harness.Drop(Name("GEN-01"), File(Row("G1", "CANCELLED by USER", "DDS1", "24/11/2026", "09:30")));
        await harness.RunAsync(practice);

        Assert.AreEqual("OK", harness.Results(ResultName("GEN-01"))["G1"].Result, harness.Results(ResultName("GEN-01"))["G1"].Message);
        await using (var connection = new Npgsql.NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("SELECT reminder_status || '/' || cancelled FROM appts WHERE id = 'G1'", connection);
            Assert.AreEqual("CANCELLED by USER/1", (string)(await command.ExecuteScalarAsync())!);
        }

        await using (var connection = new Npgsql.NpgsqlConnection(practice.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("UPDATE appts SET cancelled = 0 WHERE id = 'G1'", connection);
            var denied = await Assert.ThrowsExactlyAsync<Npgsql.PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.AreEqual("25006", denied.SqlState, "the export role's transactions are read-only");
        }
    }
}
