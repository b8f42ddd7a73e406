using RecallFiles.Transport;

namespace RecallFiles.Tests.Transport;

/// <summary>
/// The shared inbox over a real local-folder drop box, with a flow that supplies only a claim store and an apply step
/// (the way every incoming flow uses it).
/// </summary>
[TestClass]
public sealed class InboxTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    private sealed record Claim(string Name, DateTimeOffset ClaimedAt) : IInboxClaim;

    /// <summary>A claim store in memory: remembers what it claimed and released.</summary>
    private sealed class Store(params Claim[] unfinished) : IInboxClaimStore<Claim>
    {
        public List<string> Claimed { get; } = [];

        public List<(string Name, InboxDisposition Disposition, string Where)> Released { get; } = [];

        public Task<IReadOnlyList<Claim>> UnfinishedAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<Claim>>(unfinished);

        public Task<Claim?> ClaimAsync(IDropBox dropBox, RemoteFileInfo file, CancellationToken cancellationToken)
        {
            Claimed.Add(file.Name);
            return Task.FromResult<Claim?>(file.Name.StartsWith("TAKEN", StringComparison.Ordinal) ? null : new Claim(file.Name, Day));
        }

        public Task ReleaseAsync(Claim claim, InboxDisposition disposition, string where, CancellationToken cancellationToken)
        {
            Released.Add((claim.Name, disposition, where));
            return Task.CompletedTask;
        }
    }

    private static (string Root, DropBoxOptions Options) NewDropBox(bool requireDone = false)
    {
        var root = Directory.CreateTempSubdirectory("rf-inbox-").FullName;
        Directory.CreateDirectory(Path.Combine(root, "in"));
        return (root, new DropBoxOptions { Kind = DropBoxKind.Local, RootPath = root, MinFileAge = TimeSpan.Zero, RequireDoneFile = requireDone });
    }

    private static void Drop(string root, string name, DateTime mtime)
    {
        var path = Path.Combine(root, "in", name);
        File.WriteAllText(path, name);
        File.SetLastWriteTimeUtc(path, mtime);
    }

    [TestMethod]
    public async Task RunAsync_ArchivesProcessedByDay_AndFailedWithTheirReason_OldestFirst()
    {
        var (root, options) = NewDropBox();
        Drop(root, "B.csv", new DateTime(2026, 11, 23, 9, 0, 0, DateTimeKind.Utc));
        Drop(root, "A.csv", new DateTime(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc));
        Drop(root, "BAD.csv", new DateTime(2026, 11, 23, 10, 0, 0, DateTimeKind.Utc));
        Drop(root, "TAKEN.csv", new DateTime(2026, 11, 23, 7, 0, 0, DateTimeKind.Utc));
        await using var dropBox = DropBoxFactory.Create(options);
        var store = new Store();
        var applied = new List<string>();

        var run = await new Inbox().RunAsync(dropBox, options, "in", store, (_, claim, _) =>
        {
            applied.Add(claim.Name);
            return Task.FromResult<InboxVerdict?>(claim.Name == "BAD.csv" ? InboxVerdict.Failed("line 2, column APP_DATE: not a date") : InboxVerdict.Processed);
        });

        CollectionAssert.AreEqual(new[] { "TAKEN.csv", "A.csv", "B.csv", "BAD.csv" }, store.Claimed, "oldest first");
        CollectionAssert.AreEqual(new[] { "A.csv", "B.csv", "BAD.csv" }, applied, "a file another server holds is not applied");
        Assert.AreEqual(3, run.Claimed);
        Assert.HasCount(3, run.Finished);
        Assert.IsTrue(File.Exists(Path.Combine(root, "in", "processed", "2026", "11", "23", "A.csv")));
        Assert.IsTrue(File.Exists(Path.Combine(root, "in", "processed", "2026", "11", "23", "B.csv")));
        Assert.IsTrue(File.Exists(Path.Combine(root, "in", "failed", "BAD.csv")));
        StringAssert.Contains(File.ReadAllText(Path.Combine(root, "in", "failed", "BAD.csv.error.txt")), "column APP_DATE");
        CollectionAssert.AreEqual(new[] { "TAKEN.csv" }, Directory.GetFiles(Path.Combine(root, "in")).Select(Path.GetFileName).ToArray());
        Assert.AreEqual(("BAD.csv", InboxDisposition.Failed, "moved to in/failed/"), store.Released[2]);
    }

    [TestMethod]
    public async Task RunAsync_FinishesUnfinishedClaimsFirst_AndDoesNotClaimTheirFilesAgain()
    {
        var (root, options) = NewDropBox();
        Drop(root, "OLD.csv", new DateTime(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc));
        Drop(root, "NEW.csv", new DateTime(2026, 11, 23, 9, 0, 0, DateTimeKind.Utc));
        await using var dropBox = DropBoxFactory.Create(options);
        var store = new Store(new Claim("OLD.csv", Day));
        var order = new List<string>();

        var run = await new Inbox().RunAsync(dropBox, options, "in", store, (_, claim, _) =>
        {
            order.Add(claim.Name);
            // The resumed claim is not finished yet (its load failed): it stays for the next run.
            return Task.FromResult(claim.Name == "OLD.csv" ? null : InboxVerdict.Processed);
        });

        CollectionAssert.AreEqual(new[] { "OLD.csv", "NEW.csv" }, order);
        CollectionAssert.AreEqual(new[] { "NEW.csv" }, store.Claimed, "the unfinished claim's file is not claimed twice");
        Assert.IsTrue(File.Exists(Path.Combine(root, "in", "OLD.csv")), "an unfinished claim keeps its file in the inbox");
        Assert.AreEqual(1, run.Finished.Count);
    }

    [TestMethod]
    public async Task RunAsync_RecordsRecoverableFailures_AndThrowsTheOthers()
    {
        var (root, options) = NewDropBox();
        Drop(root, "A.csv", new DateTime(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc));
        Drop(root, "B.csv", new DateTime(2026, 11, 23, 9, 0, 0, DateTimeKind.Utc));
        await using var dropBox = DropBoxFactory.Create(options);
        InboxApply<Claim> apply = (_, claim, _) => claim.Name == "A.csv" ? throw new IOException("disk full") : Task.FromResult<InboxVerdict?>(InboxVerdict.Processed);

        var run = await new Inbox().RunAsync(dropBox, options, "in", new Store(), apply, new InboxRunOptions { Recoverable = ex => ex is IOException });

        Assert.HasCount(1, run.Errors);
        StringAssert.Contains(run.Errors[0], "disk full");
        Assert.IsTrue(File.Exists(Path.Combine(root, "in", "A.csv")), "left for the next run");
        Assert.AreEqual("B.csv", run.Finished.Single().Name, "the next file still ran");
        Drop(root, "C.csv", new DateTime(2026, 11, 23, 10, 0, 0, DateTimeKind.Utc));
        await Assert.ThrowsExactlyAsync<IOException>(() => new Inbox().RunAsync(dropBox, options, "in", new Store(), apply));
    }

    [TestMethod]
    public async Task UploadAndRun_UseTheDoneMarker_WhenTheDropBoxRequiresIt()
    {
        var (root, options) = NewDropBox(requireDone: true);
        await using var dropBox = DropBoxFactory.Create(options);
        using (var content = new MemoryStream("x"u8.ToArray()))
        {
            await dropBox.UploadAsync("in", "A.csv", content);
        }

        Assert.IsTrue(File.Exists(Path.Combine(root, "in", "A.csv.done")), "the upload writes the marker after the file");
        Drop(root, "WRITING.csv", new DateTime(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc)); // no marker: not eligible

        var run = await new Inbox().RunAsync(dropBox, options, "in", new Store(), (_, _, _) => Task.FromResult<InboxVerdict?>(InboxVerdict.Processed));

        Assert.AreEqual("A.csv", run.Finished.Single().Name);
        Assert.AreEqual("WRITING.csv", run.Waiting.Single().Name);
        Assert.IsFalse(File.Exists(Path.Combine(root, "in", "A.csv.done")), "the marker leaves with its file");
    }

    [TestMethod]
    public async Task RunAsync_LeavesAFileInPlace_WithoutMovingItOrItsMarker()
    {
        var (root, options) = NewDropBox();
        Drop(root, "A.csv", new DateTime(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc));
        await using var dropBox = DropBoxFactory.Create(options);
        var store = new Store();

        await new Inbox().RunAsync(dropBox, options, "in", store, (_, _, _) => Task.FromResult<InboxVerdict?>(InboxVerdict.LeftInPlace));

        Assert.IsTrue(File.Exists(Path.Combine(root, "in", "A.csv")));
        Assert.AreEqual(("A.csv", InboxDisposition.LeftInPlace, "left in place"), store.Released.Single());
    }

    [TestMethod]
    public async Task RunAsync_NeverClaimsAHostileName_AndLeavesItWhereItIs()
    {
        var (root, options) = NewDropBox();
        Drop(root, "EVIL\nLINE.csv", new DateTime(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc));
        Drop(root, "OK.csv", new DateTime(2026, 11, 23, 9, 0, 0, DateTimeKind.Utc));
        await using var dropBox = DropBoxFactory.Create(options);
        var store = new Store();

        var run = await new Inbox().RunAsync(dropBox, options, "in", store, (_, _, _) => Task.FromResult<InboxVerdict?>(InboxVerdict.Processed));

        CollectionAssert.AreEqual(new[] { "OK.csv" }, store.Claimed, "a name with a control character is never claimed nor opened");
        StringAssert.Contains(run.Rejected.Single().Reason, "control character");
        Assert.IsTrue(File.Exists(Path.Combine(root, "in", "EVIL\nLINE.csv")), "it stays for a person to look at; nothing moves it");
    }
}
