using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using RecallFiles.Importer.Database;
using RecallFiles.Importer.Practices;

namespace RecallFiles.Bench.Importer;

/// <summary>
/// <c>dotnet run -c Release --project bench/RecallFiles.Bench -- importer [--rows N] [--rounds N] [--sftp-practices N] [--sftp-files-per-practice N] [--skip-sftp]</c>
/// (build Scheduler in Release first). Measures, against a private PostgreSQL cluster started here (fsync on):
/// the end-to-end import of a large file through <c>recallfiles import --once</c> from a local drop box against a SQL-only
/// reference doing the same database work (psql <c>\copy</c> into a temporary staging table, then
/// <c>INSERT … ON CONFLICT</c> into the same appointments table), for a first load and for a re-load of an unchanged
/// snapshot, each pair alternated within the run; a bare psql <c>\copy</c> into an unindexed table for context; peak
/// memory (max RSS of the importer process); and many small files through a real sshd. Prints a Markdown report.
/// </summary>
internal static partial class ImporterBench
{
    private const string Header = "APP_LID,APP_DATE,APP_START_TIME,USER_LANDLINE_PHONE,USER_MOBILE_PHONE,USER_EMAIL,RESOURCE_LID,RESOURCE_NAME,RESOURCE_MOBILE_PHONE,RESOURCE_EMAIL,LOCATION_LID,LOCATION_NAME";

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = IntArg(args, "--rows", 1_000_000);
        var rounds = IntArg(args, "--rounds", 3);
        var sftpPractices = IntArg(args, "--sftp-practices", 1000);
        var sftpPerPractice = IntArg(args, "--sftp-files-per-practice", 10);
        var skipSftp = args.Contains("--skip-sftp");
        if (args.Contains("--sftp-only"))
        {
            rounds = 0;
        }
        var repo = FindRepo();
        var dll = Path.Combine(repo, "Scheduler", "bin", "Release", "net10.0", "recallfiles.dll");
        if (!File.Exists(dll))
        {
            Console.Error.WriteLine($"{dll} is missing: run 'dotnet build Scheduler -c Release' first");
            return 2;
        }

        var work = Directory.CreateTempSubdirectory("rf-bench-importer-").FullName;
        Console.Error.WriteLine($"work folder {work}");
        // The cluster gets a temp folder of its own: when run as root, the postgres account must be able to reach it.
        var pgFolder = Directory.CreateTempSubdirectory("rf-bench-pg-").FullName;
        await using var cluster = await PostgresCluster.StartAsync(pgFolder, new PostgresClusterOptions { Database = "bench" });
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        await Migrator.MigrateAsync(dataSource);
        var wide = TimeSpan.FromDays(30);
        await PracticeStore.MirrorAsync(dataSource, [new PracticeOptions { Id = "BIG", WindowAhead = wide }, new PracticeOptions { Id = "REF", WindowAhead = wide }]);

        var big = Path.Combine(work, "big-crlf.csv");
        var bigLf = Path.Combine(work, "big-lf.csv");
        Generate(big, rows, "\r\n");
        Generate(bigLf, rows, "\n");
        Console.Error.WriteLine($"generated {rows} rows, {new FileInfo(big).Length / 1e6:0.0} MB");

        var dropBox = Path.Combine(work, "dropbox");
        Directory.CreateDirectory(dropBox);
        var config = Path.Combine(work, "appsettings.json");
        WriteConfig(config, work, cluster.ConnectionString, new { Kind = "Local", RootPath = dropBox, MinFileAge = "00:00:00" },
            new Dictionary<string, object> { ["BIG"] = new { TimeZone = "UTC", WindowAhead = "30.00:00:00" } });

        var results = new Dictionary<string, List<double>>();
        var memory = new List<long>();
        void Record(string name, double seconds)
        {
            if (!results.TryGetValue(name, out var list))
            {
                results[name] = list = [];
            }

            list.Add(seconds);
            Console.Error.WriteLine($"  {name}: {seconds:0.00} s");
        }

        var stamp = 0;
        async Task Ours()
        {
            await Reset(dataSource);
            var (first, rss1, cpu1) = await Import(dll, config, work, dropBox, big, ++stamp);
            await Expect(dataSource, "SELECT count(*) FROM appointments WHERE practice_id = 'BIG'", rows);
            var (reload, rss2, cpu2) = await Import(dll, config, work, dropBox, bigLf, ++stamp);
            await Expect(dataSource, "SELECT count(*) FROM batches WHERE state = 'applied'", 2);
            await Expect(dataSource, "SELECT count(*) FROM appointment_events", rows); // the re-load added no event
            Record("ours first load", first);
            Record("ours re-load", reload);
            Record("ours first load, client CPU (user + sys)", cpu1);
            Record("ours re-load, client CPU (user + sys)", cpu2);
            memory.Add(Math.Max(rss1, rss2));
        }

        async Task Reference()
        {
            await Reset(dataSource);
            Record("reference first load", await Psql(cluster, work, ReferenceSql(big)));
            await Expect(dataSource, "SELECT count(*) FROM appointments WHERE practice_id = 'REF'", rows);
            Record("reference re-load", await Psql(cluster, work, ReferenceSql(bigLf)));
        }

