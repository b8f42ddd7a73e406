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
}
