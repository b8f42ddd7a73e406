using System.Globalization;

namespace RecallFiles.Bench.Report;

/// <summary>
/// Each bench's measures for the results file, with issue 18's targets: one call at the end of each bench, so the
/// benches themselves stay as they were. The ids are the keys of docs/bench/results.json.
/// </summary>
internal static class BenchMeasures
{
    /// <summary>ImporterBench: the medians of its alternated rounds (by its result names), the peak RSS per round, and the small-files rate.</summary>
    public static void Importer(int rows, IReadOnlyDictionary<string, List<double>> seconds, IEnumerable<long> peakRssKb, Importer.ImporterBench.SftpResult? sftp, int sftpFiles, int sftpPractices)
    {
        var measures = new List<Measure>();
        if (seconds.TryGetValue("ours first load", out var first) && seconds.TryGetValue("reference first load", out var firstReference))
        {
            measures.Add(Measure.Create("import.first-load", $"{Rows(rows)}-row first load", "s", first, Target.RatioAtLeast(1.0),
                new Reference("SQL-only merge", firstReference), details: CpuDetails(seconds, "ours first load, client CPU (user + sys)")));
            measures.Add(Measure.Create("import.re-load", $"{Rows(rows)}-row re-load (unchanged)", "s", seconds["ours re-load"], Target.RatioAtLeast(2.0),
                new Reference("SQL-only merge", seconds["reference re-load"]), details: CpuDetails(seconds, "ours re-load, client CPU (user + sys)")));
            measures.Add(Measure.Create("import.peak-rss", "import peak RSS", "MB", peakRssKb.Select(kb => kb / 1024.0), Target.AtMost(200), statistic: Statistic.Max));
        }

        if (sftp is not null)
        {
            measures.Add(Measure.Create("import.small-files", Inv($"{sftpFiles:N0} files × 300 rows, {sftpPractices:N0} practices, sshd"), "files/s", [sftp.FilesPerSecond],
                Target.AtLeast(50) with { Condition = "10,000 files, 1,000 practices" },
                details: Inv($"drop-to-feed p50 {sftp.LatencyP50:0.0} s, p99 {sftp.LatencyP99:0.0} s; {sftp.CpuPerFile}")));
        }

        if (measures.Count > 0)
        {
            BenchRun.Record([.. measures]);
        }
    }

    /// <summary>ValidateBench: the 1M-row file's child-process runs (seconds and peak RSS in KiB).</summary>
    public static void Validate(IReadOnlyList<(double Seconds, long PeakKiB)> runs) =>
        BenchRun.Record(
            Measure.Create("validate.1m", "validate 1M, child process", "s", runs.Select(r => r.Seconds), Target.AtMost(1.0),
                details: Inv($"best {runs.Min(r => r.Seconds):0.00} s")),
            Measure.Create("validate.peak-rss", "validate 1M, peak RSS", "MB", runs.Select(r => r.PeakKiB / 1024.0), Target.AtMost(120), statistic: Statistic.Max));

    /// <summary>
    /// <c>record-export TIMES --rows N --command CMD --started UTC --load L</c>: bench/exporter/run.sh's timings file, one line a
    /// run: <c>LABEL seconds peakKB cpuSeconds</c> (labels recallfiles-mariadb, mariadb-batch, recallfiles-postgresql,
    /// psql-copy); the script's own command line, start and load average at its start.
    /// </summary>
    public static int RecordExport(string[] args)
    {
        if (args.Length != 9 || !File.Exists(args[0]) || args[1] != "--rows" || args[3] != "--command" || args[5] != "--started" || args[7] != "--load"
            || !int.TryParse(args[2], CultureInfo.InvariantCulture, out var rows)
            || !DateTimeOffset.TryParse(args[6], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var started)
            || !double.TryParse(args[8], CultureInfo.InvariantCulture, out var load))
        {
            Console.Error.WriteLine("usage: record-export TIMES --rows N --command 'bash bench/exporter/run.sh ROWS RUNS' --started UTC --load LOADAVG (TIMES: the timings file of bench/exporter/run.sh)");
            return 2;
        }

        BenchRun.Describe(args[4], started, load);
        var lines = File.ReadLines(args[0]).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length == 4).ToList();
        IReadOnlyList<double> Column(string label, int column) =>
            [.. lines.Where(f => f[0] == label).Select(f => double.Parse(f[column], CultureInfo.InvariantCulture))];
        Measure Export(string id, string label, string ours, string reference, string referenceLabel, double target)
        {
            var cpu = RunSet.Of(Column(ours, 3), null).Median;
            var peakMb = Column(ours, 2).Max() / 1024;
            return Measure.Create(id, label, "s", Column(ours, 1), Target.RatioAtLeast(target), new Reference(referenceLabel, Column(reference, 1)),
                details: Inv($"CPU {cpu:0.00} s, {peakMb:0} MB"));
        }

        BenchRun.Record(
            Export("export.mariadb", $"export {Rows(rows)}, MariaDB", "recallfiles-mariadb", "mariadb-batch", "`mariadb --batch`", 1.0),
            Export("export.postgresql", $"export {Rows(rows)}, PostgreSQL", "recallfiles-postgresql", "psql-copy", "`psql \\copy`", 0.8));
        return 0;
    }

    private static string? CpuDetails(IReadOnlyDictionary<string, List<double>> seconds, string name) =>
        seconds.TryGetValue(name, out var cpu) ? Inv($"client CPU {RunSet.Of(cpu, null).Median:0.00} s") : null;

    private static string Rows(int rows) => rows % 1_000_000 == 0 ? Inv($"{rows / 1_000_000}M") : Inv($"{rows:N0}");

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
