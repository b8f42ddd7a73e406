using System.Globalization;
using System.Text;
using Npgsql;
using RecallFiles.Importer.Database;
using RecallFiles.Importer.Practices;

namespace RecallFiles.Bench.Importer;

/// <summary>
/// Issue 13's 1 GB case (the 200 MB one is HostileFileProcessTests in the suite): a file of about 1 GB whose every
/// APP_DATE is 2,000 characters long, then an honest file of the same practice, imported by <c>recallfiles import
/// --once</c> under <c>/usr/bin/time -v</c>. Run twice: with the default MaxFileBytes (512 MB) the file is refused at
/// listing; with the limit raised to 2 GB it is read, and its batch fails. Each run reports peak RSS, the error report's
/// size and what became of both files; the bench exits 1 when a bound (300 MB, 20 MB) or an outcome is wrong.
/// </summary>
internal static class HostileBench
{
    private const string Header = "APP_LID,APP_DATE,APP_START_TIME,USER_LANDLINE_PHONE,USER_MOBILE_PHONE,USER_EMAIL,RESOURCE_LID,RESOURCE_NAME,RESOURCE_MOBILE_PHONE,RESOURCE_EMAIL,LOCATION_LID,LOCATION_NAME";

    public static async Task<int> RunAsync(string[] args)
    {
        var megabytes = ImporterBench.IntArg(args, "--mb", 1024);
        var dll = Path.Combine(ImporterBench.FindRepo(), "Scheduler", "bin", "Release", "net10.0", "recallfiles.dll");
        var work = Directory.CreateTempSubdirectory("rf-bench-hostile-").FullName;
        var pgFolder = Directory.CreateTempSubdirectory("rf-bench-pg-").FullName;
        await using var cluster = await PostgresCluster.StartAsync(pgFolder, new PostgresClusterOptions { Database = "bench" });
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        await Migrator.MigrateAsync(dataSource);
        await PracticeStore.MirrorAsync(dataSource, [new PracticeOptions { Id = "ACME" }]);
        var big = Path.Combine(work, "big.csv");
        var rows = Generate(big, megabytes * 1024L * 1024);
        Console.Error.WriteLine($"generated {rows:N0} rows, {new FileInfo(big).Length / 1e6:0} MB");

        var failures = 0;
        var stamp = 8;
        foreach (var (label, maxBytes, expected) in new[] { ("default limit (512 MB)", (long?)null, "refused"), ("limit raised to 2 GB", 2L << 30, "failed") })
        {
            var dropBox = Path.Combine(work, $"dropbox-{stamp}");
            var folder = Directory.CreateDirectory(Path.Combine(dropBox, "ACME", "appointments")).FullName;
            var bigName = $"APPOINTMENTS_ACME_20261123T{stamp:00}0000Z.csv";
            var nextName = $"APPOINTMENTS_ACME_20261123T{stamp:00}3000Z.csv";
            File.Copy(big, Path.Combine(folder, bigName));
            await File.WriteAllTextAsync(Path.Combine(folder, nextName), Header + "\r\n" + string.Concat(
                Enumerable.Range(8, stamp - 7).Select(n => $"N{n},24/11/2026,09:30,,+34 600 123 456,n1@example.org,DDS1,Dr. Molina,,,L1,Main clinic\r\n")));
            File.SetLastWriteTimeUtc(Path.Combine(folder, bigName), DateTime.UtcNow.AddMinutes(-10));
            var config = Path.Combine(work, $"appsettings-{stamp}.json");
            object box = maxBytes is { } max
                ? new { Kind = "Local", RootPath = dropBox, MinFileAge = "00:00:00", MaxFileBytes = max }
                : new { Kind = "Local", RootPath = dropBox, MinFileAge = "00:00:00" };
            ImporterBench.WriteConfig(config, Path.Combine(work, $"run-{stamp}"), cluster.ConnectionString, box, new Dictionary<string, object> { ["ACME"] = new { TimeZone = "UTC" } });
            var (seconds, output) = await ImporterBench.Timed("/usr/bin/time", ["-v", "dotnet", dll, "import", "--once", "--config", config], work);
            var rssMb = long.Parse(ImporterBench.MaxRss().Match(output).Groups[1].Value, CultureInfo.InvariantCulture) / 1024;
            var report = new FileInfo(Path.Combine(dropBox, "ACME", "errors", bigName.Replace(".csv", ".errors.csv", StringComparison.Ordinal)));
            var reportKb = report.Exists ? report.Length / 1024 : 0;
            await using var command = dataSource.CreateCommand("SELECT COALESCE(string_agg(state, ' ' ORDER BY remote_name), '') FROM batches WHERE remote_name IN ($1, $2)");
            command.Parameters.Add(new NpgsqlParameter { Value = bigName });
            command.Parameters.Add(new NpgsqlParameter { Value = nextName });
            var states = (string)(await command.ExecuteScalarAsync())!;
            var bigOutcome = File.Exists(Path.Combine(folder, "failed", bigName)) && !states.Contains(' ', StringComparison.Ordinal) ? "refused" : states.Split(' ')[0];
            var nextApplied = states.EndsWith("applied", StringComparison.Ordinal);
            if (!nextApplied)
            {
                Console.Error.WriteLine($"batches: {states}\n{output}");
            }

            var ok = bigOutcome == expected && nextApplied && rssMb <= 300 && reportKb <= 20 * 1024;
            failures += ok ? 0 : 1;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label}: {megabytes} MB file {bigOutcome}, next file {(nextApplied ? "applied" : "NOT applied")}, peak RSS {rssMb} MB, report {reportKb} KB, {seconds:0.0} s{(ok ? "" : "  <-- FAILS a bound or an outcome")}"));
            foreach (var leftover in Directory.GetFiles(folder, bigName, SearchOption.AllDirectories))
            {
                File.Delete(leftover);
            }

            Directory.Delete(Path.Combine(work, $"run-{stamp}"), recursive: true);
            stamp++;
        }

        Directory.Delete(work, recursive: true);
        return failures == 0 ? 0 : 1;
    }

    // Rows of 2,000-character dates until the file reaches the size.
    private static long Generate(string path, long bytes)
    {
        var date = new string('9', 2_000);
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        writer.Write(Header + "\r\n");
        long rows = 0;
        for (long written = 0; written < bytes; rows++)
        {
            var line = string.Create(CultureInfo.InvariantCulture, $"H{rows},{date},09:30,,+34 600 123 456,h{rows}@example.org,DDS1,Dr. Molina,,,L1,Main clinic\r\n");
            writer.Write(line);
            written += line.Length;
        }

        return rows;
    }
}
