using Microsoft.Extensions.Logging.Abstractions;
using RecallFiles.Exporter;
using RecallFiles.Exporter.Ledger;
using RecallFiles.Exporter.Sources;
using RecallFiles.Transport;

namespace RecallFiles.Tests.Exporter;

[TestClass]
public sealed class ExportLedgerTests
{
    private static (PracticeExportOptions Practice, string DropRoot, ExportRunner Runner, ExportLedger Ledger, string Folder) Setup(bool requireDone)
    {
        var folder = Directory.CreateTempSubdirectory("rf-ledger-").FullName;
        GenericSqlExportTests.CreateSqlitePms(folder);
        File.WriteAllText(Path.Combine(folder, "query.sql"), GenericSqlExportTests.SqliteQuery);
        var dropRoot = Directory.CreateDirectory(Path.Combine(folder, "drop")).FullName;
        var practice = new PracticeExportOptions
        {
            PracticeId = "GEN-01", Source = SourceKind.GenericSql, Provider = SqlProvider.Sqlite,
            ConnectionString = $"Data Source={Path.Combine(folder, "pms.sqlite")}", QueryFile = Path.Combine(folder, "query.sql"), TimeZone = "Europe/Madrid",
            DropBox = new DropBoxOptions { Kind = DropBoxKind.Local, RootPath = dropRoot, RequireDoneFile = requireDone, RetryCount = 0 },
        };
        var ledger = new ExportLedger(Path.Combine(folder, "agent.db"));
        return (practice, dropRoot, new ExportRunner(ledger, TimeProvider.System, NullLogger<ExportRunner>.Instance), ledger, folder);
    }

    [TestMethod]
    public async Task RunAsync_UploadsADoneMarkerAfterTheFile_WhenTheDropBoxAsksForOne()
    {
        var (practice, dropRoot, runner, _, folder) = Setup(requireDone: true);

        var result = await runner.RunAsync(practice, new ExportRunOptions { Now = OpenDentalDatabase.Now, OutputFolder = Path.Combine(folder, "out") }, CancellationToken.None);

        var names = Directory.GetFiles(Path.Combine(dropRoot, "appointments")).Select(Path.GetFileName).Order().ToArray();
        CollectionAssert.AreEqual(new[] { result.FileName, result.FileName + ".done" }, names);
    }

    [TestMethod]
    public async Task RunAsync_RecordsTheUploadedAppLids_AndNotThoseOfADryRun()
    {
        var (practice, _, runner, ledger, folder) = Setup(requireDone: false);
        var dry = await runner.RunAsync(practice, new ExportRunOptions { Now = OpenDentalDatabase.Now, DryRun = true, OutputFolder = Path.Combine(folder, "dry") }, CancellationToken.None);
        var lids = File.ReadLines(dry.LocalPath).Skip(1).Select(l => l.Split(',')[0]).ToArray();
        Assert.IsNotEmpty(lids);
        var since = DateTimeOffset.UtcNow.AddDays(-1);
        Assert.HasCount(lids.Length, ledger.Ids.NotExportedSince("GEN-01", lids, since), "a dry run uploads nothing, so it vouches for nothing");

        await runner.RunAsync(practice, new ExportRunOptions { Now = OpenDentalDatabase.Now, OutputFolder = Path.Combine(folder, "out") }, CancellationToken.None);

        Assert.IsEmpty(ledger.Ids.NotExportedSince("GEN-01", lids, since));
        CollectionAssert.AreEquivalent(new[] { "never-sent" }, ledger.Ids.NotExportedSince("GEN-01", [.. lids, "never-sent"], since).ToArray());
        Assert.HasCount(lids.Length, ledger.Ids.NotExportedSince("OTHER-01", lids, since), "another practice's export vouches for nothing");
        Assert.HasCount(lids.Length, ledger.Ids.NotExportedSince("GEN-01", lids, DateTimeOffset.UtcNow.AddMinutes(1)), "only exports since the cut-off count");
    }

    [TestMethod]
    public void Record_PrunesThePracticesOlderEntries_AndKeepsOtherPractices()
    {
        var ids = new ExportedIds(Path.Combine(Directory.CreateTempSubdirectory("rf-ids-").FullName, "agent.db"));
        var now = DateTimeOffset.UtcNow;
        ids.Record(1, "A", now.AddDays(-20), [ExportedIds.Hash("old")], 1, now.AddDays(-30));
        ids.Record(2, "B", now.AddDays(-20), [ExportedIds.Hash("b-old")], 1, now.AddDays(-30));
        ids.Record(3, "A", now, [ExportedIds.Hash("new"), ExportedIds.Hash("also-new")], 2, now.AddDays(-14));

        Assert.IsEmpty(ids.NotExportedSince("A", ["new", "also-new"], now.AddDays(-1)));
        Assert.HasCount(1, ids.NotExportedSince("A", ["old"], now.AddDays(-30)), "pruned at the newer upload");
        Assert.IsEmpty(ids.NotExportedSince("B", ["b-old"], now.AddDays(-30)), "another practice's entries stay");
    }

    [TestMethod]
    public async Task Finish_MarksOlderFailedRunsSuperseded_WhenANewerSnapshotIsUploaded()
    {
        var (practice, dropRoot, runner, ledger, folder) = Setup(requireDone: false);
        var broken = practice with { DropBox = practice.DropBox! with { RootPath = Path.Combine(dropRoot, "missing") } };

        await Assert.ThrowsExactlyAsync<DropBoxException>(() =>
            runner.RunAsync(broken, new ExportRunOptions { Now = OpenDentalDatabase.Now, OutputFolder = Path.Combine(folder, "out") }, CancellationToken.None));
        Assert.AreEqual(ExportStatus.Failed, ledger.List().Single().Status);

        await runner.RunAsync(practice, new ExportRunOptions { Now = OpenDentalDatabase.Now.AddHours(4), OutputFolder = Path.Combine(folder, "out") }, CancellationToken.None);

        var entries = ledger.List();
        Assert.HasCount(2, entries);
        Assert.AreEqual(ExportStatus.Uploaded, entries[0].Status, "the newest run");
        Assert.AreEqual(ExportStatus.Superseded, entries[1].Status, "the failed older snapshot needs no retry");
        Assert.HasCount(1, Directory.GetFiles(Path.Combine(dropRoot, "appointments")), "one snapshot uploaded, nothing piled up");
        StringAssert.EndsWith(entries[0].RemotePath, "APPOINTMENTS_GEN-01_20261024T140000Z.csv");
    }
}
