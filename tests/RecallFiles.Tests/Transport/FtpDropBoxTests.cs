using System.Text;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Transport;

namespace RecallFiles.Tests.Transport;

/// <summary>Plain FTP (no TLS) against pyftpdlib: the same client without AUTH TLS.</summary>
[TestClass]
public sealed class FtpDropBoxTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task UploadListDownload_RoundTrips_OverPlainFtp()
    {
        await using var server = await FtpServer.StartAsync(tls: false);
        await using var box = DropBoxFactory.Create(server.CreateOptions());
        var bytes = Encoding.UTF8.GetBytes("APP_LID\n1\n");

        await box.EnsureFolderAsync("inbox", TestContext.CancellationToken);
        await box.UploadAsync("inbox", "a.csv", new MemoryStream(bytes), TestContext.CancellationToken);
        var listing = await box.ListAsync("inbox", TestContext.CancellationToken);
        var download = new MemoryStream();
        await box.DownloadAsync("inbox", "a.csv", download, TestContext.CancellationToken);

        Assert.AreEqual(new RemoteFileInfo("a.csv", bytes.Length, listing.Single().LastWriteTimeUtc), listing.Single());
        CollectionAssert.AreEqual(bytes, download.ToArray());
        Assert.AreEqual(1, server.ConnectionCount, "one control connection for the whole job");
    }
}
