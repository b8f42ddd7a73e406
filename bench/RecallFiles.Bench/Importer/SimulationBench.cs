using System.Globalization;
using System.Text;
using Npgsql;
using RecallFiles.Importer.Database;
using RecallFiles.Transport;

namespace RecallFiles.Bench.Importer;

/// <summary>
/// <c>simulate [--practices N] [--day-minutes N] [--minutes N] [--big-rows N] [--poll-cron CRON] [--drain-minutes N]</c>
/// (issue 18 part 6; build Scheduler in Release first): N practices dropping a 300-row snapshot at their real cadence
/// (every 4 hours, time compressed: one simulated day = <c>--day-minutes</c> wall minutes) through a real sshd on
/// loopback, picked up by TWO <c>recallfiles run --role cloud</c> processes sharing one private PostgreSQL (and its
/// Hangfire storage); half-way, practice BIG drops a large snapshot. At the end: files/s, drop-to-feed latency
/// (feed_commits.committed_at − eligible time), the latency of small files while BIG loaded, duplicates and losses
/// (exit 1 unless both are 0), CPU per file. Prints a Markdown report.
/// </summary>
internal static partial class SimulationBench
{
    private const string Header = "APP_LID,APP_DATE,APP_START_TIME,USER_LANDLINE_PHONE,USER_MOBILE_PHONE,USER_EMAIL,RESOURCE_LID,RESOURCE_NAME,RESOURCE_MOBILE_PHONE,RESOURCE_EMAIL,LOCATION_LID,LOCATION_NAME";
    private const int RowsPerFile = 300;
    private static readonly TimeSpan MinFileAge = TimeSpan.FromSeconds(2);

    /// <summary>One dropped file: its practice, name, when it was renamed into place and when it became eligible.</summary>
    private sealed record Drop(string Practice, string Name, DateTime DroppedUtc, DateTime EligibleUtc);

