using RecallFiles.Transport;

namespace RecallFiles.Tests.Transport;

[TestClass]
public sealed class LocalDropBoxTests : DropBoxBehaviourTests
{
    private static string s_root = "";

    protected override DropBoxOptions Options => new() { Kind = DropBoxKind.Local, RootPath = s_root, RetryBaseDelay = TimeSpan.FromMilliseconds(10), RetryMaxDelay = TimeSpan.FromMilliseconds(50) };

    protected override string ServerRoot => s_root;

    [ClassInitialize]
    public static void StartServer(TestContext context) => s_root = Directory.CreateTempSubdirectory("recallfiles-local-").FullName;

    [ClassCleanup]
    public static void StopServer() => Directory.Delete(s_root, recursive: true);

    [TestMethod]
    public async Task EnsureFolderAsync_ThrowsFolderMissing_WhenRootDoesNotExist()
    {
        await using var box = Create(Options with { RootPath = Path.Combine(s_root, "missing-root") });

        var ex = await Assert.ThrowsExactlyAsync<DropBoxException>(() => box.EnsureFolderAsync("inbox", TestContext.CancellationToken));

        Assert.AreEqual(DropBoxError.FolderMissing, ex.Error);
        Assert.IsFalse(Directory.Exists(Path.Combine(s_root, "missing-root")), "a wrong root is reported, not created");
    }
}
