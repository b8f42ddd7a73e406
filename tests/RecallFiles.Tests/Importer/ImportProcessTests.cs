using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RecallFiles.Importer;
using RecallFiles.Importer.Batches;
using static RecallFiles.Tests.Importer.ImporterStore;

using RecallFiles.Transport.Internal;

namespace RecallFiles.Tests.Importer;

/// <summary>
/// The importer as a separate process (<c>recallfiles import --once</c>): killed with SIGKILL at each step and
/// restarted, and two of them on one database and one drop box.
/// </summary>
[TestClass]
public sealed class ImportProcessTests
{
    public TestContext TestContext { get; set; } = null!;

    private static Dictionary<string, string> Environment(ImporterStore store, string dropBox, IEnumerable<string> practices, string server)
    {
        var env = new Dictionary<string, string>
        {
            ["RecallFiles__DataFolder"] = Path.Combine(store.Folder, "data"),
            ["RecallFiles__Database__ConnectionString"] = store.ConnectionString,
            ["RecallFiles__Importer__ArchiveFolder"] = store.ArchiveFolder,
            ["RecallFiles__Importer__ServerName"] = server,
            ["RecallFiles__DropBoxes__default__Kind"] = "Local",
            ["RecallFiles__DropBoxes__default__RootPath"] = dropBox,
            ["RecallFiles__DropBoxes__default__MinFileAge"] = "00:00:00",
        };
        foreach (var p in practices)
        {
            env[$"RecallFiles__Practices__{p}__TimeZone"] = "UTC";
        }

        return env;
    }

