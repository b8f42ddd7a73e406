using System.Security.Cryptography;
using System.Text;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Transport;

namespace RecallFiles.Tests.Transport;

/// <summary>
/// The behaviour every drop box kind shares, run against a real server per kind (see the derived classes):
/// OpenSSH sshd, pyftpdlib with TLS, and a temp folder.
/// </summary>
public abstract class DropBoxBehaviourTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>Options that reach the kind's server.</summary>
    protected abstract DropBoxOptions Options { get; }

    /// <summary>The server's drop box root as a folder on this machine, to look behind the protocol's back.</summary>
    protected abstract string ServerRoot { get; }

    /// <summary>How a vendor appends to a file (or creates it) with its own tool; by default straight to disk.</summary>
    protected virtual Task AppendAsVendorAsync(string folder, string name, byte[] bytes) =>
        AppendToDiskAsync(Path.Combine(ServerRoot, folder, name), bytes);

    protected static async Task AppendToDiskAsync(string path, byte[] bytes)
    {
        await using var file = new FileStream(path, FileMode.Append, FileAccess.Write);
        await file.WriteAsync(bytes);
    }

    protected IDropBox Create(DropBoxOptions? options = null, TimeProvider? time = null, CollectingLogger? logger = null) =>
        DropBoxFactory.Create(options ?? Options, time, logger);

    /// <summary>A fresh folder below the root, so tests never see each other's files.</summary>
    protected string NewFolder()
    {
        var name = "t" + Guid.NewGuid().ToString("N")[..12];
        Directory.CreateDirectory(Path.Combine(ServerRoot, name));
        return name;
    }

    protected string OnServer(string folder, string name) => Path.Combine(ServerRoot, folder, name);

    [TestMethod]
    public async Task UploadAsync_StoresBytesUnderFinalName_AndListsIt()
    {
        var folder = NewFolder();
        var bytes = Encoding.UTF8.GetBytes("APP_LID,APP_DATE\n1,23/11/2026\n");
        await using var box = Create();

        await box.UploadAsync(folder, "APPOINTMENTS_1.csv", new MemoryStream(bytes), TestContext.CancellationToken);
        var listing = await box.ListAsync(folder, TestContext.CancellationToken);

        var file = listing.Single();
        Assert.AreEqual("APPOINTMENTS_1.csv", file.Name);
        Assert.AreEqual(bytes.Length, file.Size);
        Assert.IsLessThan(TimeSpan.FromMinutes(2), (DateTime.UtcNow - file.LastWriteTimeUtc).Duration(), $"mtime {file.LastWriteTimeUtc:O}");
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(OnServer(folder, "APPOINTMENTS_1.csv")));
        var download = new MemoryStream();
        Assert.AreEqual(bytes.Length, await box.DownloadAsync(folder, "APPOINTMENTS_1.csv", download, TestContext.CancellationToken));
        CollectionAssert.AreEqual(bytes, download.ToArray());
    }

    [TestMethod]
    public async Task UploadAsync_ReplacesFileAndLeavesNoTemporary_WhenNameExists()
    {
        var folder = NewFolder();
        await using var box = Create();

        await box.UploadAsync(folder, "status.csv", new MemoryStream(Encoding.UTF8.GetBytes("first version, longer than the second")), TestContext.CancellationToken);
        await box.UploadAsync(folder, "status.csv", new MemoryStream(Encoding.UTF8.GetBytes("second")), TestContext.CancellationToken);

        Assert.AreEqual("second", await File.ReadAllTextAsync(OnServer(folder, "status.csv"), TestContext.CancellationToken));
        CollectionAssert.AreEqual(new[] { "status.csv" }, Directory.GetFiles(Path.Combine(ServerRoot, folder)).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public async Task ListAsync_ReturnsRegularFilesOnly_WhenFolderHasSubfolders()
    {
        var folder = NewFolder();
        Directory.CreateDirectory(Path.Combine(ServerRoot, folder, "archive"));
        await File.WriteAllTextAsync(OnServer(folder, "a b#1.csv"), "x", TestContext.CancellationToken);
        await using var box = Create();

        var listing = await box.ListAsync(folder, TestContext.CancellationToken);

        Assert.AreEqual("a b#1.csv", listing.Single().Name);
        Assert.AreEqual(1, listing.Single().Size);
    }

    [TestMethod]
    public async Task ListAsync_ThrowsFolderMissingOnce_WhenFolderDoesNotExist()
    {
        await using var box = Create();

        var ex = await Assert.ThrowsExactlyAsync<DropBoxException>(() => box.ListAsync("no-such-folder", TestContext.CancellationToken));

        Assert.AreEqual(DropBoxError.FolderMissing, ex.Error, ex.Message);
        Assert.IsFalse(ex.IsTransient);
        Assert.AreEqual(1, ex.Attempts, "a permanent failure is not retried");
        Assert.Contains("no-such-folder", ex.Message);
        Assert.Contains("RootPath", ex.Message);
    }

    [TestMethod]
    public async Task MoveAsync_MovesAndReplacesTarget_AcrossFolders()
    {
        var inbox = NewFolder();
        var archive = NewFolder();
        await File.WriteAllTextAsync(OnServer(inbox, "f.csv"), "new", TestContext.CancellationToken);
        await File.WriteAllTextAsync(OnServer(archive, "f-archived.csv"), "old", TestContext.CancellationToken);
        await using var box = Create();

        await box.MoveAsync(inbox, "f.csv", archive, "f-archived.csv", TestContext.CancellationToken);

        Assert.IsFalse(File.Exists(OnServer(inbox, "f.csv")));
        Assert.AreEqual("new", await File.ReadAllTextAsync(OnServer(archive, "f-archived.csv"), TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task DeleteAsync_ReturnsWhetherFileWasThere()
    {
        var folder = NewFolder();
        await File.WriteAllTextAsync(OnServer(folder, "gone.csv"), "x", TestContext.CancellationToken);
        await using var box = Create();

        Assert.IsTrue(await box.DeleteAsync(folder, "gone.csv", TestContext.CancellationToken));
        Assert.IsFalse(await box.DeleteAsync(folder, "gone.csv", TestContext.CancellationToken));
        Assert.IsFalse(File.Exists(OnServer(folder, "gone.csv")));
    }

    [TestMethod]
    public async Task EnsureFolderAsync_CreatesNestedFolders_AndIsIdempotent()
    {
        var folder = NewFolder();
        await using var box = Create();

        await box.EnsureFolderAsync($"{folder}/DEMO-01/appointments", TestContext.CancellationToken);
        await box.EnsureFolderAsync($"{folder}/DEMO-01/appointments", TestContext.CancellationToken);
        await box.EnsureFolderAsync($"{folder}/DEMO-01/status", TestContext.CancellationToken);

        Assert.IsTrue(Directory.Exists(Path.Combine(ServerRoot, folder, "DEMO-01", "appointments")));
        Assert.IsTrue(Directory.Exists(Path.Combine(ServerRoot, folder, "DEMO-01", "status")));
    }

    [TestMethod]
    public async Task ExistsAsync_SaysWhetherFileExists()
    {
        var folder = NewFolder();
        await File.WriteAllTextAsync(OnServer(folder, "here.csv"), "x", TestContext.CancellationToken);
        await using var box = Create();

        Assert.IsTrue(await box.ExistsAsync(folder, "here.csv", TestContext.CancellationToken));
        Assert.IsFalse(await box.ExistsAsync(folder, "absent.csv", TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task DownloadAsync_ThrowsFileMissing_WhenFileDoesNotExist()
    {
        var folder = NewFolder();
        await using var box = Create();

        var ex = await Assert.ThrowsExactlyAsync<DropBoxException>(() => box.DownloadAsync(folder, "absent.csv", new MemoryStream(), TestContext.CancellationToken));

        Assert.AreEqual(DropBoxError.FileMissing, ex.Error);
        Assert.AreEqual(1, ex.Attempts);
    }

    [TestMethod]
    [DataRow("../escape.csv")]
    [DataRow("sub/dir.csv")]
    [DataRow("back\\slash.csv")]
    [DataRow("line\nbreak.csv")]
    [DataRow(".hidden-upload")]
    public async Task UploadAsync_ThrowsInvalidName_WhenNameIsNeverOpened(string name)
    {
        var folder = NewFolder();
        await using var box = Create();

        var ex = await Assert.ThrowsExactlyAsync<DropBoxException>(() => box.UploadAsync(folder, name, new MemoryStream([1]), TestContext.CancellationToken));

        Assert.AreEqual(DropBoxError.InvalidName, ex.Error);
        Assert.IsEmpty(Directory.GetFileSystemEntries(Path.Combine(ServerRoot, folder)));
        Assert.IsFalse(File.Exists(Path.Combine(ServerRoot, "escape.csv")));
    }

    [TestMethod]
    public async Task ListAsync_ThrowsInvalidName_WhenFolderEscapesRoot()
    {
        await using var box = Create();

        var ex = await Assert.ThrowsExactlyAsync<DropBoxException>(() => box.ListAsync("../other-practice", TestContext.CancellationToken));

        Assert.AreEqual(DropBoxError.InvalidName, ex.Error);
    }

    [TestMethod]
    public async Task SafePickup_MakesFileEligible_OnlyAfterItStoppedGrowingForMinFileAge()
    {
        var folder = NewFolder();
        var clock = new ManualTimeProvider();
        var pickup = new SafePickup(TimeSpan.FromSeconds(30), requireDoneFile: false, maxFilesPerPoll: 10, clock);
        await using var box = Create();
        async Task<PickupResult> PollAsync() => pickup.Evaluate(await box.ListAsync(folder, TestContext.CancellationToken));

        await AppendAsVendorAsync(folder, "vendor.csv", RandomNumberGenerator.GetBytes(10_000));
        var first = await PollAsync();
        clock.Advance(TimeSpan.FromSeconds(20));
        // The next write lands at least a second later, so the modification time changes with the size.
        await Task.Delay(1100, TestContext.CancellationToken);
        await AppendAsVendorAsync(folder, "vendor.csv", RandomNumberGenerator.GetBytes(10_000));
        var grown = await PollAsync();
        clock.Advance(TimeSpan.FromSeconds(20));
        var quietFor20s = await PollAsync();
        clock.Advance(TimeSpan.FromSeconds(15));
        var quietFor35s = await PollAsync();

        Assert.AreEqual("vendor.csv", first.Waiting.Single().Name);
        Assert.IsEmpty(first.Eligible);
        Assert.AreEqual(20_000, grown.Waiting.Single().Size);
        Assert.IsEmpty(grown.Eligible, "the file grew: its wait starts again");
        Assert.IsEmpty(quietFor20s.Eligible);
        Assert.AreEqual("vendor.csv", quietFor35s.Eligible.Single().Name);
        Assert.AreEqual(20_000, quietFor35s.Eligible.Single().Size);
    }

    [TestMethod]
    public async Task SafePickup_MakesFileEligibleAtOnce_WhenDoneMarkerIsWrittenAndRequired()
    {
        var folder = NewFolder();
        var pickup = new SafePickup(TimeSpan.FromMinutes(10), requireDoneFile: true, maxFilesPerPoll: 10, new ManualTimeProvider());
        await using var box = Create();

        await AppendAsVendorAsync(folder, "vendor.csv", RandomNumberGenerator.GetBytes(1000));
        var before = pickup.Evaluate(await box.ListAsync(folder, TestContext.CancellationToken));
        await AppendAsVendorAsync(folder, "vendor.csv.done", []);
        var after = pickup.Evaluate(await box.ListAsync(folder, TestContext.CancellationToken));

        Assert.AreEqual("vendor.csv", before.Waiting.Single().Name);
        Assert.IsEmpty(before.Eligible);
        Assert.AreEqual("vendor.csv", after.Eligible.Single().Name, "the marker itself is never a candidate");
        Assert.IsEmpty(after.Waiting);
    }

    [TestMethod]
    public async Task SafePickup_IgnoresOurTemporaryFile_WhileUploadRuns()
    {
        var folder = NewFolder();
        await File.WriteAllTextAsync(OnServer(folder, ".x.csv.part"), "partial", TestContext.CancellationToken);
        await File.WriteAllTextAsync(OnServer(folder, "x.csv.filepart"), "partial", TestContext.CancellationToken);
        var pickup = new SafePickup(TimeSpan.Zero, requireDoneFile: false, maxFilesPerPoll: 10);
        await using var box = Create();

        var result = pickup.Evaluate(await box.ListAsync(folder, TestContext.CancellationToken));

        Assert.AreEqual(2, (await box.ListAsync(folder, TestContext.CancellationToken)).Count);
        Assert.IsEmpty(result.Eligible);
        Assert.IsEmpty(result.Waiting);
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task UploadAsync_Keeps200MbIntact_AndReaderNeverSeesFinalNameEarly()
    {
        var folder = NewFolder();
        var expectedHash = BigTestFile.Sha256;
        await using var writer = Create();
        await using var reader = Create();
        var listings = new List<IReadOnlyList<RemoteFileInfo>>();
        using var stop = new CancellationTokenSource();

        var watch = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
                listings.Add(await reader.ListAsync(folder, TestContext.CancellationToken));
        }, TestContext.CancellationToken);
        await using (var source = File.OpenRead(BigTestFile.Path))
            await writer.UploadAsync(folder, "big.csv", source, TestContext.CancellationToken);
        await stop.CancelAsync();
        await watch;
        var local = Path.Combine(Path.GetTempPath(), $"recallfiles-download-{Guid.NewGuid():N}");
        try
        {
            var length = await writer.DownloadToFileAsync(folder, "big.csv", local, TestContext.CancellationToken);

            Assert.AreEqual(BigTestFile.Size, length);
            Assert.AreEqual(expectedHash, BigTestFile.HashOf(OnServer(folder, "big.csv")), "uploaded bytes");
            Assert.AreEqual(expectedHash, BigTestFile.HashOf(local), "downloaded bytes");
        }
        finally
        {
            File.Delete(local);
        }

        var sawTemporaryGrowing = listings.Any(l => l.Any(f => f.Name == ".big.csv.part" && f.Size < BigTestFile.Size));
        var earlyFinal = listings.SelectMany(l => l).Where(f => f.Name == "big.csv" && f.Size != BigTestFile.Size).ToList();
        TestContext.WriteLine($"{listings.Count} listings during the upload");
        Assert.IsTrue(sawTemporaryGrowing, $"the reader listed while the upload ran ({listings.Count} listings)");
        Assert.IsEmpty(earlyFinal, "the final name appears only with all its bytes");
    }
}