    public static async Task<int> RunAsync(string[] args)
    {
        var practices = ImporterBench.IntArg(args, "--practices", 300);
        var dayMinutes = ImporterBench.IntArg(args, "--day-minutes", 10);
        var minutes = ImporterBench.IntArg(args, "--minutes", 10);
        var bigRows = ImporterBench.IntArg(args, "--big-rows", 1_000_000);
        var drainMinutes = ImporterBench.IntArg(args, "--drain-minutes", 10);
        var i = Array.IndexOf(args, "--poll-cron");
        var pollCron = i >= 0 && i + 1 < args.Length ? args[i + 1] : "*/10 * * * * *";
        var commandLine = "simulate " + string.Join(' ', args);
        var loadAtStart = File.ReadAllText("/proc/loadavg").Trim();
        var repo = ImporterBench.FindRepo();
        var dll = Path.Combine(repo, "Scheduler", "bin", "Release", "net10.0", "recallfiles.dll");
        if (!File.Exists(dll))
        {
            Console.Error.WriteLine($"{dll} is missing: run 'dotnet build Scheduler -c Release' first");
            return 2;
        }

        var period = TimeSpan.FromMinutes(dayMinutes) / 6; // 6 snapshots a day (every 4 hours)
        var work = Directory.CreateTempSubdirectory("rf-bench-simulate-").FullName;
        Console.Error.WriteLine($"work folder {work}; a practice drops every {period.TotalSeconds:0} s");
        var pgFolder = Directory.CreateTempSubdirectory("rf-bench-pg-").FullName;
        await using var cluster = await PostgresCluster.StartAsync(pgFolder, new PostgresClusterOptions { Database = "simulation" });
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        await Migrator.MigrateAsync(dataSource);
        await using var sshd = await LoopbackSshd.StartAsync(work);

        var ids = Enumerable.Range(0, practices).Select(p => $"P{p:D4}").ToArray();
        foreach (var id in ids.Append("BIG"))
        {
            Directory.CreateDirectory(Path.Combine(sshd.Root, id, "appointments"));
        }

        // Every appointment between 1 and 48 hours after the start, inside every stamp's window (24 h back, 72 h ahead).
        var start = DateTime.UtcNow;
        var firstSlot = new DateTime(start.Year, start.Month, start.Day, start.Hour, 0, 0, DateTimeKind.Unspecified).AddHours(2);
        var bigTemp = Path.Combine(sshd.Root, "BIG", "appointments", FileNameRules.TemporaryNameFor("big.csv"));
        GenerateBig(bigTemp, bigRows, firstSlot);
        Console.Error.WriteLine($"generated BIG: {bigRows:N0} rows, {new FileInfo(bigTemp).Length / 1e6:0.0} MB");

        var servers = new List<Server>();
        try
        {
            // One after the other: two servers installing Hangfire's schema at the same moment log a serialization failure.
            foreach (var name in new[] { "sim-a", "sim-b" })
            {
                var server = await Server.StartAsync(dll, work, name, cluster.ConnectionString, sshd.DropBox(MinFileAge.ToString("c", CultureInfo.InvariantCulture)), pollCron, ids.Append("BIG"));
                servers.Add(server);
                await server.WaitReadyAsync(TimeSpan.FromMinutes(3));
            }

            Console.Error.WriteLine("both servers answer /health/live");
            var cpuBefore = servers.Select(s => ImporterBench.CpuSeconds(s.ProcessId)).ToArray();
            var postgresBefore = ImporterBench.CpuSeconds(ImporterBench.PostmasterPid(cluster));
            var sshdBefore = ImporterBench.CpuSeconds(sshd.ProcessId);

            // The drop schedule: each practice every period from a random phase, for --minutes.
            var random = new Random(18);
            var dropStart = DateTime.UtcNow;
            var dropEnd = dropStart.AddMinutes(minutes);
            var schedule = new PriorityQueue<int, DateTime>();
            var offsets = new int[practices][];
            for (var p = 0; p < practices; p++)
            {
                schedule.Enqueue(p, dropStart + period * random.NextDouble());
                offsets[p] = Enumerable.Range(0, RowsPerFile).Select(r => r * 9).ToArray(); // minutes after firstSlot
            }

            var drops = new List<Drop>();
            var last = new Dictionary<string, Dictionary<string, DateTime>>(StringComparer.Ordinal);
            var bigAt = dropStart.AddMinutes(minutes / 2.0);
            Drop? big = null;
            while (schedule.TryPeek(out var p, out var due) && due < dropEnd)
            {
                if (big is null && bigAt <= due)
                {
                    await DelayUntil(bigAt);
                    big = DropFile(bigTemp, "BIG");
                    drops.Add(big);
                    Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} BIG dropped ({drops.Count} files so far)");
                    continue;
                }

                await DelayUntil(due);
                schedule.Dequeue();
                var id = ids[p];
                // The same APP_LIDs each time; about a tenth of them moved (so the load writes 'changed' events).
                for (var r = 0; r < RowsPerFile; r++)
                {
                    if (random.Next(10) == 0)
                    {
                        offsets[p][r] = random.Next(0, 46 * 60 / 5) * 5;
                    }
                }

                var rows = Enumerable.Range(0, RowsPerFile).ToDictionary(r => $"{id}-{r:D3}", r => firstSlot.AddMinutes(offsets[p][r]), StringComparer.Ordinal);
                var temp = Path.Combine(sshd.Root, id, "appointments", FileNameRules.TemporaryNameFor(id + ".csv"));
                await File.WriteAllTextAsync(temp, Csv(rows, p));
                drops.Add(DropFile(temp, id));
                last[id] = rows;
                schedule.Enqueue(p, due + period);
            }

            await DelayUntil(dropEnd);
            var dropped = dropEnd;
            Console.Error.WriteLine($"{dropped:HH:mm:ss} stopped dropping: {drops.Count} files; waiting for their batches (at most {drainMinutes} min)");
            var drained = await DrainAsync(dataSource, drops, TimeSpan.FromMinutes(drainMinutes));
            var cpu = servers.Select((s, k) => ImporterBench.CpuSeconds(s.ProcessId) - cpuBefore[k]).ToArray();
            foreach (var server in servers)
            {
                await server.StopAsync();
            }

            // The servers' backends have ended: their CPU is in the postmaster's children's time now.
            var postgresCpu = ImporterBench.CpuSeconds(ImporterBench.PostmasterPid(cluster)) - postgresBefore;
            var sshdCpu = ImporterBench.CpuSeconds(sshd.ProcessId) - sshdBefore;
            var outcome = await MeasureAsync(dataSource, drops, last, big, bigRows);
            var report = Report(outcome, new RunFacts(commandLine, loadAtStart, practices, period, minutes, bigRows, pollCron, dropStart, dropped, drained,
                cpu, postgresCpu, sshdCpu));
            Console.WriteLine(report);
            var failed = outcome.Duplicates > 0 || outcome.Losses > 0;
            if (!failed)
            {
                await cluster.StopAsync();
                Directory.Delete(work, recursive: true);
                Directory.Delete(pgFolder, recursive: true);
            }
            else
            {
                Console.Error.WriteLine($"duplicates or losses: kept {work} (servers' logs under */data/logs)");
            }

            return failed ? 1 : 0;
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    private static async Task DelayUntil(DateTime utc)
    {
        var wait = utc - DateTime.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
    }

    /// <summary>Renames a written file into place under its stamped name (atomic: the pickup never sees it half-written).</summary>
    private static Drop DropFile(string temp, string practice)
    {
        var now = DateTime.UtcNow;
        var name = $"APPOINTMENTS_{practice}_{now:yyyyMMdd'T'HHmmss'Z'}.csv";
        var target = Path.Combine(Path.GetDirectoryName(temp)!, name);
        if (File.Exists(target))
        {
            throw new InvalidOperationException($"{name} dropped twice in one second: lower --practices' cadence");
        }

        File.Move(temp, target);
        return new Drop(practice, name, now, now + MinFileAge);
    }

    private static string Csv(Dictionary<string, DateTime> rows, int practice)
    {
        var text = new StringBuilder(Header).Append("\r\n");
        var r = 0;
        foreach (var (lid, at) in rows)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"{lid},{at:dd/MM/yyyy},{at:HH:mm},,+34 6{practice:D4}{r:D4},p{r}@example.org,DDS{r % 5},Dr. R{r % 5},,,L1,Main\r\n");
            r++;
        }

