using System.Security.Cryptography;
using System.Text;
using Npgsql;
using RecallFiles.Importer;
using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Pickup;
using RecallFiles.Importer.Practices;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Transport;
using RecallFiles.Transport.Internal;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Importer;

[TestClass]
public sealed class PickupServiceTests
{
    private static readonly TimeSpan Age = TimeSpan.FromSeconds(30);

    private static (PickupService Service, ManualTimeProvider Clock, string Root) Create(ImporterStore store, string dropBoxRoot, bool deleteAfter = false, params PracticeOptions[] practices)
    {
        Directory.CreateDirectory(dropBoxRoot);
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var options = new ImporterOptions
        {
            ArchiveFolder = store.ArchiveFolder,
            AfterImport = deleteAfter ? RemoteDisposition.Delete : RemoteDisposition.Move,
            ServerName = "test",
            Practices = (practices.Length > 0 ? practices : [Practice("ACME")]).ToDictionary(p => p.Id),
        };
        var dropBoxes = new Dictionary<string, DropBoxOptions> { ["default"] = new() { Kind = DropBoxKind.Local, RootPath = dropBoxRoot, MinFileAge = Age } };
        return (new PickupService(store.DataSource, options, dropBoxes, clock), clock, dropBoxRoot);
    }

    private static string Drop(string root, string practice, string name, string content)
    {
        var folder = Path.Combine(root, practice, "appointments");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    private static async Task<PollResult> PollTwiceAsync(PickupService service, ManualTimeProvider clock, string practice = "ACME")
    {
        await service.PollAsync(Practice(practice));
        clock.Advance(Age);
        return await service.PollAsync(Practice(practice));
    }

    [TestMethod]
    public async Task Poll_ClaimsArchivesLoadsAndMovesTheFile_WhenItIsStable()
    {
        await using var store = await CreateAsync("pickup_happy");
        var (service, clock, root) = Create(store, Path.Combine(store.Folder, "dropbox"));
        var content = File(Row("A1"), Row("A2"));
        var path = Drop(root, "ACME", Name("ACME"), content);

        var first = await service.PollAsync(Practice("ACME"));
        Assert.AreEqual(0, first.Claimed, "a file seen once is not yet stable");
        Assert.IsTrue(System.IO.File.Exists(path));
        clock.Advance(Age);
        var second = await service.PollAsync(Practice("ACME"));

        Assert.AreEqual((1, 1), (second.Claimed, second.Finished));
        Assert.IsEmpty(second.Errors);
        Assert.HasCount(2, await store.AppointmentsAsync("ACME"));
        Assert.HasCount(2, await store.EventsAsync());
        var archive = await store.ScalarAsync<string>("SELECT archive_path FROM batches");
        var sha = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(content))).ToLowerInvariant();
        Assert.AreEqual(sha, Convert.ToHexString(SHA256.HashData(await System.IO.File.ReadAllBytesAsync(archive))).ToLowerInvariant());
        Assert.AreEqual(sha, await store.ScalarAsync<string>("SELECT sha256 FROM batches"));
        StringAssert.StartsWith(archive, Path.Combine(store.ArchiveFolder, "ACME"));
        Assert.IsFalse(System.IO.File.Exists(path));
        var claimedDay = await store.ScalarAsync<DateTime>("SELECT claimed_at FROM batches");
        Assert.IsTrue(System.IO.File.Exists(Path.Combine(root, "ACME", "appointments", "processed", claimedDay.ToString("yyyy/MM/dd", System.Globalization.CultureInfo.InvariantCulture), Name("ACME"))));
        Assert.IsTrue(await store.ScalarAsync<bool>("SELECT remote_done FROM batches"));
    }

    [TestMethod]
    public async Task Poll_TakesAFileAtOnceWithItsDoneMarker_AndRemovesTheMarker_WhenTheDropBoxRequiresOne()
    {
        await using var store = await CreateAsync("pickup_done");
        var root = Directory.CreateDirectory(Path.Combine(store.Folder, "dropbox")).FullName;
        var options = new ImporterOptions { ArchiveFolder = store.ArchiveFolder, ServerName = "test", Practices = new[] { Practice("ACME") }.ToDictionary(p => p.Id) };
        var dropBoxes = new Dictionary<string, DropBoxOptions> { ["default"] = new() { Kind = DropBoxKind.Local, RootPath = root, MinFileAge = Age, RequireDoneFile = true } };
        var service = new PickupService(store.DataSource, options, dropBoxes, new ManualTimeProvider(DateTimeOffset.UtcNow));
        var path = Drop(root, "ACME", Name("ACME"), File(Row("A1")));
        System.IO.File.WriteAllText(path + ".done", "");

        var result = await service.PollAsync(Practice("ACME"));

        Assert.AreEqual((1, 1), (result.Claimed, result.Finished), "the marker makes the file eligible at once");
        CollectionAssert.AreEqual(Array.Empty<string>(), Directory.GetFiles(Path.Combine(root, "ACME", "appointments")),
            "neither the file nor its marker is left in the inbox");
    }

    [TestMethod]
    public async Task Poll_IgnoresAFileStillBeingWritten_UntilItStopsChanging()
    {
        await using var store = await CreateAsync("pickup_growing");
        var (service, clock, root) = Create(store, Path.Combine(store.Folder, "dropbox"));
        var path = Drop(root, "ACME", Name("ACME"), File(Row("A1")));
        Drop(root, "ACME", "." + Name("ACME", "20261123T090000Z") + ".part", File(Row("B1")));

        await service.PollAsync(Practice("ACME"));
        clock.Advance(Age / 2);
        await System.IO.File.AppendAllTextAsync(path, Row("A2") + "\r\n"); // still growing
        clock.Advance(Age / 2);
        var whileGrowing = await service.PollAsync(Practice("ACME"));
        clock.Advance(Age);
        var afterwards = await service.PollAsync(Practice("ACME"));

        Assert.AreEqual(0, whileGrowing.Claimed);
        Assert.AreEqual(1, afterwards.Claimed, "only the finished file; the .part file never");
        CollectionAssert.AreEquivalent(new[] { "A1", "A2" }, (await store.AppointmentsAsync("ACME")).Keys.ToArray());
    }

    [TestMethod]
    public async Task Poll_RecordsADuplicateAndChangesNothing_WhenTheSameFileIsDroppedTwice()
    {
        await using var store = await CreateAsync("pickup_twice");
        var (service, clock, root) = Create(store, Path.Combine(store.Folder, "dropbox"));
        var content = File(Row("A1"), Row("A2"));
        Drop(root, "ACME", Name("ACME"), content);
        await PollTwiceAsync(service, clock);
        var appointmentsBefore = await store.ScalarAsync<DateTime>("SELECT max(updated_at) FROM appointments");

        var again = Drop(root, "ACME", Name("ACME"), content);
        var second = await PollTwiceAsync(service, clock);

        Assert.AreEqual(1, second.Claimed);
        Assert.AreEqual(BatchStates.Duplicate, await store.ScalarAsync<string>("SELECT state FROM batches ORDER BY id DESC LIMIT 1"));
        Assert.HasCount(2, await store.EventsAsync());
        Assert.AreEqual(appointmentsBefore, await store.ScalarAsync<DateTime>("SELECT max(updated_at) FROM appointments"));
        Assert.IsFalse(System.IO.File.Exists(again), "a duplicate also leaves the inbox");
    }

    [TestMethod]
    public async Task Poll_UploadsTheSpreadsheetSafeErrorReport_ToTheErrorsFolder()
    {
        await using var store = await CreateAsync("pickup_report");
        var (service, clock, root) = Create(store, Path.Combine(store.Folder, "dropbox"));
        Drop(root, "ACME", Name("ACME"), File(Row("A1"), Row("=cmd", date: "99/99/2026")));

        await PollTwiceAsync(service, clock);

        var report = Path.Combine(root, "ACME", "errors", Path.GetFileNameWithoutExtension(Name("ACME")) + ".errors.csv");
        Assert.IsTrue(System.IO.File.Exists(report));
        var text = await System.IO.File.ReadAllTextAsync(report);
        StringAssert.Contains(text, ",3,APP_DATE,date,error,");
        Assert.DoesNotContain("\r\n=", text);
        Assert.IsTrue(await store.ScalarAsync<bool>("SELECT report_uploaded FROM batches"));
        Assert.HasCount(1, await store.AppointmentsAsync("ACME"));
    }

    [TestMethod]
    public async Task Poll_DeletesTheRemoteFile_WhenConfiguredToDelete()
    {
        await using var store = await CreateAsync("pickup_delete");
        var (service, clock, root) = Create(store, Path.Combine(store.Folder, "dropbox"), deleteAfter: true);
        var path = Drop(root, "ACME", Name("ACME"), File(Row("A1")));

        await PollTwiceAsync(service, clock);

        Assert.IsFalse(System.IO.File.Exists(path));
        Assert.IsFalse(Directory.Exists(Path.Combine(root, "ACME", "appointments", "processed")));
        Assert.AreEqual("deleted", await store.ScalarAsync<string>("SELECT remote_disposition FROM batches"));
    }

    [TestMethod]
    public async Task Poll_ReturnsBusyAndDoesNothing_WhilePracticeIsPolledElsewhere()
    {
        await using var store = await CreateAsync("pickup_busy");
        var (service, clock, root) = Create(store, Path.Combine(store.Folder, "dropbox"));
        Drop(root, "ACME", Name("ACME"), File(Row("A1")));
        await using var other = await store.DataSource.OpenConnectionAsync();
        await using (var hold = new NpgsqlCommand("SELECT pg_advisory_lock(hashtextextended('recallfiles.pickup:ACME', 0))", other))
        {
            await hold.ExecuteNonQueryAsync();
        }

        await service.PollAsync(Practice("ACME"));
        clock.Advance(Age);
        var busy = await service.PollAsync(Practice("ACME"));

        Assert.IsTrue(busy.Busy);
        Assert.AreEqual(0L, await store.ScalarAsync<long>("SELECT count(*) FROM batches"));
    }

    [TestMethod]
    public async Task Poll_FinishesABatchLeftHalfDone_ByAnEarlierPoll()
    {
        await using var store = await CreateAsync("pickup_resume");
        var (service, _, root) = Create(store, Path.Combine(store.Folder, "dropbox"));
        var content = File(Row("A1"));
        var path = Drop(root, "ACME", Name("ACME"), content);
        var info = new FileInfo(path);
        // As a crash right after the claim leaves it: a claimed row, nothing archived, the file still in the inbox.
        await using (var connection = await store.DataSource.OpenConnectionAsync())
        await using (var claim = new NpgsqlCommand("""
            INSERT INTO batches (practice_id, remote_folder, remote_name, remote_size, remote_mtime, state, claimed_by)
            VALUES ('ACME', 'ACME/appointments', $1, $2, $3, 'claimed', 'crashed-server')
            """, connection))
        {
            claim.Parameters.Add(new() { Value = info.Name });
            claim.Parameters.Add(new() { Value = info.Length });
            claim.Parameters.Add(new() { Value = info.LastWriteTimeUtc });
            await claim.ExecuteNonQueryAsync();
        }

        var result = await service.PollAsync(Practice("ACME"));

        Assert.AreEqual((0, 1), (result.Claimed, result.Finished));
        Assert.AreEqual(BatchStates.Applied, await store.ScalarAsync<string>("SELECT state FROM batches"));
        Assert.AreEqual(1L, await store.ScalarAsync<long>("SELECT count(*) FROM batches"));
        Assert.HasCount(1, await store.AppointmentsAsync("ACME"));
        Assert.IsFalse(System.IO.File.Exists(path));
    }

    [TestMethod]
    public async Task Poll_HoldsAFutureStampedFile_AndAppliesTheNextHonestOne()
    {
        await using var store = await CreateAsync("pickup_future");
        var (service, clock, root) = Create(store, Path.Combine(store.Folder, "dropbox"));
        Drop(root, "ACME", Name("ACME", "20991231T000000Z"), File(Row("F1"), Row("F2")));
        await PollTwiceAsync(service, clock);
        var honest = Name("ACME", clock.GetUtcNow().AddMinutes(-5).ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        Drop(root, "ACME", honest, File(Row("A1")));

        var result = await PollTwiceAsync(service, clock);

        Assert.IsEmpty(result.Errors);
        var states = await store.ScalarAsync<string>("SELECT string_agg(state || ':' || coalesce(reason, ''), ' | ' ORDER BY id) FROM batches");
        StringAssert.StartsWith(states, "needs_review:the file's time stamp 2099-12-31 00:00:00Z is ");
        Assert.Contains("RecallFiles:Importer:MaxClockSkew", states);
        Assert.AreEqual(BatchStates.Applied, await store.ScalarAsync<string>($"SELECT state FROM batches WHERE remote_name = '{honest}'"), states);
        CollectionAssert.AreEquivalent(new[] { "A1" }, (await store.AppointmentsAsync("ACME")).Keys.ToArray(), "only the honest file's rows");
    }

    [TestMethod]
    public async Task Poll_AppliesAFileStampedWithinTheClockSkew_AheadOfTheServer()
    {
        await using var store = await CreateAsync("pickup_skew");
        var (service, clock, root) = Create(store, Path.Combine(store.Folder, "dropbox"));
        var stamp = clock.GetUtcNow().AddMinutes(10).ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        Drop(root, "ACME", Name("ACME", stamp), File(Row("A1")));

        await PollTwiceAsync(service, clock);

        Assert.AreEqual(BatchStates.Applied, await store.ScalarAsync<string>("SELECT state FROM batches"), "a PMS clock 10 minutes fast is within the 15-minute default");
    }

    [TestMethod]
    public async Task Poll_GoesOnWithThePracticesOtherFiles_WhenOneBatchThrowsSomethingUnexpected()
    {
        await using var store = await CreateAsync("pickup_poison");
        var (service, clock, root) = Create(store, Path.Combine(store.Folder, "dropbox"));
        Drop(root, "ACME", Name("ACME", "20261123T080000Z"), File(Row("P1")));
        await service.PollAsync(Practice("ACME"));
        clock.Advance(Age);
        Drop(root, "ACME", Name("ACME", "20261123T120000Z"), File(Row("P1"), Row("A1")));
        var hits = 0;
        // A fault no real file produces on demand (the 1 GB file that ran the process out of memory): the first load throws.
        FaultPoints.Hook = point =>
        {
            if (point == FaultPoints.DuringCopy && Interlocked.Increment(ref hits) == 1)
            {
                throw new InvalidOperationException("poison");
            }
        };
        PollResult first;
        int attempts;
        string stateAfterFirst;
        try
        {
            first = await service.PollAsync(Practice("ACME"));
            attempts = await store.ScalarAsync<int>("SELECT attempts FROM batches WHERE remote_name LIKE '%T080000Z.csv'");
            stateAfterFirst = await store.ScalarAsync<string>("SELECT state FROM batches WHERE remote_name LIKE '%T080000Z.csv'");
            clock.Advance(Age);
            await service.PollAsync(Practice("ACME"));
        }
        finally
        {
            FaultPoints.Hook = null;
        }

        Assert.Contains("(APPOINTMENTS_ACME_20261123T080000Z.csv): poison", string.Join('\n', first.Errors), "the batch's failure is reported, not thrown out of the poll");
        Assert.AreEqual((1, BatchStates.Downloaded), (attempts, stateAfterFirst), "the attempt is counted and the batch waits for the next poll");
        Assert.AreEqual("applied applied", await store.ScalarAsync<string>("SELECT string_agg(state, ' ' ORDER BY remote_name) FROM batches"),
            "the next poll retried the first batch, then applied the second file");
        CollectionAssert.AreEquivalent(new[] { "A1", "P1" }, (await store.AppointmentsAsync("ACME")).Keys.ToArray());
    }

    [TestMethod]
    public async Task Poll_RefusesAFileOverMaxFileBytes_AtListing_AndAppliesTheNextOne()
    {
        await using var store = await CreateAsync("pickup_maxbytes");
        var root = Path.Combine(store.Folder, "dropbox");
        var big = Drop(root, "ACME", Name("ACME", "20261123T080000Z"), File([.. Enumerable.Range(0, 100).Select(i => Row($"B{i}"))]));
        Drop(root, "ACME", Name("ACME", "20261123T090000Z"), File(Row("A1")));
        var options = new ImporterOptions { ArchiveFolder = store.ArchiveFolder, ServerName = "test", Practices = new[] { Practice("ACME") }.ToDictionary(p => p.Id) };
        var dropBox = new DropBoxOptions { Kind = DropBoxKind.Local, RootPath = root, MinFileAge = TimeSpan.Zero, MaxFileBytes = 4096, ConfigurationPath = "RecallFiles:DropBoxes:default" };
        var service = new PickupService(store.DataSource, options, new Dictionary<string, DropBoxOptions> { ["default"] = dropBox });
        Assert.IsGreaterThan(4096L, new FileInfo(big).Length);

        var result = await service.PollAsync(Practice("ACME"));

        Assert.AreEqual(1, result.Claimed, "only the file within the limit is claimed");
        Assert.AreEqual(1L, await store.ScalarAsync<long>("SELECT count(*) FROM batches"), "the large file was never downloaded into a batch");
        CollectionAssert.AreEquivalent(new[] { "A1" }, (await store.AppointmentsAsync("ACME")).Keys.ToArray());
        var failed = Path.Combine(root, "ACME", "appointments", "failed");
        Assert.IsTrue(System.IO.File.Exists(Path.Combine(failed, Name("ACME", "20261123T080000Z"))), "moved to failed/");
        StringAssert.Contains(await System.IO.File.ReadAllTextAsync(Path.Combine(failed, Name("ACME", "20261123T080000Z") + ".error.txt")),
            "is more than RecallFiles:DropBoxes:default:MaxFileBytes (4,096): split the export into smaller files, or raise the limit");
    }

    [TestMethod]
    public void FreeSpaceProblem_RefusesAnArchiveCopy_ThatWouldLeaveLessThanTheMargin()
    {
        // A full disk cannot be produced on demand here: the decision is checked on its own, the statvfs reading by the poll above.
        Assert.IsNull(PickupService.FreeSpaceProblem("/archive", 100L << 20, 400L << 20));
        var problem = PickupService.FreeSpaceProblem("/archive", 100L << 20, 300L << 20);
        Assert.IsNotNull(problem);
        StringAssert.Contains(problem, "not enough free space for the archive copy of 104,857,600 bytes in /archive (314,572,800 bytes free, 373,293,056 needed with a 256 MB margin)");
        StringAssert.Contains(problem, "RecallFiles:Importer:ArchiveFolder");
    }
}
