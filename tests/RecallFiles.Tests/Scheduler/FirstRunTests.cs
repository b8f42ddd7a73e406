using System.Diagnostics;
using System.Text.RegularExpressions;
using RecallFiles.Tests.Importer;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Scheduler;

/// <summary>
/// Issue 14, first run anywhere: a fresh clone under a folder other users cannot enter (0700, as root's home is), the
/// built program run as the newcomer runs it — no configuration, the embedded default. Run as root (the test machine's
/// user) the private cluster must live where the postgres account can reach it, and nothing of it may be left running.
/// </summary>
[TestClass]
[DoNotParallelize] // scans the machine's processes for the product's PostgreSQL
public sealed partial class FirstRunTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task RunOnce_ExitsZeroTwice_AndLeavesNoPostgreSqlRunning_FromACloneUnderA0700Folder()
    {
        var checkout = await CloneAsync();

        var first = await RecallFilesProcess.RunAsync(new Dictionary<string, string>(), checkout, "run", "--once");
        var second = await RecallFilesProcess.RunAsync(new Dictionary<string, string>(), checkout, "run", "--once");
        var check = await RecallFilesProcess.RunAsync(new Dictionary<string, string>(), checkout, "check");
        TestContext.WriteLine(first.Out + first.Err + second.Out + second.Err + check.Out + check.Err);

        Assert.AreEqual(0, first.Exit, first.Err);
        Assert.AreEqual(0, second.Exit, second.Err);
        StringAssert.Contains(second.Out, "nothing changed");
        var cluster = ClusterLine().Match(first.Out).Groups[1].Value;
        Assert.IsGreaterThan(0, cluster.Length, "the run says where the cluster is");
        if (Environment.IsPrivilegedProcess)
        {
            StringAssert.StartsWith(cluster, Path.GetTempPath(), "as root, beside the 0700 checkout the postgres account cannot enter");
        }

        Assert.AreEqual(0, check.Exit, check.Out + check.Err);
        StringAssert.Contains(check.Out, "No configuration: checking the embedded default");
        StringAssert.Contains(check.Out, "OK   database cloud (private cluster): PostgreSQL ");
        StringAssert.Contains(check.Out, "OK   database DEMO-01:");
        Assert.IsEmpty(PostgresProcesses(cluster), "no PostgreSQL of the product is left running");
    }

    [TestMethod]
    public async Task Stop_EndsALeftoverCluster_AndSaysSoWhenNoneRuns()
    {
        var checkout = await CloneAsync();
        var data = Path.Combine(checkout, ".recallfiles");
        Directory.CreateDirectory(data);
        // A host that was killed leaves its cluster running: start one as the host would, and never stop it here.
        var folder = await global::RecallFiles.Scheduler.Hosting.EmbeddedCluster.FolderAsync(data, TestContext.CancellationToken);
        var leftover = await global::RecallFiles.Importer.Database.PostgresCluster.StartAsync(folder, cancellationToken: TestContext.CancellationToken);
        Assert.IsNotEmpty(PostgresProcesses(leftover.Folder));

        var stop = await RecallFilesProcess.RunAsync(new Dictionary<string, string>(), checkout, "stop");
        var again = await RecallFilesProcess.RunAsync(new Dictionary<string, string>(), checkout, "stop");

        Assert.AreEqual(0, stop.Exit, stop.Err);
        StringAssert.Contains(stop.Out, $"stopped the private PostgreSQL cluster in {leftover.Folder}");
        Assert.IsEmpty(PostgresProcesses(leftover.Folder));
        Assert.AreEqual(0, again.Exit, again.Err);
        StringAssert.Contains(again.Out, "no private PostgreSQL cluster is running");
    }

    private async Task<string> CloneAsync()
    {
        // CreateTempSubdirectory makes the folder 0700: like root's home, other users (postgres) cannot enter it.
        var locked = Directory.CreateTempSubdirectory("rf-first-run-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(locked));
        }

        var checkout = Path.Combine(locked, "recallfiles");
        using var git = Process.Start(new ProcessStartInfo("git", ["clone", "--quiet", "--no-hardlinks", Approved.RepoRoot, checkout]) { RedirectStandardError = true })!;
        await git.WaitForExitAsync(TestContext.CancellationToken);
        Assert.AreEqual(0, git.ExitCode, await git.StandardError.ReadToEndAsync(TestContext.CancellationToken));
        return checkout;
    }

    /// <summary>The pids of processes whose command line names <paramref name="clusterFolder"/> (postgres -D {folder}/pgdata).</summary>
    private static List<int> PostgresProcesses(string clusterFolder)
    {
        var found = new List<int>();
        foreach (var directory in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            string commandLine;
            try
            {
                commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
            }
            catch (IOException)
            {
                continue; // the process ended while we looked
            }

            if (commandLine.Contains(clusterFolder, StringComparison.Ordinal))
            {
                found.Add(pid);
            }
        }

        return found;
    }

    [GeneratedRegex(@"database    private PostgreSQL cluster in (\S+)")]
    private static partial Regex ClusterLine();
}
