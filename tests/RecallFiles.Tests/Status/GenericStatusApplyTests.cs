using System.Text;
using RecallFiles.Schemas;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using RecallFiles.Exporter;
using RecallFiles.Exporter.StatusApply;
using RecallFiles.Tests.Infrastructure;
using static RecallFiles.Tests.Status.StatusHarness;

namespace RecallFiles.Tests.Status;

/// <summary>
/// The same suite for every generic PMS database: a table the practice's own SQL reads and writes. A CHECK constraint
/// makes the PMS refuse one row, to show that a refused row rolls back alone.
/// </summary>
public abstract class GenericStatusApplyTests
{
    private protected abstract SqlProvider Provider { get; }

    /// <summary>Creates the appointments table with rows G1 (24/11/2026 09:30, DDS1), G2 (25/11/2026 10:00, DDS2), G3 locked; returns the connection string.</summary>
    private protected abstract Task<string> CreatePmsAsync();

    private protected abstract DbConnection Connect(string connectionString);

    private protected const string Ddl = """
        CREATE TABLE appts (id varchar(20) PRIMARY KEY, appt_date date NOT NULL, appt_time varchar(5), provider varchar(20) NOT NULL,
                            reminder_status varchar(30), cancelled int NOT NULL DEFAULT 0, locked int NOT NULL DEFAULT 0,
                            CHECK (locked = 0 OR reminder_status IS NULL));
        INSERT INTO appts (id, appt_date, appt_time, provider) VALUES ('G1', '2026-11-24', '09:30', 'DDS1'), ('G2', '2026-11-25', '10:00', 'DDS2');
        INSERT INTO appts (id, appt_date, appt_time, provider, locked) VALUES ('G3', '2026-11-26', '11:00', 'DDS1', 1);
        """;

    private async Task<PracticeExportOptions> PracticeAsync() => new()
    {
        PracticeId = "GEN-01",
        Source = SourceKind.GenericSql,
        Provider = Provider,
        QueryFile = "unused.sql",
        ConnectionString = await CreatePmsAsync(),
        Status = new StatusApplyOptions
        {
            Enabled = true,
            LookupSql = "SELECT appt_date AS APP_DATE, appt_time AS APP_START_TIME, provider AS RESOURCE_LID, reminder_status AS STATUS FROM appts WHERE id = @AppLid",
            ApprovedSql = "UPDATE appts SET reminder_status = @Status WHERE id = @AppLid",
            CancelledByUserSql = "UPDATE appts SET reminder_status = @Status, cancelled = 1 WHERE id = @AppLid",
            CancelledByAdminSql = "UPDATE appts SET reminder_status = @Status, cancelled = 2 WHERE id = @AppLid",
            PendingSql = "UPDATE appts SET reminder_status = @Status WHERE id = @AppLid",
        },
    };

