using RecallFiles.Tests.Infrastructure;
using RecallFiles.Transport;

namespace RecallFiles.Tests.Transport;

/// <summary>The shared behaviour and the SFTP faults against OpenSSH's sshd (internal-sftp).</summary>
[TestClass]
public sealed class SftpDropBoxTests : DropBoxBehaviourTests
{
    private static SshdServer s_server = null!;

    protected override DropBoxOptions Options => s_server.CreateOptions();

    protected override string ServerRoot => s_server.RootFolder;

    [ClassInitialize]
    public static async Task StartServer(TestContext context) => s_server = await SshdServer.StartAsync();

    [ClassCleanup]
    public static async Task StopServer() => await s_server.DisposeAsync();

    /// <summary>The vendor writes with OpenSSH's own sftp client: put, then reput (append) for each later step.</summary>
    protected override async Task AppendAsVendorAsync(string folder, string name, byte[] bytes)
    {
        var local = Path.Combine(s_server.WorkDirectory, $"vendor-{folder}-{name}");
        var remote = $"{s_server.RootFolder}/{folder}/{name}";
        var exists = File.Exists(local);
        await AppendToDiskAsync(local, bytes);
        await s_server.RunSftpBatchAsync($"{(exists ? "reput" : "put")} \"{local}\" \"{remote}\"");
    }

    [TestMethod]
    public async Task ListAsync_ThrowsHostKeyNotPinnedOnce_WhenServerKeyIsNotPinned()
    {
        var connections = s_server.ConnectionCount;
        var logins = s_server.LogLines.Count(l => l.Contains("Accepted publickey", StringComparison.Ordinal));
        var logger = new CollectingLogger();
        await using var box = Create(Options with { HostKeySha256 = ["SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"], ConfigurationPath = "RecallFiles:Practices:DEMO-01:DropBox" }, logger: logger);

        var ex = await Assert.ThrowsExactlyAsync<DropBoxException>(() => box.ListAsync("", TestContext.CancellationToken));

        Assert.AreEqual(DropBoxError.HostKeyNotPinned, ex.Error);
        Assert.IsFalse(ex.IsTransient);
        Assert.AreEqual(1, ex.Attempts);
        Assert.AreEqual(1, s_server.ConnectionCount - connections, "one connection, no retry storm");
        Assert.AreEqual(0, logger.Count(1), "no retry logged");
        Assert.Contains(s_server.HostKeySha256, ex.Message, "the message shows the presented fingerprint");
        Assert.Contains("RecallFiles:Practices:DEMO-01:DropBox:HostKeySha256", ex.Message);
        Assert.Contains($"./recallfiles hostkey 127.0.0.1:{s_server.Port}", ex.Message);
        Assert.AreEqual(logins, s_server.LogLines.Count(l => l.Contains("Accepted publickey", StringComparison.Ordinal)), "refused before authentication");
    }

    [TestMethod]
    public async Task ListAsync_ThrowsAuthenticationFailedOnce_WhenClientKeyIsNotAuthorized()
    {
        var key = await s_server.CreateClientKeyAsync($"stranger-{Guid.NewGuid():N}", authorize: false);
        var connections = s_server.ConnectionCount;
        await using var box = Create(Options with { PrivateKeyPath = key });

        var ex = await Assert.ThrowsExactlyAsync<DropBoxException>(() => box.ListAsync("", TestContext.CancellationToken));

        Assert.AreEqual(DropBoxError.AuthenticationFailed, ex.Error);
        Assert.AreEqual(1, ex.Attempts);
        Assert.AreEqual(1, s_server.ConnectionCount - connections, "one connection, no retry storm");
        Assert.Contains("authorized_keys", ex.Message);
        Assert.Contains("RecallFiles:DropBox:PrivateKeyPath", ex.Message);
    }

    [TestMethod]
    [DataRow(false, DisplayName = "OpenSSH format, ed25519")]
    [DataRow(true, DisplayName = "PEM format, RSA")]
    public async Task ListAsync_LogsInWithEncryptedKey_WhenPassphraseIsSet(bool pem)
    {
        var key = await s_server.CreateClientKeyAsync($"encrypted-{Guid.NewGuid():N}", passphrase: "correct horse", pem: pem);
        var folder = NewFolder();
        await File.WriteAllTextAsync(OnServer(folder, "a.csv"), "x", TestContext.CancellationToken);
        await using var box = Create(Options with { PrivateKeyPath = key, PrivateKeyPassphrase = "correct horse" });

        var listing = await box.ListAsync(folder, TestContext.CancellationToken);

        Assert.AreEqual("a.csv", listing.Single().Name);
    }