        for (var round = 0; round < rounds; round++)
        {
            Console.Error.WriteLine($"round {round + 1}/{rounds}");
            if (round % 2 == 0)
            {
                await Ours();
                await Reference();
            }
            else
            {
                await Reference();
                await Ours();
            }

            Record("bare \\copy (unindexed)", await Psql(cluster, work,
                $"DROP TABLE IF EXISTS bare; CREATE TABLE bare ({string.Join(", ", Header.Split(',').Select(c => c.ToLowerInvariant() + " text"))});\n" +
                $"\\copy bare FROM '{big}' WITH (FORMAT csv, HEADER true)\n"));
        }

        SftpResult? sftp = null;
        var sftpFiles = sftpPractices * sftpPerPractice;
        if (!skipSftp)
        {
            await Reset(dataSource);
            sftp = await SftpAsync(dataSource, dll, work, cluster, sftpPractices, sftpPerPractice);
        }

        double Median(string name) => results[name].Order().ElementAt(results[name].Count / 2);
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z, {Environment.ProcessorCount} cores, {rows:N0} rows ({new FileInfo(big).Length / 1e6:0} MB), {rounds} alternated rounds, medians:");
        report.AppendLine();
        report.AppendLine("| measurement | seconds (median) | all runs | rows/s |");
        report.AppendLine("|---|---:|---|---:|");
        foreach (var (name, list) in results)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {Median(name):0.00} | {string.Join(" / ", list.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)))} | {rows / Median(name):N0} |");
        }

        report.AppendLine();
        if (rounds > 0)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"- first load: ours / reference throughput = **{Median("reference first load") / Median("ours first load"):0.00}×** (target ≥ 1.0×, issue 18)");
            report.AppendLine(CultureInfo.InvariantCulture, $"- re-load of an unchanged snapshot: **{Median("reference re-load") / Median("ours re-load"):0.00}×** (target ≥ 2.0×, issue 18)");
            report.AppendLine(CultureInfo.InvariantCulture, $"- bare \\copy into an unindexed table / ours first load: {Median("bare \\copy (unindexed)") / Median("ours first load"):0.00}×");
            report.AppendLine(CultureInfo.InvariantCulture, $"- peak memory (max RSS of `recallfiles import --once`): **{memory.Max() / 1024.0:0} MB** (target ≤ 200 MB, issue 18)");
        }

        if (sftp is not null)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"- {sftpFiles:N0} files of 300 rows from {sftpPractices:N0} practices through real sshd: **{sftp.FilesPerSecond:0.0} files/s** (target ≥ 50 for 10,000 files from 1,000 practices, issue 18); drop-to-feed latency p50 {sftp.LatencyP50:0.0} s, p99 {sftp.LatencyP99:0.0} s (all files eligible at the start); {sftp.CpuPerFile}");
        }

        Console.WriteLine(report);
        Report.BenchMeasures.Importer(rows, results, memory, sftp, sftpFiles, sftpPractices);
        await cluster.StopAsync();
        Directory.Delete(work, recursive: true);
        Directory.Delete(pgFolder, recursive: true);
        return 0;
    }

    private static void Generate(string path, int rows, string newline)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        writer.Write(Header + newline);
        for (var i = 0; i < rows; i++)
        {
            var day = 23 + (i % 4);
            var minute = (i / 4) % 600;
            writer.Write(string.Create(CultureInfo.InvariantCulture,
                $"APP{i:D8},{day:D2}/11/2026,{8 + (minute / 60):D2}:{minute % 60:D2},,+34 6{i % 100_000_000:D8},patient{i}@example.org,DDS{i % 40},Dr. Resource {i % 40},,,L{i % 3},Clinic {i % 3}{newline}"));
        }
    }

    private static string ReferenceSql(string file)
    {
        const string cols = "starts_at, app_date, app_start_time, user_landline_phone, user_mobile_phone, user_email, resource_lid, resource_name, resource_mobile_phone, resource_email, location_lid, location_name";
        var set = string.Join(", ", cols.Split(", ").Select(c => $"{c} = excluded.{c}"));
        return $"""
            BEGIN;
            CREATE TEMP TABLE staging ({string.Join(", ", Header.Split(',').Select(c => c.ToLowerInvariant() + " text"))}) ON COMMIT DROP;
            \copy staging FROM '{file}' WITH (FORMAT csv, HEADER true)
            INSERT INTO appointments AS a (practice_id, app_lid, {cols}, first_batch_id, last_batch_id, last_change)
            SELECT 'REF', app_lid, to_timestamp(app_date || ' ' || coalesce(app_start_time, '00:00'), 'DD/MM/YYYY HH24:MI')::timestamp,
                   to_date(app_date, 'DD/MM/YYYY'), app_start_time::time, user_landline_phone, user_mobile_phone, user_email, resource_lid,
                   resource_name, resource_mobile_phone, resource_email, location_lid, location_name, 0, 0, 'added'
            FROM staging
            ON CONFLICT (practice_id, app_lid) DO UPDATE SET {set}
            WHERE ({string.Join(", ", cols.Split(", ").Select(c => "a." + c))}) IS DISTINCT FROM ({string.Join(", ", cols.Split(", ").Select(c => "excluded." + c))});
            COMMIT;

            """;
    }

    private static async Task Reset(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("TRUNCATE appointment_events, appointments, batch_row_errors, batch_history, batches RESTART IDENTITY; CHECKPOINT");
        await command.ExecuteNonQueryAsync();
    }

    private static async Task Expect(NpgsqlDataSource dataSource, string sql, long expected)
    {
        await using var command = dataSource.CreateCommand(sql);
        var actual = (long)(await command.ExecuteScalarAsync())!;
        if (actual != expected)
        {
            // Say what the batches became, so a failed expectation can be understood without the (deleted) cluster.
            await using var states = dataSource.CreateCommand(
                "SELECT string_agg(state || ' ' || remote_done || ' x' || n || ': ' || reason, E'\\n') FROM (SELECT state, remote_done, left(coalesce(reason, ''), 200) AS reason, count(*) AS n FROM batches GROUP BY 1, 2, 3 ORDER BY 4 DESC LIMIT 10) s");
            throw new InvalidOperationException($"{sql}: expected {expected}, got {actual}\n{await states.ExecuteScalarAsync()}");
        }
    }

    private static async Task<(double Seconds, long MaxRssKb, double CpuSeconds)> Import(string dll, string config, string work, string dropBox, string source, int stamp)
    {
        var folder = Path.Combine(dropBox, "BIG", "appointments");
        Directory.CreateDirectory(folder);
        var name = $"APPOINTMENTS_BIG_20261123T{stamp / 60:D2}{stamp % 60:D2}00Z.csv";
        File.Copy(source, Path.Combine(folder, name));
        var perf = Environment.GetEnvironmentVariable("RF_BENCH_PERF");
        string[] command = string.IsNullOrEmpty(perf)
            ? ["-v", "dotnet", dll, "import", "--once", "--config", config]
            : ["-v", "perf", "record", "-F", "499", "-g", "-o", $"{perf}-{stamp}.data", "dotnet", dll, "import", "--once", "--config", config];
        var (seconds, output) = await Timed("/usr/bin/time", command, work,
            string.IsNullOrEmpty(perf) ? null : new Dictionary<string, string> { ["DOTNET_PerfMapEnabled"] = "1", ["DOTNET_EnableWriteXorExecute"] = "0" });
        if (!output.Contains("1 batch(es) finished", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("import did not finish the batch:\n" + output);
        }

        var rss = long.Parse(MaxRss().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        // The child's own CPU (user + system): the cost of our code, far less noisy than wall time, which mostly waits on PostgreSQL.
        var cpu = double.Parse(UserTime().Match(output).Groups[1].Value, CultureInfo.InvariantCulture)
            + double.Parse(SystemTime().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        return (seconds, rss, cpu);
    }

    private static async Task<double> Psql(PostgresCluster cluster, string work, string sql)
    {
        var script = Path.Combine(work, "script.sql");
        await File.WriteAllTextAsync(script, sql);
        var b = new NpgsqlConnectionStringBuilder(cluster.ConnectionString);
        return (await Timed("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", b.Port.ToString(CultureInfo.InvariantCulture), "-U", b.Username!, "-d", b.Database!, "-f", script], work,
            new Dictionary<string, string> { ["PGPASSWORD"] = b.Password! })).Seconds;
    }

    internal static async Task<(double Seconds, string Output)> Timed(string program, IEnumerable<string> args, string work, IReadOnlyDictionary<string, string>? env = null)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = work };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        watch.Stop();
        var output = await stdout + await stderr;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} exited with {process.ExitCode}:\n{output}");
        }

        return (watch.Elapsed.TotalSeconds, output);
    }

    internal static void WriteConfig(string path, string work, string connectionString, object dropBox, IReadOnlyDictionary<string, object> practices)
    {
        var config = new Dictionary<string, object>
        {
            ["RecallFiles"] = new Dictionary<string, object>
            {
                ["DataFolder"] = Path.Combine(work, "data"),
                ["Database"] = new { ConnectionString = connectionString },
                ["Importer"] = new { ArchiveFolder = Path.Combine(work, "archive"), MaxParallelPolls = 4 },
                ["DropBoxes"] = new Dictionary<string, object> { ["default"] = dropBox },
                ["Practices"] = practices,
            },
        };
        File.WriteAllText(path, JsonSerializer.Serialize(config));
    }

    internal static int IntArg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    internal static string FindRepo()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "RecallFiles.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("run the bench from inside the repository");
    }

    [GeneratedRegex(@"Maximum resident set size \(kbytes\): (\d+)")]
    internal static partial Regex MaxRss();

    [GeneratedRegex(@"User time \(seconds\): ([\d.]+)")]
    private static partial Regex UserTime();

    [GeneratedRegex(@"System time \(seconds\): ([\d.]+)")]
    private static partial Regex SystemTime();
}
