using RecallFiles.Importer;
using RecallFiles.Importer.Pickup;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Transport;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Transport;

/// <summary>
/// Issue 13, links: a tenant of an SFTP server on the importer's own host makes a symbolic link (OpenSSH's sftp
/// <c>symlink</c>, through a real sshd) in its folder, pointing at another practice's file. Whether the importer reads
/// that folder locally or over SFTP, the link is reported and never opened, and nothing of the other file is imported.
/// </summary>
[TestClass]
public sealed class HostileLinkTests
{
    private static SshdServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServer(TestContext context) => s_server = await SshdServer.StartAsync();

    [ClassCleanup]
    public static async Task StopServer() => await s_server.DisposeAsync();

    [TestMethod]
    [DataRow(DropBoxKind.Local, DisplayName = "the importer reads the tenants' folders on its own disk")]
    [DataRow(DropBoxKind.Sftp, DisplayName = "the importer reads them over SFTP")]
    public async Task Poll_NeverImportsAnotherPracticesFile_ThroughALinkATenantMadeOverSftp(DropBoxKind kind)
    {
        await using var store = await CreateAsync($"link_{kind}".ToLowerInvariant(), Practice("ACME"), Practice("EVIL"));
        var root = Path.Combine(s_server.RootFolder, $"links-{kind}");
        var secret = Path.Combine(root, "ACME", "appointments", "processed", Name("ACME"));
        Directory.CreateDirectory(Path.GetDirectoryName(secret)!);
        await System.IO.File.WriteAllTextAsync(secret, File(Row("A1"), Row("A2")), TestContext.CancellationToken);
        var evil = Path.Combine(root, "EVIL", "appointments");
        Directory.CreateDirectory(evil);
        await s_server.RunSftpBatchAsync($"symlink \"{secret}\" \"{evil}/{Name("EVIL")}\"");
        Assert.IsNotNull(new FileInfo(Path.Combine(evil, Name("EVIL"))).LinkTarget, "the tenant made a link through sshd");

        var dropBox = kind == DropBoxKind.Local
            ? new DropBoxOptions { Kind = DropBoxKind.Local, RootPath = root, MinFileAge = TimeSpan.Zero }
            : s_server.CreateOptions() with { RootPath = root, MinFileAge = TimeSpan.Zero };
        var options = new ImporterOptions
        {
            ArchiveFolder = store.ArchiveFolder,
            ServerName = "test",
            Practices = new[] { Practice("ACME"), Practice("EVIL") }.ToDictionary(p => p.Id),
        };
        var logger = new CollectingLogger();
        var service = new PickupService(store.DataSource, options, new Dictionary<string, DropBoxOptions> { ["default"] = dropBox }, TimeProvider.System, logger);

        var result = await service.PollAsync(Practice("EVIL"), TestContext.CancellationToken);

        Assert.AreEqual(0, result.Claimed, "the link is never claimed");
        Assert.IsEmpty(await store.AppointmentsAsync("EVIL"), "nothing of ACME's file became EVIL's appointments");
        Assert.AreEqual(0L, await store.ScalarAsync<long>("SELECT count(*) FROM batches"));
        Assert.Contains(SafePickup.LinkRefused, logger.AllText, "the link is reported, with what to do");
        Assert.IsTrue(System.IO.File.Exists(secret), "the other practice's file is untouched");
        Assert.IsNotNull(new FileInfo(Path.Combine(evil, Name("EVIL"))).LinkTarget, "the link stays where it is (moving it is not safe on every server)");
        Assert.AreEqual(File(Row("A1"), Row("A2")), await System.IO.File.ReadAllTextAsync(secret, TestContext.CancellationToken));
    }

