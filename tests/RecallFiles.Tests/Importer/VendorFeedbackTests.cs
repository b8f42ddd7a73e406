using System.Text;
using RecallFiles.Importer;
using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Pickup;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Tests.SampleData;
using RecallFiles.Transport;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Importer;

/// <summary>
/// Issue 14: every file turned away at batch level — wrong practice, wrong kind, superseded, held, no valid row,
/// undecodable — leaves a report in the practice's errors/ folder saying why and what to do, and goes to failed/ (held/
/// for a held one), never to processed/. Through real sshd: a vendor puts the file with OpenSSH's sftp client.
/// </summary>
[TestClass]
public sealed class VendorFeedbackTests
{
    private static readonly TimeSpan Age = TimeSpan.FromSeconds(30);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Poll_ReportsAndFails_AFileNamingAnotherPractice()
    {
        await using var box = await VendorBox.StartAsync("vendor_practice");
        var name = Name("OTHER");

        var state = await box.SendAsync(name, Encoding.UTF8.GetBytes(File(Row("A1"))));

        Assert.AreEqual(BatchStates.Failed, state);
        var report = box.AssertTurnedAway(name, "failed");
        StringAssert.Contains(report, "file-failed");
        StringAssert.Contains(report, "names practice OTHER");
        StringAssert.Contains(report, "rename the file or put it in the right folder");
    }

    [TestMethod]
    public async Task Poll_ReportsAndFails_AFileOfAnotherKind()
    {
        await using var box = await VendorBox.StartAsync("vendor_kind");
        var name = "STATUS_ACME_20261123T080000Z.csv";

        var state = await box.SendAsync(name, Encoding.UTF8.GetBytes(File(Row("A1"))));

        Assert.AreEqual(BatchStates.Failed, state);
        var report = box.AssertTurnedAway(name, "failed");
        StringAssert.Contains(report, "is a status file, not an appointments file");
    }

    [TestMethod]
    public async Task Poll_ReportsAndFails_ASupersededFile()
    {
        await using var box = await VendorBox.StartAsync("vendor_superseded");
        Assert.AreEqual(BatchStates.Applied, await box.SendAsync(Name("ACME", "20261123T090000Z"), Encoding.UTF8.GetBytes(File(Row("A1")))));
        var older = Name("ACME", "20261123T080000Z");

        var state = await box.SendAsync(older, Encoding.UTF8.GetBytes(File(Row("A1"), Row("A2"))));

        Assert.AreEqual(BatchStates.Superseded, state);
        var report = box.AssertTurnedAway(older, "failed");
        StringAssert.Contains(report, "file-superseded");
        StringAssert.Contains(report, "older than the newest applied one");
        StringAssert.Contains(report, "export again");
        Assert.IsFalse(System.IO.File.Exists(Path.Combine(box.Errors, VendorReportName(Name("ACME", "20261123T090000Z")))), "the applied file had nothing to report");
    }

    [TestMethod]
    public async Task Poll_ReportsAndHoldsVisibly_AFileHeldForReview()
    {
        await using var box = await VendorBox.StartAsync("vendor_held");
        var name = Name("ACME", "20991123T080000Z");

        var state = await box.SendAsync(name, Encoding.UTF8.GetBytes(File(Row("A1"))));

        Assert.AreEqual(BatchStates.NeedsReview, state);
        var report = box.AssertTurnedAway(name, "held");
        StringAssert.Contains(report, "file-held");
        StringAssert.Contains(report, "support reviews it");
        Assert.IsFalse(Directory.Exists(Path.Combine(box.Inbox, "failed")), "held, not failed");
    }

    [TestMethod]
    public async Task Poll_ReportsAndFails_AFileWithoutAnyValidRow()
    {
        await using var box = await VendorBox.StartAsync("vendor_invalid");
        var name = Name("ACME");

        var state = await box.SendAsync(name, Encoding.UTF8.GetBytes(File(Row("A1", date: "99/99/2026"), Row("A2", date: "31/02/2026"))));

        Assert.AreEqual(BatchStates.Failed, state);
        var report = box.AssertTurnedAway(name, "failed");
        StringAssert.Contains(report, "none of the file's 2 row(s) is valid");
        StringAssert.Contains(report, "fix the rows listed below");
        StringAssert.Contains(report, ",2,APP_DATE,", "the row problems follow the batch line");
        Assert.IsEmpty(await box.Store.AppointmentsAsync("ACME"));
    }

