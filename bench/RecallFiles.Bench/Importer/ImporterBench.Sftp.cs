using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace RecallFiles.Bench.Importer;

internal static partial class ImporterBench
{
    /// <summary>The small-files run: files per second, drop-to-feed latency (p50, p99, seconds) and the CPU a file costs each process.</summary>
    internal sealed record SftpResult(double FilesPerSecond, double LatencyP50, double LatencyP99, string CpuPerFile);

    /// <summary>
    /// Many small files from many practices through a real OpenSSH sshd on 127.0.0.1, all eligible when the import starts
    /// (a backlog): files per second, and each file's drop-to-feed latency, from the start (every file is eligible then)
    /// to its load's feed commit (<c>feed_commits.committed_at</c>, when its events become readable by the feed).
    /// </summary>
    private static async Task<SftpResult> SftpAsync(NpgsqlDataSource dataSource, string dll, string work, RecallFiles.Importer.Database.PostgresCluster cluster, int practices, int perPractice)
    {
        var connectionString = cluster.ConnectionString;
        await using var sshd = await LoopbackSshd.StartAsync(work);
        var root = sshd.Root;
        var ids = Enumerable.Range(0, practices).Select(p => $"S{p:D4}").ToArray();
        await MirrorPracticesAsync(dataSource, ids);
        foreach (var (id, p) in ids.Select((id, p) => (id, p)))
        {
            var folder = Path.Combine(root, id, "appointments");
            Directory.CreateDirectory(folder);
            for (var f = 0; f < perPractice; f++)
            {
                // Each file on its own day (08:00-12:59), stamped 18:00 the evening before: a snapshot covers its window from
                // its stamp on, so a later file's window starts after every row of the earlier ones (no removals, no holds).
                var day = new DateTime(2026, 11, 23).AddDays(f);
                var text = new StringBuilder(Header).Append("\r\n");
                for (var r = 0; r < 300; r++)
                {
                    text.Append(CultureInfo.InvariantCulture,
                        $"{id}-{f}-{r},{day:dd/MM/yyyy},{8 + r / 60:D2}:{r % 60:D2},,+34 6{p:D4}{r:D4},p{r}@example.org,DDS{r % 5},Dr. R{r % 5},,,L1,Main\r\n");
                }

                var path = Path.Combine(folder, $"APPOINTMENTS_{id}_{day.AddHours(-6):yyyyMMdd'T'HHmmss'Z'}.csv");
                await File.WriteAllTextAsync(path, text.ToString());
                File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-10).AddSeconds(f));
            }
        }

        var settings = Path.Combine(work, "sftp.json");
        WriteConfig(settings, work, connectionString,
            sshd.DropBox("00:00:00"),
            ids.ToDictionary(id => id, _ => (object)new { TimeZone = "UTC", WindowAhead = "30.00:00:00" }));
        Console.Error.WriteLine($"sftp: {practices * perPractice} files ready");
        var logStatements = Environment.GetEnvironmentVariable("RF_BENCH_STATEMENTS") == "1";
        if (logStatements)
        {
            // Every statement the import sends, counted per file after the run (a diagnosis aid, not for the figures).
            await using var on = dataSource.CreateCommand("ALTER SYSTEM SET log_statement = 'all'");
            await on.ExecuteNonQueryAsync();
            await using var reload = dataSource.CreateCommand("SELECT pg_reload_conf()");
            await reload.ExecuteNonQueryAsync();
        }

        var postgresBefore = CpuSeconds(PostmasterPid(cluster));
        var sshdBefore = CpuSeconds(sshd.ProcessId);
        var perf = Environment.GetEnvironmentVariable("RF_BENCH_PERF");
        var started = DateTime.UtcNow;
        string[] command = string.IsNullOrEmpty(perf)
            ? ["-v", "dotnet", dll, "import", "--once", "--config", settings]
            : ["-v", "perf", "record", "-F", "499", "-g", "-o", $"{perf}-sftp.data", "dotnet", dll, "import", "--once", "--config", settings];
        var (seconds, output) = await Timed("/usr/bin/time", command, work,
            string.IsNullOrEmpty(perf) ? null : new Dictionary<string, string> { ["DOTNET_PerfMapEnabled"] = "1", ["DOTNET_EnableWriteXorExecute"] = "0" });
        var client = double.Parse(UserTime().Match(output).Groups[1].Value, CultureInfo.InvariantCulture)
            + double.Parse(SystemTime().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        // A backend's CPU reaches the postmaster's children total once it has exited and been reaped, a moment after the import's exit.
        await WaitForBackendsAsync(dataSource);
        var postgres = CpuSeconds(PostmasterPid(cluster)) - postgresBefore;
        var sshdCpu = CpuSeconds(sshd.ProcessId) - sshdBefore;
        var files = (double)practices * perPractice;
        var cpuPerFile = string.Create(CultureInfo.InvariantCulture,
            $"CPU a file: importer {client * 1000 / files:0.0}, PostgreSQL {postgres * 1000 / files:0.0}, sshd {sshdCpu * 1000 / files:0.0} ms");
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  sftp {cpuPerFile} (wall {seconds * 1000 / files:0.0} ms)"));
        if (logStatements)
        {
            var statements = File.ReadLines(cluster.LogPath).Where(l => l.Contains("LOG:  statement:", StringComparison.Ordinal) || l.Contains("LOG:  execute", StringComparison.Ordinal))
                .Select(l => Regex.Replace(l[(l.IndexOf("LOG:", StringComparison.Ordinal) + 5)..], @"\d+", "N")).Select(l => l.Length > 150 ? l[..150] : l).ToList();
            Console.Error.WriteLine($"  statements: {statements.Count} ({statements.Count / files:0.0} a file); most frequent:");
            foreach (var g in statements.GroupBy(x => x).OrderByDescending(g => g.Count()).Take(40))
            {
                Console.Error.WriteLine($"    {g.Count(),7}  {g.Key}");
            }
        }

        await Expect(dataSource, "SELECT count(*) FROM batches WHERE state = 'applied' AND remote_done", practices * perPractice);
        await Expect(dataSource, "SELECT count(*) FROM appointments", practices * perPractice * 300L);
        await using var latency = dataSource.CreateCommand("""
            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s), percentile_cont(0.99) WITHIN GROUP (ORDER BY s)
            FROM (SELECT extract(epoch FROM committed_at - $1)::float8 AS s FROM feed_commits WHERE batch_id IS NOT NULL) c
            """);
        latency.Parameters.Add(new NpgsqlParameter { Value = started, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        await using var read = await latency.ExecuteReaderAsync();
        await read.ReadAsync();
        var (p50, p99) = (read.GetDouble(0), read.GetDouble(1));
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  sftp: {seconds:0.0} s, drop-to-feed latency p50 {p50:0.0} s, p99 {p99:0.0} s"));
        return new SftpResult(practices * perPractice / seconds, p50, p99, cpuPerFile);
    }

    /// <summary>Waits (at most 30 s) until no client backend is left but this bench's own connection.</summary>
    private static async Task WaitForBackendsAsync(NpgsqlDataSource dataSource)
    {
        dataSource.Clear(); // this bench's idle connections: only the one asking is left
        for (var i = 0; i < 300; i++)
        {
            await using var count = dataSource.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND datname = current_database() AND application_name = ''");
            if ((long)(await count.ExecuteScalarAsync())! == 0)
            {
                await Task.Delay(200);
                return;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>User + system CPU of a process and of its children that ended (PostgreSQL backends, sshd sessions), in seconds.</summary>
    internal static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After the command: state is field 3; utime, stime, cutime, cstime are fields 14-17 (clock ticks, 100 a second).
        return Enumerable.Range(11, 4).Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture)) / 100.0;
    }

    internal static int PostmasterPid(RecallFiles.Importer.Database.PostgresCluster cluster) =>
        int.Parse(File.ReadLines(Path.Combine(cluster.Folder, "pgdata", "postmaster.pid")).First(), CultureInfo.InvariantCulture);

    private static async Task MirrorPracticesAsync(NpgsqlDataSource dataSource, string[] ids) =>
        await RecallFiles.Importer.Practices.PracticeStore.MirrorAsync(dataSource,
            ids.Select(id => new RecallFiles.Importer.Practices.PracticeOptions { Id = id, WindowAhead = TimeSpan.FromDays(30) }));
}