        return text.ToString();
    }

    private static void GenerateBig(string path, int rows, DateTime firstSlot)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        writer.Write(Header + "\r\n");
        for (var r = 0; r < rows; r++)
        {
            var at = firstSlot.AddMinutes(r % (46 * 60));
            writer.Write(string.Create(CultureInfo.InvariantCulture,
                $"BIG{r:D8},{at:dd/MM/yyyy},{at:HH:mm},,+34 6{r % 100_000_000:D8},patient{r}@example.org,DDS{r % 40},Dr. Resource {r % 40},,,L{r % 3},Clinic {r % 3}\r\n"));
        }
    }

    /// <summary>Waits until every dropped file has a batch in a final state (or the time is up); returns when that was, or null.</summary>
    private static async Task<DateTime?> DrainAsync(NpgsqlDataSource dataSource, List<Drop> drops, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (true)
        {
            var final = new HashSet<(string, string)>();
            await using (var command = dataSource.CreateCommand("SELECT practice_id, remote_name FROM batches WHERE state IN ('applied', 'failed', 'superseded', 'duplicate', 'needs_review')"))
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    final.Add((reader.GetString(0), reader.GetString(1)));
                }
            }

            var open = drops.Count(d => !final.Contains((d.Practice, d.Name)));
            if (open == 0)
            {
                return DateTime.UtcNow;
            }

            if (DateTime.UtcNow > until)
            {
                Console.Error.WriteLine($"{open} file(s) still without a final batch after {limit.TotalMinutes:0} min");
                return null;
            }

            Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {open} file(s) without a final batch yet");
            await Task.Delay(TimeSpan.FromSeconds(5));
        }
    }
}
