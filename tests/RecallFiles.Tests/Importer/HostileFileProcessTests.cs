using System.Diagnostics;
using System.Globalization;
using System.Text;
using RecallFiles.Importer.Batches;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Importer;

/// <summary>
/// Issue 13's 200 MB case, as an operator runs it: <c>recallfiles import --once</c> in its own process on a file of
/// 100,000 rows whose every APP_DATE is 2,000 characters long, against real PostgreSQL. The batch fails (no valid row),
/// the process's peak memory stays under 300 MB, the error report under 20 MB, and the practice's next file is applied
/// in the same run. (The 1 GB case is refused at listing by MaxFileBytes, tested in PickupServiceTests.)
/// </summary>
[TestClass]
public sealed class HostileFileProcessTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Import_FailsA200MBFileOfLongInvalidValues_InBoundedMemory_AndAppliesTheNextFile()
    {
        await using var store = await CreateAsync("hostile_200mb", Practice("ACME"));
        var dropBox = Path.Combine(store.Folder, "dropbox");
        var folder = Directory.CreateDirectory(Path.Combine(dropBox, "ACME", "appointments")).FullName;
        var big = Path.Combine(folder, Name("ACME", "20261123T080000Z"));
        var longDate = new string('9', 2_000);
        await using (var writer = new StreamWriter(big, false, new UTF8Encoding(false), 1 << 20))
        {
            await writer.WriteAsync(Header + "\r\n");
            for (var i = 0; i < 100_000; i++)
            {
                await writer.WriteAsync(Row($"H{i}", date: longDate) + "\r\n");
            }
        }

        var next = Path.Combine(folder, Name("ACME", "20261123T090000Z"));
        await System.IO.File.WriteAllTextAsync(next, File(Row("A1"), Row("A2")), TestContext.CancellationToken);
        System.IO.File.SetLastWriteTimeUtc(big, DateTime.UtcNow.AddMinutes(-10));
        System.IO.File.SetLastWriteTimeUtc(next, DateTime.UtcNow.AddMinutes(-9));
        Assert.IsGreaterThan(200L * 1000 * 1000, new FileInfo(big).Length);

        var (exit, output, maxRssKb) = await RecallFilesProcess.RunMeasuredImportAsync(store, dropBox, ["ACME"]);

        Assert.AreEqual(0, exit, output);
        Assert.AreEqual("failed applied", await store.ScalarAsync<string>("SELECT string_agg(state, ' ' ORDER BY remote_name) FROM batches"), output);
        StringAssert.StartsWith(await store.ScalarAsync<string>("SELECT reason FROM batches WHERE remote_name LIKE '%T080000Z.csv'"), "none of the file's 100000 row(s) is valid");
        CollectionAssert.AreEquivalent(new[] { "A1", "A2" }, (await store.AppointmentsAsync("ACME")).Keys.ToArray());
        var report = new FileInfo(Path.Combine(dropBox, "ACME", "errors", "APPOINTMENTS_ACME_20261123T080000Z.errors.csv"));
        Assert.IsTrue(report.Exists, "the vendor gets the report");
        TestContext.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak RSS {maxRssKb / 1024} MB, report {report.Length / 1024} KB"));
        Assert.IsLessThan(20L * 1024 * 1024, report.Length, "the uploaded report stays under 20 MB");
        Assert.IsLessThan(300L * 1024, maxRssKb, $"peak RSS {maxRssKb / 1024} MB");
        Assert.AreEqual(BatchStates.Failed, await store.ScalarAsync<string>("SELECT state FROM batches WHERE remote_name LIKE '%T080000Z.csv'"));
    }
}
