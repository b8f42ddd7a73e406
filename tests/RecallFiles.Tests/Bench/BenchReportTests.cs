using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json.Nodes;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Bench;

/// <summary>
/// Issue 18 point 8: the bench's <c>report</c> verb (docs/performance.png and the generated section of
/// docs/performance.md from docs/bench/results.json) and <c>record-export</c>, through a child process of the bench's
/// build, on a results file of its own, and the checked-in docs against the checked-in results file.
/// </summary>
[TestClass]
public sealed class BenchReportTests
{
    private const string Begin = "<!-- bench-report:begin -->";
    private const string End = "<!-- bench-report:end -->";
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly List<string> _folders = [];

    public TestContext TestContext { get; set; } = null!;

    [TestCleanup]
    public void DeleteFolders()
    {
        foreach (var folder in _folders)
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public async Task Report_WritesAPngChart_FromARecordedResultsFile()
    {
        var folder = NewFolder();

        var (exit, _, error) = await RunAsync("report", "--results", SeededResults(folder), "--out", folder);

        Assert.AreEqual(0, exit, error);
        var png = await File.ReadAllBytesAsync(Path.Combine(folder, "performance.png"), TestContext.CancellationToken);
        CollectionAssert.AreEqual(PngSignature, png[..8], "not a PNG signature");
        Assert.AreEqual("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.AreEqual(1100, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)), "width from IHDR");
        Assert.AreEqual(760, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)), "height from IHDR");
        // Eight bars, their names and the axes: a blank image of this size compresses to a few KB.
        Assert.IsGreaterThan(30_000, png.Length, $"PNG of {png.Length} bytes: nothing drawn?");
    }

    [TestMethod]
    public async Task Report_ReplacesOnlyTheSectionAndIsIdempotent_WhenRunTwice()
    {
        var folder = NewFolder();
        var results = SeededResults(folder);
        var markdown = Path.Combine(folder, "performance.md");
        const string before = "# Performance\n\nhand-written intro\n\n";
        const string after = "\n\nhand-written prose below | with a pipe\n";
        await File.WriteAllTextAsync(markdown, $"{before}{Begin}\nold table\n{End}{after}", TestContext.CancellationToken);

        var first = await RunAsync("report", "--results", results, "--out", folder);
        var once = await File.ReadAllTextAsync(markdown, TestContext.CancellationToken);
        var second = await RunAsync("report", "--results", results, "--out", folder);
        var twice = await File.ReadAllTextAsync(markdown, TestContext.CancellationToken);

        Assert.AreEqual(0, first.Exit, first.Err);
        Assert.AreEqual(0, second.Exit, second.Err);
        Assert.AreEqual(once, twice, "a second run changed the file");
        Assert.StartsWith(before + Begin + "\n", once);
        Assert.EndsWith(End + after, once);
        Assert.DoesNotContain("old table", once);
        Assert.Contains("![ours against each reference](performance.png)", once);
        Assert.Contains("| export 1M, MariaDB | 6.36 s; CPU 6.25 s, 177 MB | `mariadb --batch` 5.66 s | 0.89× | ≥ 1.0× | no |", once);
        Assert.Contains("| import peak RSS | 189 MB peak | – | – | ≤ 200 MB | yes |", once);
        Assert.Contains("- `bash bench/exporter/run.sh 1000000 3`: 2026-12-02 08:30 UTC, commit a4bc665, 2 cores, load average 0.4 at the start", once);
    }

    [TestMethod]
    public async Task Report_LeavesTheCheckedInDocsUnchanged_WhenRunOnTheCheckedInResults()
    {
        // docs/performance.md's section is what `report` makes of docs/bench/results.json: neither edited by hand nor stale.
        var folder = NewFolder();
        var checkedIn = Path.Combine(Approved.RepoRoot, "docs", "performance.md");
        File.Copy(checkedIn, Path.Combine(folder, "performance.md"));

        var (exit, _, error) = await RunAsync("report", "--results", Path.Combine(Approved.RepoRoot, "docs", "bench", "results.json"), "--out", folder);

        Assert.AreEqual(0, exit, error);
        Assert.AreEqual(await File.ReadAllTextAsync(checkedIn, TestContext.CancellationToken), await File.ReadAllTextAsync(Path.Combine(folder, "performance.md"), TestContext.CancellationToken),
            "docs/performance.md differs from what 'report' generates: run the report verb (docs/performance.md, \"Regenerate\")");
    }

    [TestMethod]
    public async Task Report_FailsNamingTheFile_WhenTheResultsFileIsMissing()
    {
        var folder = NewFolder();
        var missing = Path.Combine(folder, "nowhere.json");

        var (exit, _, error) = await RunAsync("report", "--results", missing, "--out", folder);

        Assert.AreEqual(1, exit);
        Assert.Contains($"results file {missing} does not exist", error);
        Assert.IsFalse(File.Exists(Path.Combine(folder, "performance.png")), "a chart was drawn without results");
    }