    /// <summary>Drops a file with rows on its own day (so snapshots never remove each other's rows); returns its bytes.</summary>
    private static byte[] Drop(string dropBox, string practice, int index, int rows)
    {
        var day = new DateTime(2026, 11, 23).AddDays(index);
        var stamp = new DateTime(2026, 11, 23, 0, 0, 0, DateTimeKind.Utc).AddDays(index);
        var text = File([.. Enumerable.Range(1, rows).Select(r => Row($"{practice}-{index}-{r}", date: day.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture)))]);
        var folder = Path.Combine(dropBox, practice, "appointments");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, Name(practice, stamp.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)));
        var bytes = Encoding.UTF8.GetBytes(text);
        System.IO.File.WriteAllBytes(path, bytes);
        System.IO.File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-10).AddSeconds(index));
        return bytes;
    }

    private static string Sha(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    private async Task AssertEachFileAppliedOnceAsync(ImporterStore store, string dropBox, IReadOnlyDictionary<string, byte[]> files, int rowsPerFile)
    {
        Assert.AreEqual((long)files.Count, await store.ScalarAsync<long>("SELECT count(*) FROM batches"), "one batch per file, no second claim");
        Assert.AreEqual((long)files.Count, await store.ScalarAsync<long>("SELECT count(*) FROM batches WHERE state = 'applied' AND remote_done"));
        var shas = await store.ScalarAsync<string[]>("SELECT array_agg(sha256 ORDER BY sha256) FROM batches");
        CollectionAssert.AreEqual(files.Values.Select(Sha).Order(StringComparer.Ordinal).ToArray(), shas);
        var archives = await store.ScalarAsync<string[]>("SELECT array_agg(archive_path) FROM batches");
        CollectionAssert.AreEquivalent(shas, archives.Select(a => Sha(System.IO.File.ReadAllBytes(a))).ToArray(), "archived copies match");
        var expected = (long)files.Count * rowsPerFile;
        Assert.AreEqual(expected, await store.ScalarAsync<long>("SELECT count(*) FROM appointments WHERE NOT removed"));
        Assert.AreEqual(expected, await store.ScalarAsync<long>("SELECT count(*) FROM appointment_events"), "exactly one event per row: nothing twice");
        Assert.AreEqual(expected, await store.ScalarAsync<long>("SELECT count(DISTINCT (practice_id, app_lid)) FROM appointment_events"));
        Assert.IsEmpty(Directory.GetFiles(dropBox, "APPOINTMENTS_*", SearchOption.AllDirectories).Where(f => !f.Contains("/processed/", StringComparison.Ordinal)).ToArray(),
            "inbox empty");
        Assert.HasCount(files.Count, Directory.GetFiles(dropBox, "APPOINTMENTS_*", SearchOption.AllDirectories));
    }

    [TestMethod]
    [DataRow(FaultPoints.AfterClaim)]
    [DataRow(FaultPoints.AfterDownload)]
    [DataRow(FaultPoints.DuringCopy)]
    [DataRow(FaultPoints.AfterCommit)]
    public async Task Import_AppliesEveryFileExactlyOnce_WhenKilledAndRestarted(string crashAt)
    {
        await using var store = await CreateAsync("crash_" + crashAt.Replace('-', '_'));
        var dropBox = Path.Combine(store.Folder, "dropbox");
        var files = new Dictionary<string, byte[]>();
        for (var i = 0; i < 3; i++)
        {
            files[$"f{i}"] = Drop(dropBox, "ACME", i, rows: 4);
        }

        var env = Environment(store, dropBox, ["ACME"], "crashing");
        var crashed = await RecallFilesProcess.RunAsync(new Dictionary<string, string>(env) { [FaultPoints.Variable] = crashAt }, store.Folder, "import", "--once");
        TestContext.WriteLine($"crash run: exit {crashed.Exit}\n{crashed.Out}\n{crashed.Err}");
        Assert.AreEqual(137, crashed.Exit, "killed by SIGKILL");
        StringAssert.Contains(crashed.Err, crashAt);

        var restarted = await RecallFilesProcess.RunAsync(env, store.Folder, "import", "--once");
        TestContext.WriteLine($"restart: exit {restarted.Exit}\n{restarted.Out}\n{restarted.Err}");

        Assert.AreEqual(0, restarted.Exit, restarted.Err);
        await AssertEachFileAppliedOnceAsync(store, dropBox, files, rowsPerFile: 4);
    }

    [TestMethod]
    public async Task Import_AppliesEachFileOnce_WithTwoProcessesOnOneDatabaseAndDropBox()
    {
        const int practices = 50, perPractice = 10;
        await using var store = await CreateAsync("two_servers", [.. Enumerable.Range(0, practices).Select(p => Practice($"P{p:00}"))]);
        var dropBox = Path.Combine(store.Folder, "dropbox");
        var files = new Dictionary<string, byte[]>();
        for (var p = 0; p < practices; p++)
        {
            for (var i = 0; i < perPractice; i++)
            {
                files[$"P{p:00}/{i}"] = Drop(dropBox, $"P{p:00}", i, rows: 2);
            }
        }

        var ids = Enumerable.Range(0, practices).Select(p => $"P{p:00}").ToArray();
        async Task<int> Server(string name)
        {
            var runs = 0;
            // Each server polls until the inbox is empty, as its recurring job would.
            while (Directory.GetFiles(dropBox, "APPOINTMENTS_*", SearchOption.AllDirectories).Any(f => !f.Contains("/processed/", StringComparison.Ordinal)) && runs < 10)
            {
                var run = await RecallFilesProcess.RunAsync(Environment(store, dropBox, ids, name), store.Folder, "import", "--once");
                Assert.AreEqual(0, run.Exit, run.Err);
                runs++;
            }

            return runs;
        }

        var results = await Task.WhenAll(Server("server-a"), Server("server-b"));
        TestContext.WriteLine($"runs: {string.Join(", ", results)}");

        await AssertEachFileAppliedOnceAsync(store, dropBox, files, rowsPerFile: 2);
        var servers = await store.ScalarAsync<long>("SELECT count(DISTINCT claimed_by) FROM batches");
        TestContext.WriteLine($"servers that claimed files: {servers}");
        Assert.AreEqual(0L, await store.ScalarAsync<long>("SELECT count(*) FROM (SELECT practice_id, remote_name FROM batches GROUP BY 1, 2 HAVING count(*) > 1) d"));
    }
}