    [TestMethod]
    public async Task Poll_ReportsAndFails_AnUndecodableFile()
    {
        await using var box = await VendorBox.StartAsync("vendor_utf8");
        var name = Name("ACME");

        var state = await box.SendAsync(name, await System.IO.File.ReadAllBytesAsync(Path.Combine(RepoPaths.Malformed, "invalid-utf8-line-4.csv"), TestContext.CancellationToken));

        Assert.AreEqual(BatchStates.Failed, state);
        var report = box.AssertTurnedAway(name, "failed");
        StringAssert.Contains(report, "invalid-utf8");
        StringAssert.Contains(report, "What to do:");
    }

    private static string VendorReportName(string name) => Path.GetFileNameWithoutExtension(name) + ".errors.csv";

    /// <summary>A practice ACME whose drop box is real sshd; files are put with OpenSSH's sftp client.</summary>
    private sealed class VendorBox : IAsyncDisposable
    {
        private readonly SshdServer _sshd;
        private readonly PickupService _service;
        private readonly ManualTimeProvider _clock;

        private VendorBox(SshdServer sshd, ImporterStore store)
        {
            _sshd = sshd;
            Store = store;
            _clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
            _service = new PickupService(store.DataSource,
                new ImporterOptions { ArchiveFolder = store.ArchiveFolder, ServerName = "test", Practices = new Dictionary<string, RecallFiles.Importer.Practices.PracticeOptions> { ["ACME"] = Practice("ACME") } },
                new Dictionary<string, DropBoxOptions> { ["default"] = sshd.CreateOptions() with { MinFileAge = Age } }, _clock);
        }

        public ImporterStore Store { get; }

        public string Inbox => Path.Combine(_sshd.RootFolder, "ACME", "appointments");

        public string Errors => Path.Combine(_sshd.RootFolder, "ACME", "errors");

        public static async Task<VendorBox> StartAsync(string prefix)
        {
            var sshd = await SshdServer.StartAsync();
            var store = await CreateAsync(prefix);
            await sshd.RunSftpBatchAsync($"-mkdir {sshd.RootFolder}/ACME", $"-mkdir {sshd.RootFolder}/ACME/appointments");
            return new VendorBox(sshd, store);
        }

        /// <summary>Puts the file with sftp, polls until it is stable and taken; returns the state its batch ended in.</summary>
        public async Task<string> SendAsync(string name, byte[] content)
        {
            var local = Path.Combine(Store.Folder, name);
            await System.IO.File.WriteAllBytesAsync(local, content);
            await _sshd.RunSftpBatchAsync($"put {local} {Inbox}/{name}");
            await _service.PollAsync(Practice("ACME"));
            _clock.Advance(Age);
            var result = await _service.PollAsync(Practice("ACME"));
            Assert.AreEqual(1, result.Finished, string.Join("; ", result.Errors));
            return await Store.ScalarAsync<string>("SELECT state FROM batches WHERE remote_name = $1", name);
        }

        /// <summary>Asserts the report in errors/, the file and its note in failed/ (or held/), nothing in processed/; returns the report.</summary>
        public string AssertTurnedAway(string name, string folder)
        {
            var report = Path.Combine(Errors, VendorReportName(name));
            Assert.IsTrue(System.IO.File.Exists(report), $"{report} exists");
            Assert.IsTrue(System.IO.File.Exists(Path.Combine(Inbox, folder, name)), $"{name} is in {folder}/");
            var note = System.IO.File.ReadAllText(Path.Combine(Inbox, folder, name + ".error.txt"));
            StringAssert.Contains(note, "What to do:");
            StringAssert.Contains(note, "ACME/errors/" + VendorReportName(name));
            Assert.IsFalse(System.IO.File.Exists(Path.Combine(Inbox, name)), "it left the inbox");
            var processed = Path.Combine(Inbox, "processed");
            Assert.IsFalse(Directory.Exists(processed) && Directory.GetFiles(processed, name, SearchOption.AllDirectories).Length > 0, "never in processed/");
            var text = System.IO.File.ReadAllText(report);
            StringAssert.StartsWith(text, "FILE,LINE,COLUMN,RULE,SEVERITY,MESSAGE\r\n" + name + ",,,file-");
            return text;
        }

        public async ValueTask DisposeAsync()
        {
            await Store.DisposeAsync();
            await _sshd.DisposeAsync();
        }
    }
}