    [TestMethod]
    public async Task Report_FailsNamingTheFile_WhenTheResultsFileIsMalformed()
    {
        var folder = NewFolder();
        var malformed = Path.Combine(folder, "results.json");
        await File.WriteAllTextAsync(malformed, """{ "measures": { "validate.1m": { "label": "x" """, TestContext.CancellationToken);

        var (exit, _, error) = await RunAsync("report", "--results", malformed, "--out", folder);

        Assert.AreEqual(1, exit);
        Assert.Contains($"results file {malformed} is not a valid results file", error);
    }

    [TestMethod]
    public async Task Report_FailsNamingTheMarkdown_WhenItHasNoMarkers()
    {
        var folder = NewFolder();
        var markdown = Path.Combine(folder, "performance.md");
        await File.WriteAllTextAsync(markdown, "# Performance\n\nno markers here\n", TestContext.CancellationToken);

        var (exit, _, error) = await RunAsync("report", "--results", SeededResults(folder), "--out", folder);

        Assert.AreEqual(1, exit);
        Assert.Contains($"{markdown} has no generated section", error);
        Assert.AreEqual("# Performance\n\nno markers here\n", await File.ReadAllTextAsync(markdown, TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task RecordExport_ReplacesTheExportMeasuresOnly_WhenMergedIntoResults()
    {
        var folder = NewFolder();
        var results = SeededResults(folder);
        var times = Path.Combine(folder, "times.txt");
        await File.WriteAllTextAsync(times,
            "recallfiles-mariadb 6.40 181000 6.30\nmariadb-batch 5.60 9000 1.00\nrecallfiles-postgresql 5.00 170000 4.70\npsql-copy 2.60 8000 0.50\n" +
            "recallfiles-mariadb 6.20 177000 6.20\nmariadb-batch 5.80 9000 1.00\nrecallfiles-postgresql 4.80 171000 4.60\npsql-copy 2.80 8000 0.50\n",
            TestContext.CancellationToken);

        var (exit, _, error) = await RunAsync("record-export", times, "--rows", "1000", "--command", "bash bench/exporter/run.sh 1000 2",
            "--started", "2026-12-02T09:00:00Z", "--load", "1.25", "--results", results);

        Assert.AreEqual(0, exit, error);
        var measures = JsonNode.Parse(await File.ReadAllTextAsync(results, TestContext.CancellationToken))!["measures"]!;
        var mariadb = measures["export.mariadb"]!;
        Assert.AreEqual("export 1,000, MariaDB", (string?)mariadb["label"]);
        Assert.AreEqual(6.3, (double)mariadb["ours"]!["median"]!, 1e-9);
        Assert.AreEqual(5.7, (double)mariadb["reference"]!["median"]!, 1e-9);
        Assert.AreEqual(0.905, (double)mariadb["ratio"]!, 1e-9); // 5.7 / 6.3: our throughput over mariadb --batch's
        Assert.IsFalse((bool)mariadb["met"]!);
        Assert.AreEqual(1.25, (double)mariadb["loadAverage"]!, 1e-9);
        Assert.AreEqual("bash bench/exporter/run.sh 1000 2", (string?)mariadb["command"]);
        Assert.AreEqual(0.551, (double)measures["export.postgresql"]!["ratio"]!, 1e-9); // 2.7 / 4.9
        Assert.IsFalse((bool)measures["export.postgresql"]!["met"]!, "0.55x is below the 0.8x target");
        Assert.AreEqual(19.22, (double)measures["import.first-load"]!["ours"]!["median"]!, 1e-9, "another bench's measure changed");
    }

    /// <summary>
    /// A copy of this test's own results file in <paramref name="folder"/>: the figures of the 2026-12-02 08:30 run, as
    /// docs/bench/results.json had them before the benches were run again (that file changes with every run).
    /// </summary>
    private static string SeededResults(string folder)
    {
        var copy = Path.Combine(folder, "results.json");
        File.Copy(Path.Combine(Approved.RepoRoot, "tests", "RecallFiles.Tests", "Bench", "results.fixture.json"), copy, overwrite: true);
        return copy;
    }

    private string NewFolder()
    {
        var folder = Directory.CreateTempSubdirectory($"rf-bench-report-{TestContext.TestName}-").FullName;
        _folders.Add(folder);
        return folder;
    }

    private async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var dll = Path.Combine(Approved.RepoRoot, "bench", "RecallFiles.Bench", "bin", Configuration, "net10.0", "RecallFiles.Bench.dll");
        Assert.IsTrue(File.Exists(dll), $"{dll} is missing: build the solution (dotnet build RecallFiles.sln -c {Configuration})");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])[dll, .. args])
        {
            info.ArgumentList.Add(arg);
        }

        // The child must not write into the repository's results file whatever the environment says.
        info.Environment.Remove("RF_BENCH_RESULTS");
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.CancellationToken);
        await process.WaitForExitAsync(TestContext.CancellationToken);
        return (process.ExitCode, await output, await error);
    }

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif
}
