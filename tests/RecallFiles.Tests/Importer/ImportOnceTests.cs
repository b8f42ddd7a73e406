using RecallFiles.Tests.Infrastructure;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Importer;

/// <summary>
/// Issue 14: <c>recallfiles import --once</c> is a fresh process that has never listed the inbox, so it waits once for
/// MinFileAge instead of reporting "0 new file(s)" for a file that has been there for minutes; it says what is still waiting.
/// </summary>
[TestClass]
[DoNotParallelize] // the verb reads its configuration from the process environment
public sealed class ImportOnceTests
{
    public TestContext TestContext { get; set; } = null!;

    private async Task<(int Exit, string Out, string Err)> Import(ImporterStore store, string root, bool requireDone, params string[] args)
    {
        var variables = new Dictionary<string, string?>
        {
            ["RecallFiles__Database__ConnectionString"] = store.ConnectionString,
            ["RecallFiles__DataFolder"] = Path.Combine(store.Folder, "data"),
            ["RecallFiles__DropBoxes__default__Kind"] = "Local",
            ["RecallFiles__DropBoxes__default__RootPath"] = root,
            ["RecallFiles__DropBoxes__default__MinFileAge"] = "00:00:02",
            ["RecallFiles__DropBoxes__default__RequireDoneFile"] = requireDone ? "true" : "false",
            ["RecallFiles__Practices__ACME__TimeZone"] = "UTC",
            ["RecallFiles__Logging__Console"] = "false",
        };
        var result = await CliRunner.RunAsync(variables, args.Length == 0 ? ["import", "--once"] : args, TestContext.CancellationToken);
        TestContext.WriteLine(result.Out + result.Err);
        return result;
    }

    private static string Drop(string root, string name, string content)
    {
        var folder = Path.Combine(root, "ACME", "appointments");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        System.IO.File.WriteAllText(path, content);
        System.IO.File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-5)); // it has sat in the inbox for minutes
        return path;
    }

    [TestMethod]
    public async Task ImportOnce_AppliesAFileOlderThanMinFileAge_InOneRun()
    {
        await using var store = await CreateAsync("cli_import_once", Practice("ACME"));
        var root = Directory.CreateTempSubdirectory("rf-once-").FullName;
        var path = Drop(root, Name("ACME"), File(Row("A1"), Row("A2")));

        var (exit, output, error) = await Import(store, root, requireDone: false);

        Assert.AreEqual(0, exit, error);
        StringAssert.Contains(output, "ACME: 1 new file(s), 1 batch(es) finished");
        Assert.DoesNotContain("waiting", output);
        Assert.HasCount(2, await store.AppointmentsAsync("ACME"));
        Assert.IsFalse(System.IO.File.Exists(path), "the file left the inbox for processed/");
    }

    [TestMethod]
    public async Task ImportOnce_SaysHowManyFilesWait_ForAFileWithoutItsDoneMarker()
    {
        await using var store = await CreateAsync("cli_import_waiting", Practice("ACME"));
        var root = Directory.CreateTempSubdirectory("rf-once-").FullName;
        var path = Drop(root, Name("ACME"), File(Row("A1")));

        var (exit, output, error) = await Import(store, root, requireDone: true);

        Assert.AreEqual(0, exit, error);
        StringAssert.Contains(output, "ACME: 0 new file(s), 0 batch(es) finished, 1 file(s) waiting for their .done marker");
        Assert.IsEmpty(await store.AppointmentsAsync("ACME"));
        Assert.IsTrue(System.IO.File.Exists(path));
    }

    [TestMethod]
    public async Task RunOnce_AppliesAFileOlderThanMinFileAge_InOneCloudCycle()
    {
        await using var store = await CreateAsync("cli_run_once", Practice("ACME"));
        var root = Directory.CreateTempSubdirectory("rf-once-").FullName;
        Drop(root, Name("ACME"), File(Row("A1"), Row("A2"), Row("A3")));

        var (exit, output, error) = await Import(store, root, false, "run", "--role", "cloud", "--once", "--urls", $"http://127.0.0.1:{RecallFiles.Tests.Infrastructure.Ports.FreeTcpPort()}");

        Assert.AreEqual(0, exit, error);
        Assert.DoesNotContain("no new file", output);
        Assert.DoesNotContain("still waiting", output);
        Assert.HasCount(3, await store.AppointmentsAsync("ACME"));
    }
}
