using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using RecallFiles.Importer.Database;
using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Scheduler.Hosting;

/// <summary>
/// The cloud store when no <c>RecallFiles:Database:ConnectionString</c> is set: a private PostgreSQL cluster (issue 14).
/// <list type="bullet">
/// <item>Where: <c>{DataFolder}/postgres</c>; as root (the cluster then runs as the <c>postgres</c> account) when that
/// account cannot reach the data folder — a checkout under root's 0700 home — a per-checkout folder under the system
/// temporary directory, <c>{tmp}/recallfiles-{hash of the data folder}/postgres</c>, which it can.</item>
/// <item>When: started on demand by whichever verb needs it and stopped when that verb (or the host) ends, unless it was
/// already running — another process's, which it leaves alone. <c>recallfiles stop</c> ends a leftover (a killed host).</item>
/// </list>
/// </summary>
internal static class EmbeddedCluster
{
    // The clusters this CLI invocation started, stopped when it ends (RecallFilesCli.RunAsync). Async-local: tests run
    // several invocations in one process at once, each stopping only its own.
    private static readonly AsyncLocal<List<PostgresCluster>?> Started = new();

    /// <summary>Opens a scope: clusters started inside it are stopped by <see cref="StopStartedAsync"/>.</summary>
    public static void BeginScope() => Started.Value = [];

    /// <summary>Stops every cluster this scope started; returns how many.</summary>
    public static async Task<int> StopStartedAsync()
    {
        var started = Started.Value;
        Started.Value = null;
        if (started is null)
        {
            return 0;
        }

        foreach (var cluster in started)
        {
            await cluster.StopAsync(CancellationToken.None);
        }

        return started.Count;
    }

    /// <summary>Starts (or joins) the private cluster of <paramref name="dataFolder"/>; one this call started is stopped at the end of the scope.</summary>
    public static async Task<PostgresCluster> StartAsync(string dataFolder, CancellationToken cancellationToken)
    {
        var cluster = await PostgresCluster.StartAsync(await FolderAsync(dataFolder, cancellationToken), cancellationToken: cancellationToken);
        if (cluster.StartedHere)
        {
            Started.Value?.Add(cluster);
        }

        return cluster;
    }

    /// <summary>The folders a cluster of <paramref name="dataFolder"/> may be in: the data folder's own, then the temporary one.</summary>
    public static IReadOnlyList<string> Candidates(string dataFolder) => [Inside(dataFolder), Outside(dataFolder)];

    /// <summary>Where the cluster of <paramref name="dataFolder"/> lives (see the class summary).</summary>
    public static async Task<string> FolderAsync(string dataFolder, CancellationToken cancellationToken)
    {
        var inside = Inside(dataFolder);
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess
            || File.Exists(Path.Combine(inside, "pgdata", "PG_VERSION")) || await PostgresCanReachAsync(dataFolder, cancellationToken))
        {
            return inside;
        }

        var outside = Outside(dataFolder);
        var parent = Path.GetDirectoryName(outside)!;
        if (Directory.Exists(parent))
        {
            // Made by someone else in a world-writable folder? Then it is not ours: refuse rather than chown what it holds.
            var info = new DirectoryInfo(parent);
            var owner = (await RunAsync("stat", ["-c", "%u", parent], asPostgres: false, cancellationToken)).Out.Trim();
            if (info.LinkTarget is not null || owner != "0")
            {
                throw new InvalidOperationException($"{parent} exists but was not made by root for RecallFiles (owner uid {owner}{(info.LinkTarget is null ? "" : ", a symbolic link")}); remove it and start again");
            }
        }
        else
        {
            // Root's, and passable (not readable) by the postgres account, which owns the cluster folder inside.
            Directory.CreateDirectory(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherExecute);
        }

        return outside;
    }

    /// <summary>Stops a running cluster of <paramref name="dataFolder"/> wherever it lives; the folders whose server was stopped.</summary>
    public static async Task<IReadOnlyList<string>> StopLeftoverAsync(string dataFolder, CancellationToken cancellationToken)
    {
        var stopped = new List<string>();
        foreach (var folder in Candidates(dataFolder))
        {
            if (await PostgresCluster.StopRunningAsync(folder, cancellationToken))
            {
                stopped.Add(folder);
            }
        }

        return stopped;
    }

    private static string Inside(string dataFolder) => Path.Combine(Path.GetFullPath(dataFolder), "postgres");

    private static string Outside(string dataFolder)
    {
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataFolder))))[..16].ToLowerInvariant();
        return Path.Combine(Path.GetTempPath(), $"recallfiles-{hash}", "postgres");
    }

    private static async Task<bool> PostgresCanReachAsync(string path, CancellationToken cancellationToken)
    {
        DataFolders.Create(path);
        return (await RunAsync("test", ["-x", Path.GetFullPath(path)], asPostgres: true, cancellationToken)).Exit == 0;
    }

    private static async Task<(int Exit, string Out)> RunAsync(string program, IReadOnlyList<string> arguments, bool asPostgres, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] prefix = asPostgres ? ["-u", "postgres", "--", program] : [];
        foreach (var argument in prefix.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        _ = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await output);
    }
}
