using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RecallFiles.Importer;
using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Pickup;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Transport;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Importer;

/// <summary>Acceptance: a vendor puts a file with OpenSSH's sftp client; the importer picks it up through real sshd.</summary>
[TestClass]
public sealed class SftpPickupTests
{
    [TestMethod]
    public async Task Poll_AppliesArchivesAndMovesToProcessed_AFilePutWithOpenSshSftp()
    {
        await using var sshd = await SshdServer.StartAsync();
        await using var store = await CreateAsync("sftp_acceptance");
        var content = File(Row("S1"), Row("S2"), Row("S3", date: "25/11/2026"));
        var local = Path.Combine(store.Folder, Name("ACME"));
        await System.IO.File.WriteAllTextAsync(local, content);
        var folder = $"{sshd.RootFolder}/ACME/appointments";
        await sshd.RunSftpBatchAsync($"-mkdir {sshd.RootFolder}/ACME", $"-mkdir {folder}", $"put {local} {folder}/{Name("ACME")}");

        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var service = new PickupService(store.DataSource,
            new ImporterOptions { ArchiveFolder = store.ArchiveFolder, ServerName = "test", Practices = new Dictionary<string, RecallFiles.Importer.Practices.PracticeOptions> { ["ACME"] = Practice("ACME") } },
            new Dictionary<string, DropBoxOptions> { ["default"] = sshd.CreateOptions() with { MinFileAge = TimeSpan.FromSeconds(30) } }, clock);
        var first = await service.PollAsync(Practice("ACME"));
        clock.Advance(TimeSpan.FromSeconds(30));
        var second = await service.PollAsync(Practice("ACME"));

        Assert.AreEqual(0, first.Claimed, "not yet known to be stable");
        Assert.AreEqual(1, second.Finished, string.Join("; ", second.Errors));
        CollectionAssert.AreEquivalent(new[] { "S1", "S2", "S3" }, (await store.AppointmentsAsync("ACME")).Keys.ToArray());
        Assert.HasCount(3, await store.EventsAsync());
        var sha = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(content))).ToLowerInvariant();
        Assert.AreEqual(sha, await store.ScalarAsync<string>("SELECT sha256 FROM batches"));
        var archive = await store.ScalarAsync<string>("SELECT archive_path FROM batches");
        Assert.AreEqual(sha, Convert.ToHexString(SHA256.HashData(await System.IO.File.ReadAllBytesAsync(archive))).ToLowerInvariant());
        Assert.AreEqual(BatchStates.Applied, await store.ScalarAsync<string>("SELECT state FROM batches"));
        var day = (await store.ScalarAsync<DateTime>("SELECT claimed_at FROM batches")).ToString("yyyy/MM/dd", CultureInfo.InvariantCulture);
        Assert.IsFalse(System.IO.File.Exists($"{folder}/{Name("ACME")}"));
        Assert.IsTrue(System.IO.File.Exists($"{folder}/processed/{day}/{Name("ACME")}"));
    }
}
