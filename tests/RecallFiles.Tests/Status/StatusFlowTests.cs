using Npgsql;
using RecallFiles.Importer;
using RecallFiles.Importer.Practices;
using RecallFiles.Importer.Status;
using RecallFiles.Schemas;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Transport;
using RecallFiles.Transport.Internal;

namespace RecallFiles.Tests.Status;

/// <summary>The cloud side of issue 6 against a real PostgreSQL store and a local-folder drop box.</summary>
[TestClass]
public sealed class StatusFlowTests
{
    private sealed record Cloud(NpgsqlDataSource DataSource, StatusExport Export, ResultsImport Results, string Root);

    private static async Task<Cloud> CreateAsync(string? signingKey = null)
    {
        var connectionString = await PostgresFixture.CreateDatabaseAsync("status_flow");
        var dataSource = NpgsqlDataSource.Create(connectionString);
        var practice = new PracticeOptions { Id = "ACME", TimeZone = "Europe/Madrid", StatusSigningKey = signingKey };
        await PracticeStore.MirrorAsync(dataSource, [practice]);
        await using (var connection = await dataSource.OpenConnectionAsync())
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO appointments (practice_id, app_lid, starts_at, app_date, app_start_time, resource_lid, resource_name, user_mobile_phone, first_batch_id, last_batch_id, last_change)
            VALUES ('ACME', 'A1', '2026-11-24 09:30', '2026-11-24', '09:30', 'DDS1', 'Dr. One', '+34600123456', 0, 0, 'added'),
                   ('ACME', 'A2', '2026-11-25 10:00', '2026-11-25', '10:00', 'DDS2', 'Dr. Two', NULL, 0, 0, 'added')
            """, connection))
        {
            await insert.ExecuteNonQueryAsync();
        }

        var root = Directory.CreateTempSubdirectory("rf-status-cloud-").FullName;
        var options = new ImporterOptions { ArchiveFolder = Path.Combine(root, "..", Path.GetFileName(root) + "-archive"), Practices = new Dictionary<string, PracticeOptions> { ["ACME"] = practice } };
        var dropBoxes = new Dictionary<string, DropBoxOptions> { ["default"] = new() { Kind = DropBoxKind.Local, RootPath = root, MinFileAge = TimeSpan.Zero } };
        return new Cloud(dataSource, new StatusExport(dataSource, options, dropBoxes), new ResultsImport(dataSource, options, dropBoxes), root);
    }

    private static async Task<List<(string AppLid, string State, string? File)>> UpdatesAsync(Cloud cloud)
    {
        var rows = await StatusUpdates.ListAsync(cloud.DataSource, "ACME", null, 100);
        return rows.OrderBy(r => r.Id).Select(r => (r.AppLid, r.State, r.FileName)).ToList();
    }

    [TestMethod]
    public async Task Export_WritesEachUpdateIntoExactlyOneFile_WithTheKnownSchedule()
    {
        var cloud = await CreateAsync();
        await StatusUpdates.AddAsync(cloud.DataSource, "ACME", "A1", AppointmentStatus.Approved, "test");
        await StatusUpdates.AddAsync(cloud.DataSource, "ACME", "A1", AppointmentStatus.CancelledByUser, "test");   // the newer answer wins
        await StatusUpdates.AddAsync(cloud.DataSource, "ACME", "A2", AppointmentStatus.CancelledByAdmin, "test");
        await Assert.ThrowsAsync<NotFoundException>(() => StatusUpdates.AddAsync(cloud.DataSource, "ACME", "NOPE", AppointmentStatus.Approved, "test"));

        var result = await cloud.Export.ExportAsync("ACME");
        var again = await cloud.Export.ExportAsync("ACME");

        Assert.HasCount(1, result.Uploaded);
        Assert.AreEqual(2, result.Exported);
        Assert.AreEqual(1, result.Replaced);
        Assert.IsEmpty(again.Uploaded);
        var files = Directory.GetFiles(Path.Combine(cloud.Root, "ACME", "status"));
        Assert.HasCount(1, files);
        Assert.AreEqual(
            "APP_LID,USER_LANDLINE_PHONE,USER_MOBILE_PHONE,USER_EMAIL,RESOURCE_LID,STATUS,APP_DATE,APP_START_TIME\r\n" +
            "A1,,+34600123456,,DDS1,CANCELLED by USER,24/11/2026,09:30\r\n" +
            "A2,,,,DDS2,CANCELLED by ADMIN,25/11/2026,10:00\r\n", await File.ReadAllTextAsync(files[0]));
        CollectionAssert.AreEqual(new[] { ("A1", "replaced", (string?)null), ("A1", "exported", result.Uploaded[0]), ("A2", "exported", result.Uploaded[0]) }, await UpdatesAsync(cloud));
    }

    [TestMethod]
    public async Task Export_SignsEachStatusFile_InASidecar_WhenThePracticeHasAKey()
    {
        var key = StatusSignature.NewKey();
        var cloud = await CreateAsync(key);
        await StatusUpdates.AddAsync(cloud.DataSource, "ACME", "A1", AppointmentStatus.Approved, "test");

        var name = (await cloud.Export.ExportAsync("ACME")).Uploaded.Single();

        var folder = Path.Combine(cloud.Root, "ACME", "status");
        var content = await File.ReadAllBytesAsync(Path.Combine(folder, name));
        var sidecar = await File.ReadAllTextAsync(Path.Combine(folder, name + StatusSignature.Suffix));
        Assert.IsTrue(StatusSignature.Verify([StatusSignature.ParseKey(key)!], content, sidecar), sidecar);
        Assert.IsFalse(StatusSignature.Verify([StatusSignature.ParseKey(StatusSignature.NewKey())!], content, sidecar), "another key does not verify it");
        content[^3] ^= 1;
        Assert.IsFalse(StatusSignature.Verify([StatusSignature.ParseKey(key)!], content, sidecar), "a changed byte does not verify");
    }

    [TestMethod]
    public async Task Export_ReuploadsTheSameFile_AfterACrashBetweenAssignmentAndUpload()
    {
        var cloud = await CreateAsync();
        await StatusUpdates.AddAsync(cloud.DataSource, "ACME", "A1", AppointmentStatus.Approved, "test");
        FaultPoints.Hook = step => throw new IOException("simulated crash " + step);
        await Assert.ThrowsAsync<IOException>(() => cloud.Export.ExportAsync("ACME"));
        Assert.IsFalse(Directory.Exists(Path.Combine(cloud.Root, "ACME", "status")) && Directory.GetFiles(Path.Combine(cloud.Root, "ACME", "status")).Length > 0);
        var assigned = (await UpdatesAsync(cloud))[0].File;
        await StatusUpdates.AddAsync(cloud.DataSource, "ACME", "A2", AppointmentStatus.Approved, "test");   // arrives after the crash

        FaultPoints.Hook = null;
        var result = await cloud.Export.ExportAsync("ACME");

        Assert.HasCount(2, result.Uploaded);
        Assert.AreEqual(assigned, result.Uploaded[0], "the assigned file is uploaded under its name");
        var updates = await UpdatesAsync(cloud);
        Assert.AreEqual(("A1", "exported", assigned), updates[0]);
        Assert.AreEqual(result.Uploaded[1], updates[1].File);
        Assert.AreNotEqual(assigned, updates[1].File);
    }

    [TestMethod]
    public async Task ImportResults_MarksEachUpdate_AndIsIdempotent()
    {
        var cloud = await CreateAsync();
        await StatusUpdates.AddAsync(cloud.DataSource, "ACME", "A1", AppointmentStatus.Approved, "test");
        await StatusUpdates.AddAsync(cloud.DataSource, "ACME", "A2", AppointmentStatus.CancelledByUser, "test");
        var name = (await cloud.Export.ExportAsync("ACME")).Uploaded[0];
        var resultName = name.Replace("STATUS_", "STATUS_RESULT_", StringComparison.Ordinal);
        var results = Path.Combine(cloud.Root, "ACME", "results");
        Directory.CreateDirectory(results);
        var content = "APP_LID,RESULT,MESSAGE\r\nA1,OK,applied\r\nA2,CONFLICT,moved\r\n";
        await File.WriteAllTextAsync(Path.Combine(results, resultName), content);

        var first = await cloud.Results.ImportAsync("ACME", once: true);
        await File.WriteAllTextAsync(Path.Combine(results, resultName), content);   // dropped again
        var second = await cloud.Results.ImportAsync("ACME", once: true);

        Assert.AreEqual((1, 1), (first.Applied, first.Conflicted));
        Assert.AreEqual((0, 0), (second.Applied, second.Conflicted));
        CollectionAssert.AreEqual(new[] { ("A1", "applied", (string?)name), ("A2", "conflicted", (string?)name) }, await UpdatesAsync(cloud));
        Assert.IsEmpty(Directory.GetFiles(results));
        Assert.HasCount(1, Directory.GetFiles(Path.Combine(results, "processed"), "*", SearchOption.AllDirectories), "archived below processed/yyyy/MM/dd");
    }

    [TestMethod]
    public async Task ImportResults_FailsEveryUpdate_WhenThePmsSideRejectedTheFile()
    {
        var cloud = await CreateAsync();
        await StatusUpdates.AddAsync(cloud.DataSource, "ACME", "A1", AppointmentStatus.Approved, "test");
        var name = (await cloud.Export.ExportAsync("ACME")).Uploaded[0];
        var results = Path.Combine(cloud.Root, "ACME", "results");
        Directory.CreateDirectory(results);
        await File.WriteAllTextAsync(Path.Combine(results, name.Replace("STATUS_", "STATUS_RESULT_", StringComparison.Ordinal)), "APP_LID,RESULT,MESSAGE\r\n");

        var result = await cloud.Results.ImportAsync("ACME", once: true);

        Assert.AreEqual(1, result.Failed);
        var row = (await StatusUpdates.ListAsync(cloud.DataSource, "ACME", "failed", 10)).Single();
        StringAssert.Contains(row.ResultMessage, "rejected");
    }
}