    private async Task<(string? Status, int Cancelled)> RowAsync(string connectionString, string id)
    {
        await using var connection = Connect(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT reminder_status, cancelled FROM appts WHERE id = '{id}'";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.IsTrue(await reader.ReadAsync());
        return (reader.IsDBNull(0) ? null : reader.GetString(0), Convert.ToInt32(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task ExecAsync(string connectionString, string sql)
    {
        await using var connection = Connect(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    [TestMethod]
    [DataRow("APPROVED", "APPROVED", 0)]
    [DataRow("CANCELLED by USER", "CANCELLED by USER", 1)]
    [DataRow("cancelled by admin", "CANCELLED by ADMIN", 2)]
    [DataRow("Pending", "PENDING", 0)]
    public async Task Apply_RunsTheStatement_ForEachStatusSpelling(string written, string wire, int cancelled)
    {
        var practice = await PracticeAsync();
        var harness = new StatusHarness();
        harness.Drop(Name("GEN-01"), File(Row("G1", written, "DDS1", "24/11/2026", "09:30")));

        await harness.RunAsync(practice);

        Assert.AreEqual("OK", harness.Results(ResultName("GEN-01"))["G1"].Result);
        Assert.AreEqual((wire, cancelled), await RowAsync(practice.ConnectionString, "G1"));
        Assert.AreEqual((null, 0), await RowAsync(practice.ConnectionString, "G2"));
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task Apply_TakesAStatusFileAtFirstSight_WhateverTheDropBoxsMinFileAge(bool once)
    {
        // Issue 14: status files are written by the cloud through a temporary name, so the stability wait is pointless;
        // with it a scheduled run took a file one interval late and each --once waited MinFileAge (here an hour) per practice.
        var practice = await PracticeAsync();
        var harness = new StatusHarness();
        var slow = harness.DropBox with { MinFileAge = TimeSpan.FromHours(1) };
        harness.Drop(Name("GEN-01"), File(Row("G1", "APPROVED", "DDS1", "24/11/2026", "09:30")));

        var run = await harness.Applier.RunAsync(practice with { DropBox = slow }, Path.Combine(harness.Folder, "work"), once, CancellationToken.None);

        Assert.HasCount(1, run.Files, "taken at once: " + string.Join(", ", run.Waiting));
        Assert.AreEqual("OK", harness.Results(ResultName("GEN-01"))["G1"].Result);
    }

    [TestMethod]
    public async Task Apply_AnswersPerRow_ForInvalidUnknownMovedAlreadyAndRefusedRows()
    {
        var practice = await PracticeAsync();
        await ExecAsync(practice.ConnectionString, "UPDATE appts SET reminder_status = 'APPROVED' WHERE id = 'G2'");
        var harness = new StatusHarness();
        harness.Drop(Name("GEN-01"), File(
            Row("G1", "CONFIRMED", "DDS1", "24/11/2026", "09:30"),             // invalid value
            Row("NOPE", "CANCELLED by USER", "DDS1", "24/11/2026", "09:30"),   // unknown
            Row("G2", "APPROVED", "DDS2", "25/11/2026", "10:00"),              // already
            Row("G3", "APPROVED", "DDS1", "26/11/2026", "11:00")));            // the PMS refuses it
        harness.Drop(Name("GEN-01", "20261024T100500Z"), File(
            Row("G1", "CANCELLED by USER", "DDS1", "24/11/2026", "10:30")));   // moved

        var run = await harness.RunAsync(practice);

        Assert.HasCount(2, run.Files);
        var results = harness.Results(ResultName("GEN-01"));
        Assert.AreEqual("ERROR", results["G1"].Result);
        Assert.AreEqual("NOT_FOUND", results["NOPE"].Result);
        Assert.AreEqual("OK", results["G2"].Result);
        Assert.Contains("already", results["G2"].Message!);
        Assert.AreEqual("ERROR", results["G3"].Result);
        Assert.Contains("refused", results["G3"].Message!);
        Assert.AreEqual("CONFLICT", harness.Results(ResultName("GEN-01", "20261024T100500Z"))["G1"].Result);
        Assert.AreEqual((null, 0), await RowAsync(practice.ConnectionString, "G1"));
        Assert.AreEqual((null, 0), await RowAsync(practice.ConnectionString, "G3"));
    }

    [TestMethod]
    public async Task Apply_ChangesNothingInThePms_ForAnUnsignedOrForgedFile_WhenTheAgentHasKeys()
    {
        var key = StatusSignature.NewKey();
        var previous = StatusSignature.NewKey();
        var practice = await PracticeAsync();
        practice = practice with { Status = practice.Status with { SigningKeys = [key, previous] } };
        var harness = new StatusHarness();
        var signed = File(Row("G2", "APPROVED", "DDS2", "25/11/2026", "10:00"));
        harness.Drop(Name("GEN-01", "20261024T100000Z"), File(Row("G1", "CANCELLED by USER", "DDS1", "24/11/2026", "09:30")));   // no .sig
        harness.Drop(Name("GEN-01", "20261024T100100Z"), File(Row("G1", "CANCELLED by ADMIN", "DDS1", "24/11/2026", "09:30")));
        harness.Drop(Name("GEN-01", "20261024T100100Z") + StatusSignature.Suffix, StatusSignature.Sign(StatusSignature.ParseKey(key)!, Encoding.UTF8.GetBytes(signed)));  // another file's
        harness.Drop(Name("GEN-01", "20261024T100200Z"), signed);
        harness.Drop(Name("GEN-01", "20261024T100200Z") + StatusSignature.Suffix, StatusSignature.Sign(StatusSignature.ParseKey(previous)!, Encoding.UTF8.GetBytes(signed)));  // rotation: the previous key

        var run = await harness.RunAsync(practice);

        Assert.HasCount(3, run.Files);
        Assert.AreEqual((null, 0), await RowAsync(practice.ConnectionString, "G1"), "neither the unsigned nor the forged file wrote anything");
        Assert.AreEqual(("APPROVED", 0), await RowAsync(practice.ConnectionString, "G2"), "the signed file applied");
        StringAssert.Contains(run.Files[0].FileError, "has no signature");
        StringAssert.Contains(run.Files[1].FileError, "matches none of this agent's keys");
        Assert.IsNull(run.Files[2].FileError);
        CollectionAssert.AreEquivalent(
            new[] { Name("GEN-01", "20261024T100000Z"), Name("GEN-01", "20261024T100000Z") + ".error.txt", Name("GEN-01", "20261024T100100Z"), Name("GEN-01", "20261024T100100Z") + ".error.txt" },
            harness.Files("status/failed"));
        Assert.AreEqual("ERROR", harness.Results(ResultName("GEN-01", "20261024T100000Z"))["G1"].Result, "the cloud learns why");
        Assert.IsEmpty(harness.Files("status"), "the inbox is empty: files and their sidecars are gone from it");
    }

    [TestMethod]
    public async Task Apply_RefusesAFile_WhoseSidecarIsLongerThanAnySignature()
    {
        var practice = await PracticeAsync();
        practice = practice with { Status = practice.Status with { SigningKeys = [StatusSignature.NewKey()] } };
        var harness = new StatusHarness();
        harness.Drop(Name("GEN-01"), File(Row("G1", "CANCELLED by USER", "DDS1", "24/11/2026", "09:30")));
        harness.Drop(Name("GEN-01") + StatusSignature.Suffix, new string('a', 100_000));

        var run = await harness.RunAsync(practice);

        StringAssert.Contains(run.Files.Single().FileError, "matches none of this agent's keys");
        Assert.AreEqual((null, 0), await RowAsync(practice.ConnectionString, "G1"));
    }

    [TestMethod]
    public async Task Apply_WritesNothingTwice_ForReplayedAndTwiceDroppedFiles()
    {
        var practice = await PracticeAsync();
        var harness = new StatusHarness();
        var content = File(Row("G1", "CANCELLED by USER", "DDS1", "24/11/2026", "09:30"));
        harness.Drop(Name("GEN-01"), content);
        await harness.RunAsync(practice);
        await ExecAsync(practice.ConnectionString, "UPDATE appts SET reminder_status = NULL, cancelled = 0 WHERE id = 'G1'");   // reinstated at the desk

        harness.Drop(Name("GEN-01"), content);                                                             // dropped twice
        await harness.RunAsync(practice);
        Assert.AreEqual((null, 0), await RowAsync(practice.ConnectionString, "G1"));

        harness.Drop(Name("GEN-01"), File(Row("G2", "APPROVED", "DDS2", "25/11/2026", "10:00"), Row("G1", "CANCELLED by USER", "DDS1", "24/11/2026", "09:30")));   // replayed, regenerated
        await harness.RunAsync(practice);
        Assert.AreEqual((null, 0), await RowAsync(practice.ConnectionString, "G1"));
        Assert.AreEqual(("APPROVED", 0), await RowAsync(practice.ConnectionString, "G2"));
        Assert.AreEqual("OK", harness.Results(ResultName("GEN-01"))["G1"].Result);
    }
}

[TestClass]
public sealed class SqliteStatusApplyTests : GenericStatusApplyTests
{
    private protected override SqlProvider Provider => SqlProvider.Sqlite;

    private protected override async Task<string> CreatePmsAsync()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("rf-status-sqlite-").FullName, "pms.db");
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = Ddl;
        await command.ExecuteNonQueryAsync();
        return connectionString;
    }

    private protected override DbConnection Connect(string connectionString) => new SqliteConnection(connectionString);
}

[TestClass]
public sealed class PostgreSqlStatusApplyTests : GenericStatusApplyTests
{
    private protected override SqlProvider Provider => SqlProvider.PostgreSql;

    private protected override Task<string> CreatePmsAsync() => CreatePostgreSqlPmsAsync();

    internal static async Task<string> CreatePostgreSqlPmsAsync()
    {
        var connectionString = await PostgresFixture.CreateDatabaseAsync("pms_status");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(Ddl, connection);
        await command.ExecuteNonQueryAsync();
        return connectionString;
    }

    private protected override DbConnection Connect(string connectionString) => new NpgsqlConnection(connectionString);
}
