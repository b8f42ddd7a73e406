using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;
using RecallFiles.Exporter;
using RecallFiles.Exporter.Ledger;
using RecallFiles.Exporter.StatusApply;
using RecallFiles.Tests.Exporter;
using RecallFiles.Tests.Infrastructure;
using static RecallFiles.Tests.Status.StatusHarness;

using RecallFiles.Transport.Internal;

namespace RecallFiles.Tests.Status;

/// <summary>The status applier against a real MariaDB with the Open Dental tables (issue 6).</summary>
[TestClass]
public sealed class OpenDentalStatusApplyTests
{
    private static MariaDbServer s_server = null!;
    private static int s_databases;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _) => s_server = await MariaDbServer.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync()
    {
        if (s_server is not null)
        {
            await s_server.DisposeAsync();
        }
    }

    internal static async Task<string> CreatePmsAsync(MariaDbServer server, string name)
    {
        var connectionString = await server.CreateDatabaseAsync(name);
        await OpenDentalDatabase.CreateAsync(connectionString, bulk: 0);
        return connectionString;
    }

    private static async Task<PracticeExportOptions> PracticeAsync(Func<StatusApplyOptions, StatusApplyOptions>? status = null)
    {
        var connectionString = await CreatePmsAsync(s_server, $"od_status_{Interlocked.Increment(ref s_databases)}");
        var options = new StatusApplyOptions { Enabled = true };
        return new PracticeExportOptions
        {
            PracticeId = "OD-01",
            Source = SourceKind.OpenDental,
            ConnectionString = connectionString,
            TimeZone = "Europe/Madrid",
            Status = status is null ? options : status(options),
        };
    }

    internal sealed record Apt(int AptStatus, long Confirmed, string Note);

    internal static async Task<Apt> AptAsync(string connectionString, long aptNum)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT AptStatus, Confirmed, COALESCE(Note, '') FROM appointment WHERE AptNum = @a", connection);
        command.Parameters.AddWithValue("@a", aptNum);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.IsTrue(await reader.ReadAsync(), $"appointment {aptNum} exists");
        return new Apt(reader.GetInt32(0), reader.GetInt64(1), reader.GetString(2));
    }

    internal static async Task ExecAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [TestMethod]
    public async Task Apply_SetsConfiguredStates_ForEveryStatusSpelling()
    {
        var practice = await PracticeAsync(s => s with { PendingDefinition = "Unconfirmed" });
        await ExecAsync(practice.ConnectionString, "UPDATE appointment SET Confirmed = 21 WHERE AptNum = 116");
        var harness = new StatusHarness();
        harness.Drop(Name("OD-01"), File(
            Row("101", "APPROVED", "1", "23/10/2026", "12:00"),
            Row("103", "CANCELLED by USER", "1", "27/10/2026", "10:59"),
            Row("112", " cancelled  BY admin", "3", "25/10/2026", "09:15"),
            Row("116", "PENDING", "1", "26/10/2026", "12:00"),
            Row("113", "approved", "2", "26/10/2026", "09:00")));

        var run = await harness.RunAsync(practice);

        Assert.HasCount(1, run.Files);
        var results = harness.Results(ResultName("OD-01"));
        Assert.HasCount(5, results);
        Assert.IsTrue(results.Values.All(r => r.Result == "OK"), string.Join("; ", results.Values));
        Assert.AreEqual(new Apt(1, 21, "Patient says hi"), await AptAsync(practice.ConnectionString, 101));
        var cancelled = await AptAsync(practice.ConnectionString, 103);
        Assert.AreEqual(5, cancelled.AptStatus);
        Assert.Contains("CANCELLED by USER via reminder (STATUS_OD-01_20261024T100000Z.csv)", cancelled.Note);
        Assert.StartsWith("Patient says hi\n", cancelled.Note);
        Assert.AreEqual(5, (await AptAsync(practice.ConnectionString, 112)).AptStatus);
        Assert.Contains("CANCELLED by ADMIN", (await AptAsync(practice.ConnectionString, 112)).Note);
        Assert.AreEqual(19, (await AptAsync(practice.ConnectionString, 116)).Confirmed, "PENDING sets the configured definition");
        Assert.AreEqual(21, (await AptAsync(practice.ConnectionString, 113)).Confirmed, "the hygienist is the resource of a hygiene visit, as in the export");
        CollectionAssert.AreEqual(new[] { Name("OD-01") }, harness.Processed("status"));
        Assert.IsEmpty(harness.Files("status"));
    }

    [TestMethod]
    public async Task Apply_ChangesNothing_ForPendingWithoutDefinition()
    {
        var practice = await PracticeAsync();
        var before = await AptAsync(practice.ConnectionString, 116);
        var harness = new StatusHarness();
        harness.Drop(Name("OD-01"), File(Row("116", "PENDING", "1", "26/10/2026", "12:00")));

        await harness.RunAsync(practice);

        Assert.AreEqual("OK", harness.Results(ResultName("OD-01"))["116"].Result);
        Assert.AreEqual(before, await AptAsync(practice.ConnectionString, 116));
    }

    [TestMethod]
    public async Task Apply_SetsCancelledDefinition_WhenCancelModeIsDefinition()
    {
        var practice = await PracticeAsync(s => s with { CancelMode = CancelMode.Definition, CancelledDefinition = "Cancelled via reminder" });
        await ExecAsync(practice.ConnectionString, "INSERT INTO definition (DefNum, Category, ItemOrder, ItemName) VALUES (40, 2, 7, 'Cancelled via reminder')");
        var harness = new StatusHarness();
        harness.Drop(Name("OD-01"), File(Row("101", "CANCELLED by USER", "1", "23/10/2026", "12:00")));

        await harness.RunAsync(practice);

        Assert.AreEqual("OK", harness.Results(ResultName("OD-01"))["101"].Result);
        Assert.AreEqual(new Apt(1, 40, "Patient says hi"), await AptAsync(practice.ConnectionString, 101));
    }

    [TestMethod]
    public async Task Apply_AnswersErrorAndAppliesTheRest_ForAnInvalidStatusValue()
    {
        var practice = await PracticeAsync();
        var harness = new StatusHarness();
        harness.Drop(Name("OD-01"), File(
            Row("101", "CANCELED", "1", "23/10/2026", "12:00"),
            Row("116", "APPROVED", "1", "26/10/2026", "12:00")));

        await harness.RunAsync(practice);

        var results = harness.Results(ResultName("OD-01"));
        Assert.AreEqual("ERROR", results["101"].Result);
        Assert.Contains("STATUS", results["101"].Message!);
        Assert.AreEqual("OK", results["116"].Result);
        Assert.AreEqual(new Apt(1, 0, "Patient says hi"), await AptAsync(practice.ConnectionString, 101));
        Assert.AreEqual(21, (await AptAsync(practice.ConnectionString, 116)).Confirmed);
    }

    [TestMethod]
    public async Task Apply_AnswersNotFound_ForUnknownAppLidsAndOtherClinics()
    {
        var practice = (await PracticeAsync()) with { ClinicNum = 1 };
        var harness = new StatusHarness();
        harness.Drop(Name("OD-01"), File(
            Row("999999", "CANCELLED by USER", "1"),
            Row("not-a-number", "APPROVED", "1"),
            Row("114", "CANCELLED by USER", "4", "23/10/2026", "06:00")));

        await harness.RunAsync(practice);

        var results = harness.Results(ResultName("OD-01"));
        Assert.IsTrue(results.Values.All(r => r.Result == "NOT_FOUND"), string.Join("; ", results.Values));
        Assert.AreEqual(1, (await AptAsync(practice.ConnectionString, 114)).AptStatus, "another clinic's appointment is never touched");
    }

    [TestMethod]
    public async Task Apply_AnswersNotFoundAndWritesNothing_ForAnAppLidTheAgentNeverExported()
    {
        // A real export first (issue 13): 101 is in its window, 102 and 115 exist in the PMS but lie before it (even the first,
        // initial upload reaches only forward), so the cloud never heard of them; a status file naming them is forged or
        // mistaken and must change nothing.
        var harness = new StatusHarness();
        var practice = (await PracticeAsync()) with { DropBox = harness.DropBox };
        var runner = new ExportRunner(new ExportLedger(harness.LedgerPath), TimeProvider.System, NullLogger<ExportRunner>.Instance);
        await runner.RunAsync(practice, new ExportRunOptions { Now = OpenDentalDatabase.Now, OutputFolder = Path.Combine(harness.Folder, "out") }, CancellationToken.None);
        var before102 = await AptAsync(practice.ConnectionString, 102);
        var before115 = await AptAsync(practice.ConnectionString, 115);
        harness.Drop(Name("OD-01"), File(
            Row("101", "APPROVED", "1", "23/10/2026", "12:00"),
            Row("102", "CANCELLED by USER", "1"),
            Row("115", "APPROVED", "4")), exported: false);

        await harness.RunAsync(practice);

        var results = harness.Results(ResultName("OD-01"));
        Assert.AreEqual("OK", results["101"].Result, results["101"].Message);
        foreach (var lid in new[] { "102", "115" })
        {
            Assert.AreEqual("NOT_FOUND", results[lid].Result);
            Assert.Contains("has not exported APP_LID " + lid + " in the last 14 day(s)", results[lid].Message ?? "");
        }

        Assert.AreEqual(before102, await AptAsync(practice.ConnectionString, 102), "a never-exported appointment is not cancelled");
        Assert.AreEqual(before115, await AptAsync(practice.ConnectionString, 115), "a never-exported appointment is not confirmed");
        Assert.AreEqual(21, (await AptAsync(practice.ConnectionString, 101)).Confirmed, "the exported appointment is confirmed");
    }

    [TestMethod]
    public async Task Apply_AppliesAnyKnownAppointment_WhenTheCheckIsOff()
    {
        var practice = await PracticeAsync(s => s with { ExportedWithinDays = 0 });
        var harness = new StatusHarness();
        harness.Drop(Name("OD-01"), File(Row("101", "CANCELLED by USER", "1", "23/10/2026", "12:00")), exported: false);

        await harness.RunAsync(practice);

        Assert.AreEqual("OK", harness.Results(ResultName("OD-01"))["101"].Result);
        Assert.AreEqual(5, (await AptAsync(practice.ConnectionString, 101)).AptStatus);
    }

    [TestMethod]
    public async Task Apply_AnswersConflictAndCancelsNothing_ForARescheduledAppointment()
    {
        var practice = await PracticeAsync();
        var harness = new StatusHarness();
        harness.Drop(Name("OD-01"), File(
            Row("101", "CANCELLED by USER", "1", "23/10/2026", "11:00"),   // moved one hour
            Row("116", "CANCELLED by USER", "1", "25/10/2026", "12:00"),   // moved one day
            Row("103", "APPROVED", "2", "27/10/2026", "10:59"),            // another dentist now
            Row("106", "CANCELLED by USER", "1", "24/10/2026", "09:00"),   // already Complete
            Row("108", "CANCELLED by USER", "1", "24/10/2026", "16:00"))); // already Broken: the target state

        await harness.RunAsync(practice);

        var results = harness.Results(ResultName("OD-01"));
        Assert.AreEqual("CONFLICT", results["101"].Result);
        Assert.Contains("time 11:00 → 12:00", results["101"].Message!);
        Assert.AreEqual("CONFLICT", results["116"].Result);
        Assert.AreEqual("CONFLICT", results["103"].Result);
        Assert.AreEqual("CONFLICT", results["106"].Result);
        Assert.AreEqual("OK", results["108"].Result);
        Assert.Contains("already", results["108"].Message!);
        foreach (var apt in new[] { 101, 116, 103 })
        {
            Assert.AreEqual(new Apt(1, 0, "Patient says hi"), await AptAsync(practice.ConnectionString, apt), $"appointment {apt} unchanged");
        }

        Assert.AreEqual("Patient says hi", (await AptAsync(practice.ConnectionString, 108)).Note, "no second note on an appointment already broken");
    }

    [TestMethod]
    public async Task Apply_WritesNothingTwice_WhenTheSameFileIsDroppedTwice()
    {
        var practice = await PracticeAsync();
        var harness = new StatusHarness();
        var content = File(Row("101", "CANCELLED by USER", "1", "23/10/2026", "12:00"));
        harness.Drop(Name("OD-01"), content);
        await harness.RunAsync(practice);
        var resultBytes = await System.IO.File.ReadAllBytesAsync(Path.Combine(harness.Root, "results", ResultName("OD-01")));
        // Front desk reinstates the visit; a second copy of the same bytes must not break it again.
        await ExecAsync(practice.ConnectionString, "UPDATE appointment SET AptStatus = 1 WHERE AptNum = 101");
        var reinstated = await AptAsync(practice.ConnectionString, 101);

        harness.Drop(Name("OD-01"), content);
        harness.Drop(Name("OD-01", "20261024T110000Z"), content);   // same bytes under another name
        var run = await harness.RunAsync(practice);

        Assert.HasCount(2, run.Files);
        Assert.IsTrue(run.Files.All(f => f.Duplicate), string.Join("; ", run.Files));
        Assert.AreEqual(reinstated, await AptAsync(practice.ConnectionString, 101));
        CollectionAssert.AreEqual(new[] { ResultName("OD-01") }, harness.Files("results"), "no second result file");
        CollectionAssert.AreEqual(resultBytes, await System.IO.File.ReadAllBytesAsync(Path.Combine(harness.Root, "results", ResultName("OD-01"))));
        Assert.IsEmpty(harness.Files("status"));
    }

    [TestMethod]
    public async Task Apply_AnswersFromTheRowLedger_WhenAFileIsReplayedWithOtherBytes()
    {
        var practice = await PracticeAsync();
        var harness = new StatusHarness();
        harness.Drop(Name("OD-01"), File(Row("101", "CANCELLED by USER", "1", "23/10/2026", "12:00")));
        await harness.RunAsync(practice);
        var first = harness.Results(ResultName("OD-01"));
        await ExecAsync(practice.ConnectionString, "UPDATE appointment SET AptStatus = 1 WHERE AptNum = 101");
        System.IO.File.Delete(Path.Combine(harness.Root, "results", ResultName("OD-01")));   // the cloud took the result

        // The cloud re-sends the file under the same name, regenerated (another row order, one row more).
        harness.Drop(Name("OD-01"), File(
            Row("116", "APPROVED", "1", "26/10/2026", "12:00"),
            Row("101", "CANCELLED by USER", "1", "23/10/2026", "12:00")));
        await harness.RunAsync(practice);

        var second = harness.Results(ResultName("OD-01"));
        Assert.AreEqual(first["101"], second["101"], "the replayed row is answered as the first time");
        Assert.AreEqual(1, (await AptAsync(practice.ConnectionString, 101)).AptStatus, "the replayed row was not written again");
        Assert.AreEqual("OK", second["116"].Result);
        Assert.AreEqual(21, (await AptAsync(practice.ConnectionString, 116)).Confirmed, "the new row is applied");
    }

    [TestMethod]
    [DataRow("after-download")]
    [DataRow("after-pms-commit")]
    [DataRow("after-ledger")]
    [DataRow("after-result-upload")]
    public async Task Apply_FinishesWithoutWritingTwice_AfterACrashAt(string step)
    {
        var practice = await PracticeAsync();
        var harness = new StatusHarness();
        harness.Drop(Name("OD-01"), File(
            Row("101", "CANCELLED by USER", "1", "23/10/2026", "12:00"),
            Row("116", "APPROVED", "1", "26/10/2026", "12:00")));
        FaultPoints.Hook = s =>
        {
            if (s == step)
            {
                throw new IOException($"simulated crash {s}");
            }
        };
        await Assert.ThrowsAsync<IOException>(() => harness.RunAsync(practice));
        CollectionAssert.AreEqual(new[] { Name("OD-01") }, harness.Files("status"), "the status file stays until its result is out");

        FaultPoints.Hook = null;
        harness.Restart();
        await harness.RunAsync(practice);

        var results = harness.Results(ResultName("OD-01"));
        Assert.AreEqual("OK", results["101"].Result);
        Assert.AreEqual("OK", results["116"].Result);
        var apt = await AptAsync(practice.ConnectionString, 101);
        Assert.AreEqual(5, apt.AptStatus);
        Assert.AreEqual(1, apt.Note.Split("CANCELLED by USER").Length - 1, "the note was written once: " + apt.Note);
        CollectionAssert.AreEqual(new[] { ResultName("OD-01") }, harness.Files("results"));
        CollectionAssert.AreEqual(new[] { Name("OD-01") }, harness.Processed("status"));
        Assert.IsEmpty(harness.Files("status"));
    }

    [TestMethod]
    public async Task Apply_MovesTheFileToFailed_ForAFileError()
    {
        var practice = await PracticeAsync();
        var harness = new StatusHarness();
        harness.Drop(Name("OD-01"), "APP_LID,RESOURCE_LID\r\n101,1\r\n");
        harness.Drop(Name("OTHER", "20261024T100000Z"), File(Row("116", "APPROVED", "1")));

        var run = await harness.RunAsync(practice);

        Assert.HasCount(2, run.Files);
        Assert.IsTrue(run.Files.All(f => f.FileError is not null));
        CollectionAssert.AreEquivalent(new[] { Name("OD-01"), Name("OD-01") + ".error.txt", Name("OTHER"), Name("OTHER") + ".error.txt" }, harness.Files("status/failed"));
        Assert.Contains("missing", await System.IO.File.ReadAllTextAsync(Path.Combine(harness.Root, "status/failed", Name("OD-01") + ".error.txt")));
        Assert.IsEmpty(harness.Results(ResultName("OD-01")), "a rejected file is answered by a result file without rows");
        Assert.AreEqual(new Apt(1, 0, "Patient says hi"), await AptAsync(practice.ConnectionString, 101));
        Assert.AreEqual(0, (await AptAsync(practice.ConnectionString, 116)).Confirmed);
    }

    [TestMethod]
    public async Task Apply_LeavesTheFileInPlace_WhenTheDefinitionDoesNotExist()
    {
        var practice = await PracticeAsync(s => s with { ApprovedDefinition = "Confirmed by SMS" });
        var harness = new StatusHarness();
        harness.Drop(Name("OD-01"), File(Row("101", "APPROVED", "1", "23/10/2026", "12:00")));

        var ex = await Assert.ThrowsAsync<StatusApplyException>(() => harness.RunAsync(practice));

        Assert.Contains("ApprovedDefinition is 'Confirmed by SMS'", ex.Message);
        Assert.Contains("'Appointment Confirmed'", ex.Message);
        CollectionAssert.AreEqual(new[] { Name("OD-01") }, harness.Files("status"));
        Assert.IsEmpty(harness.Files("results"));
    }

    [TestMethod]
    public async Task Apply_WorksThroughSftp_WithRealSshd()
    {
        await using var sshd = await SshdServer.StartAsync();
        var practice = await PracticeAsync();
        var harness = new StatusHarness(sshd.CreateOptions() with { MinFileAge = TimeSpan.FromMilliseconds(300) });
        harness.RootOverride(sshd.RootFolder);
        harness.Drop(Name("OD-01"), File(Row("101", "CANCELLED by ADMIN", "1", "23/10/2026", "12:00")));

        var run = await harness.RunAsync(practice);

        Assert.HasCount(1, run.Files, "a manual run waits for the file to be stable: " + string.Join(", ", run.Waiting));
        Assert.AreEqual("OK", harness.Results(ResultName("OD-01"))["101"].Result);
        Assert.AreEqual(5, (await AptAsync(practice.ConnectionString, 101)).AptStatus);
        CollectionAssert.AreEqual(new[] { Name("OD-01") }, harness.Processed("status"));
    }

    [TestMethod]
    public void Validate_NamesTheKey_ForWrongStatusSettings()
    {
        var practice = new PracticeExportOptions
        {
            PracticeId = "OD-01",
            ConnectionString = "Server=x",
            Status = new StatusApplyOptions { Enabled = true, Cron = "every five", CancelMode = CancelMode.Definition, ApprovedDefinition = " " },
        };

        var errors = practice.Validate("RecallFiles:Agent:Practices:0");

        Assert.IsTrue(errors.Any(e => e.StartsWith("RecallFiles:Agent:Practices:0:Status:Cron", StringComparison.Ordinal)), string.Join("\n", errors));
        Assert.IsTrue(errors.Any(e => e.StartsWith("RecallFiles:Agent:Practices:0:Status:ApprovedDefinition", StringComparison.Ordinal)));
        Assert.IsTrue(errors.Any(e => e.StartsWith("RecallFiles:Agent:Practices:0:Status:CancelledDefinition", StringComparison.Ordinal)));
        var generic = practice with { Source = SourceKind.GenericSql, QueryFile = "q.sql", Status = new StatusApplyOptions { Enabled = true } };
        Assert.IsTrue(generic.Validate("P").Any(e => e.StartsWith("P:Status:LookupSql", StringComparison.Ordinal)));
        Assert.IsEmpty((practice with { Status = new StatusApplyOptions() }).Validate("P"), "a disabled applier is not checked");
    }
}