    // SSH.NET resolves every path through the server's REALPATH, which follows links: before the fix a delete of a
    // planted ".done" link deleted its target, a move onto a planted link moved onto the target, and an upload through a
    // planted temporary name overwrote it.
    [TestMethod]
    [DataRow(DropBoxKind.Local)]
    [DataRow(DropBoxKind.Sftp)]
    public async Task DeleteMoveUpload_NeverActOnTheTargetOfALinkATenantPlanted(DropBoxKind kind)
    {
        var root = Path.Combine(s_server.RootFolder, $"planted-{kind}");
        var folder = Path.Combine(root, "EVIL", "appointments");
        Directory.CreateDirectory(Path.Combine(folder, "failed"));
        var secret = Path.Combine(root, "secret.csv");
        await System.IO.File.WriteAllTextAsync(secret, "ACME's appointments", TestContext.CancellationToken);
        await System.IO.File.WriteAllTextAsync(Path.Combine(folder, "mine.csv"), "EVIL's own file", TestContext.CancellationToken);
        await s_server.RunSftpBatchAsync(
            $"symlink \"{secret}\" \"{folder}/mine.csv.done\"",
            $"symlink \"{secret}\" \"{folder}/failed/mine.csv\"",
            $"symlink \"{secret}\" \"{folder}/failed/.report.txt.part\"");
        var options = kind == DropBoxKind.Local ? new DropBoxOptions { Kind = DropBoxKind.Local, RootPath = root } : s_server.CreateOptions() with { RootPath = root };
        await using var box = DropBoxFactory.Create(options with { RetryCount = 0 });

        using var report = new MemoryStream("overwritten"u8.ToArray());
        var upload = await Assert.ThrowsExactlyAsync<DropBoxException>(() => box.UploadAsync("EVIL/appointments/failed", "report.txt", report, TestContext.CancellationToken));
        var refused = new List<DropBoxException> { upload };
        if (kind == DropBoxKind.Sftp)
        {
            refused.Add(await Assert.ThrowsExactlyAsync<DropBoxException>(() => box.DeleteAsync("EVIL/appointments", "mine.csv.done", TestContext.CancellationToken)));
            refused.Add(await Assert.ThrowsExactlyAsync<DropBoxException>(() => box.MoveAsync("EVIL/appointments", "mine.csv", "EVIL/appointments/failed", "mine.csv", TestContext.CancellationToken)));
            Assert.AreEqual("EVIL's own file", await System.IO.File.ReadAllTextAsync(Path.Combine(folder, "mine.csv"), TestContext.CancellationToken), "the move did not happen");
        }
        else
        {
            // Locally unlink(2) and rename(2) act on the link itself: the marker link goes, the move replaces the link.
            Assert.IsTrue(await box.DeleteAsync("EVIL/appointments", "mine.csv.done", TestContext.CancellationToken));
            await box.MoveAsync("EVIL/appointments", "mine.csv", "EVIL/appointments/failed", "mine.csv", TestContext.CancellationToken);
            Assert.IsNull(new FileInfo(Path.Combine(folder, "failed", "mine.csv")).LinkTarget);
        }

        Assert.AreEqual("ACME's appointments", await System.IO.File.ReadAllTextAsync(secret, TestContext.CancellationToken), "the target is neither deleted, replaced nor overwritten");
        foreach (var ex in refused)
        {
            Assert.AreEqual(DropBoxError.Refused, ex.Error, ex.Message);
            Assert.Contains("symbolic link", ex.Message);
        }
    }

    [TestMethod]
    public async Task Download_RefusesAFileSwappedForALink_AfterItWasListed()
    {
        var root = Directory.CreateTempSubdirectory("rf-link-swap-").FullName;
        var folder = Path.Combine(root, "EVIL", "appointments");
        Directory.CreateDirectory(folder);
        var secret = Path.Combine(root, "secret.csv");
        await System.IO.File.WriteAllTextAsync(secret, "ACME's appointments", TestContext.CancellationToken);
        var path = Path.Combine(folder, "APPOINTMENTS_EVIL_20261123T080000Z.csv");
        await System.IO.File.WriteAllTextAsync(path, new string('x', 19), TestContext.CancellationToken);
        await using var box = DropBoxFactory.Create(new DropBoxOptions { Kind = DropBoxKind.Local, RootPath = root });
        var listed = await box.ListAsync("EVIL/appointments", TestContext.CancellationToken);
        Assert.IsFalse(listed.Single().IsLink);

        System.IO.File.Delete(path);
        System.IO.File.CreateSymbolicLink(path, secret); // same size as the file that was listed
        using var sink = new MemoryStream();
        var ex = await Assert.ThrowsExactlyAsync<DropBoxException>(() => box.DownloadAsync("EVIL/appointments", listed.Single().Name, sink, TestContext.CancellationToken));

        Assert.AreEqual(DropBoxError.Refused, ex.Error);
        Assert.Contains("symbolic link", ex.Message);
        Assert.AreEqual(0L, sink.Length, "not a byte of the target was read");
    }

    [TestMethod]
    public async Task List_RefusesAFolderThatIsALink_ToAnotherPracticesFolder()
    {
        var root = Directory.CreateTempSubdirectory("rf-link-folder-").FullName;
        var acme = Path.Combine(root, "ACME", "appointments");
        Directory.CreateDirectory(acme);
        await System.IO.File.WriteAllTextAsync(Path.Combine(acme, "APPOINTMENTS_ACME_20261123T080000Z.csv"), "x", TestContext.CancellationToken);
        Directory.CreateDirectory(Path.Combine(root, "EVIL"));
        Directory.CreateSymbolicLink(Path.Combine(root, "EVIL", "appointments"), acme);
        await using var box = DropBoxFactory.Create(new DropBoxOptions { Kind = DropBoxKind.Local, RootPath = root });

        var ex = await Assert.ThrowsExactlyAsync<DropBoxException>(() => box.ListAsync("EVIL/appointments", TestContext.CancellationToken));

        Assert.AreEqual(DropBoxError.Refused, ex.Error);
        Assert.Contains("never followed", ex.Message);
        Assert.HasCount(1, await box.ListAsync("ACME/appointments", TestContext.CancellationToken), "the real folder is read as before");
    }
}
