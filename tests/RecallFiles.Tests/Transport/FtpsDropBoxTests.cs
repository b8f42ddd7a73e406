using RecallFiles.Tests.Infrastructure;
using RecallFiles.Transport;

namespace RecallFiles.Tests.Transport;

/// <summary>The shared behaviour and the FTP faults against pyftpdlib with explicit TLS.</summary>
[TestClass]
public sealed class FtpsDropBoxTests : DropBoxBehaviourTests
{
    private static FtpServer s_server = null!;

    protected override DropBoxOptions Options => s_server.CreateOptions();

    protected override string ServerRoot => s_server.RootFolder;

    [ClassInitialize]
    public static async Task StartServer(TestContext context) => s_server = await FtpServer.StartAsync(tls: true);

    [ClassCleanup]
    public static async Task StopServer() => await s_server.DisposeAsync();

    [TestMethod]
    public async Task ListAsync_ThrowsCertificateRejectedOnce_WhenThumbprintIsNotTheServers()
    {
        var connections = s_server.ConnectionCount;
        await using var box = Create(Options with { CertificateThumbprint = new string('A', 40) });

        var ex = await Assert.ThrowsExactlyAsync<DropBoxException>(() => box.ListAsync("", TestContext.CancellationToken));

        Assert.AreEqual(DropBoxError.CertificateRejected, ex.Error);
        Assert.AreEqual(1, ex.Attempts);
        Assert.AreEqual(1, s_server.ConnectionCount - connections, "one connection, no retry storm");
        Assert.Contains(s_server.CertificateThumbprint, ex.Message, "the message shows the presented thumbprint");
        Assert.Contains("RecallFiles:DropBox:CertificateThumbprint", ex.Message);
    }

    [TestMethod]
    public async Task ListAsync_ThrowsCertificateRejected_WhenSelfSignedCertificateIsNotPinned()
    {
        await using var box = Create(Options with { CertificateThumbprint = null });

        var ex = await Assert.ThrowsExactlyAsync<DropBoxException>(() => box.ListAsync("", TestContext.CancellationToken));

        Assert.AreEqual(DropBoxError.CertificateRejected, ex.Error);
        Assert.Contains("RemoteCertificateChainErrors", ex.Message);
    }

    [TestMethod]
    public async Task ListAsync_ThrowsAuthenticationFailedWithoutPassword_WhenPasswordIsWrong()
    {
        var logger = new CollectingLogger();
        var connections = s_server.ConnectionCount;
        await using var box = Create(Options with { Password = "Wrong-Secret-123" }, logger: logger);

        var ex = await Assert.ThrowsExactlyAsync<DropBoxException>(() => box.ListAsync("", TestContext.CancellationToken));

        Assert.AreEqual(DropBoxError.AuthenticationFailed, ex.Error);
        Assert.AreEqual(1, ex.Attempts);
        Assert.AreEqual(1, s_server.ConnectionCount - connections);
        Assert.Contains("RecallFiles:DropBox:Password", ex.Message);
        Assert.DoesNotContain("Wrong-Secret-123", ex.ToString());
        Assert.DoesNotContain("Wrong-Secret-123", logger.AllText);
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task UploadAsync_FailsLeavingNoFinalFile_WhenServerDiesMidTransfer_AndNextUploadSucceedsAfterRestart()
    {
        var folder = NewFolder();
        await using var box = Create();
        await using var source = File.OpenRead(BigTestFile.Path);
        var gated = new GatedStream(source, 20L * 1024 * 1024);

        var upload = box.UploadAsync(folder, "killed.csv", gated, TestContext.CancellationToken);
        await gated.Reached.WaitAsync(TimeSpan.FromSeconds(60), TestContext.CancellationToken);
        s_server.Kill();
        gated.Release();
        var ex = await Assert.ThrowsExactlyAsync<DropBoxException>(() => upload);
        await s_server.RestartAsync();
        await box.UploadAsync(folder, "after-restart.csv", new MemoryStream([1, 2, 3]), TestContext.CancellationToken);

        Assert.IsTrue(ex.IsTransient, ex.ToString());
        Assert.Contains($"{s_server.Host}:{s_server.Port}", ex.Message);
        Assert.IsFalse(File.Exists(OnServer(folder, "killed.csv")), "no final-named partial file");
        Assert.IsTrue(File.Exists(OnServer(folder, "after-restart.csv")));
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task DownloadToFileAsync_LeavesNoLocalFile_WhenServerDiesMidTransfer()
    {
        var folder = NewFolder();
        File.Copy(BigTestFile.Path, OnServer(folder, "big.csv"));
        await using var box = Create(Options with { RetryCount = 1 });
        var local = Path.Combine(Path.GetTempPath(), $"recallfiles-download-{Guid.NewGuid():N}");
        using var stop = new CancellationTokenSource();

        var download = box.DownloadToFileAsync(folder, "big.csv", local, TestContext.CancellationToken);
        while (!File.Exists(local + ".part") || new FileInfo(local + ".part").Length < 10 * 1024 * 1024)
            await Task.Delay(5, TestContext.CancellationToken);
        s_server.Kill();
        var ex = await Assert.ThrowsExactlyAsync<DropBoxException>(() => download);
        await s_server.RestartAsync();

        Assert.IsTrue(ex.IsTransient, ex.ToString());
        Assert.IsFalse(File.Exists(local), "an interrupted download is not handed on");
        Assert.IsFalse(File.Exists(local + ".part"));
        Assert.AreEqual(1, (await box.ListAsync(folder, TestContext.CancellationToken)).Count, "the same drop box works after the restart");
    }
}