    [TestMethod]
    public async Task ListAsync_ThrowsConfigurationWithoutPassphrase_WhenPassphraseIsWrong()
    {
        var key = await s_server.CreateClientKeyAsync($"encrypted-{Guid.NewGuid():N}", passphrase: "correct horse");
        var logger = new CollectingLogger();
        await using var box = Create(Options with { PrivateKeyPath = key, PrivateKeyPassphrase = "Wrong-Passphrase-42" }, logger: logger);

        var ex = await Assert.ThrowsExactlyAsync<DropBoxException>(() => box.ListAsync("", TestContext.CancellationToken));

        Assert.AreEqual(DropBoxError.Configuration, ex.Error);
        Assert.AreEqual(1, ex.Attempts);
        Assert.Contains("PrivateKeyPassphrase", ex.Message);
        Assert.DoesNotContain("Wrong-Passphrase-42", ex.ToString());
        Assert.DoesNotContain("Wrong-Passphrase-42", logger.AllText);
    }

    [TestMethod]
    public async Task Operations_ShareOneConnection_WithinOneDropBox()
    {
        var folder = NewFolder();
        var connections = s_server.ConnectionCount;
        await using var box = Create();

        await box.EnsureFolderAsync($"{folder}/inbox", TestContext.CancellationToken);
        await box.UploadAsync($"{folder}/inbox", "a.csv", new MemoryStream([1, 2, 3]), TestContext.CancellationToken);
        await box.ListAsync($"{folder}/inbox", TestContext.CancellationToken);
        await box.DownloadAsync($"{folder}/inbox", "a.csv", new MemoryStream(), TestContext.CancellationToken);
        await box.MoveAsync($"{folder}/inbox", "a.csv", folder, "a.csv", TestContext.CancellationToken);
        await box.DeleteAsync(folder, "a.csv", TestContext.CancellationToken);

        Assert.AreEqual(1, s_server.ConnectionCount - connections);
    }

    [TestMethod]
    public async Task ListAsync_RetriesThenThrowsNetwork_WhenServerIsDown()
    {
        var logger = new CollectingLogger();
        await using var box = Create(Options with { Port = Ports.FreeTcpPort(), RetryCount = 2 }, logger: logger);

        var ex = await Assert.ThrowsExactlyAsync<DropBoxException>(() => box.ListAsync("", TestContext.CancellationToken));

        Assert.AreEqual(DropBoxError.Network, ex.Error);
        Assert.IsTrue(ex.IsTransient);
        Assert.AreEqual(3, ex.Attempts, "the first attempt and two retries");
        Assert.AreEqual(2, logger.Count(1), "each retry is logged");
    }

    [TestMethod]
    public async Task ListAsync_Reconnects_WhenSessionDroppedWhileIdle()
    {
        var folder = NewFolder();
        await using var box = Create();
        await box.ListAsync(folder, TestContext.CancellationToken);

        await s_server.RestartAsync();
        await File.WriteAllTextAsync(OnServer(folder, "after.csv"), "x", TestContext.CancellationToken);
        var listing = await box.ListAsync(folder, TestContext.CancellationToken);

        Assert.AreEqual("after.csv", listing.Single().Name);
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
        var partial = new FileInfo(OnServer(folder, ".killed.csv.part"));
        await s_server.RestartAsync();
        await box.UploadAsync(folder, "after-restart.csv", new MemoryStream([1, 2, 3]), TestContext.CancellationToken);

        Assert.IsTrue(ex.IsTransient, ex.ToString());
        Assert.Contains($"{s_server.Host}:{s_server.Port}", ex.Message);
        Assert.IsFalse(File.Exists(OnServer(folder, "killed.csv")), "no final-named partial file");
        Assert.IsTrue(partial.Exists && partial.Length < BigTestFile.Size, "the interrupted bytes stayed under the temporary name");
        Assert.IsTrue(File.Exists(OnServer(folder, "after-restart.csv")), "the same drop box object works after the restart");
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task DownloadAsync_FailsClearly_WhenServerDiesMidTransfer_AndNextDownloadSucceedsAfterRestart()
    {
        var folder = NewFolder();
        File.Copy(BigTestFile.Path, OnServer(folder, "big.csv"));
        await using var box = Create();
        var gated = new GatedStream(Stream.Null, 20L * 1024 * 1024);

        var download = box.DownloadAsync(folder, "big.csv", gated, TestContext.CancellationToken);
        await gated.Reached.WaitAsync(TimeSpan.FromSeconds(60), TestContext.CancellationToken);
        s_server.Kill();
        gated.Release();
        var ex = await Assert.ThrowsExactlyAsync<DropBoxException>(() => download);
        await s_server.RestartAsync();
        var local = Path.Combine(Path.GetTempPath(), $"recallfiles-download-{Guid.NewGuid():N}");
        try
        {
            Assert.AreEqual(BigTestFile.Size, await box.DownloadToFileAsync(folder, "big.csv", local, TestContext.CancellationToken));
        }
        finally
        {
            File.Delete(local);
        }

        Assert.IsTrue(ex.IsTransient, ex.ToString());
        Assert.Contains($"{s_server.Host}:{s_server.Port}", ex.Message);
        Assert.IsLessThan(BigTestFile.Size, gated.Passed);
    }
}
