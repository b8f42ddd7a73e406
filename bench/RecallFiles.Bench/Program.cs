using RecallFiles.Bench.Report;
using RecallFiles.Bench.Schemas;
using RecallFiles.Bench.Transport;

// dotnet run -c Release --project bench/RecallFiles.Bench -- BENCH [options]
// One line per bench: the verb and the class that runs it.
const string Usage = """
    usage: RecallFiles.Bench BENCH [options]
      validate [--rows N] [--small N] [--runs N] [--dir FOLDER]
               recallfiles validate on a generated N-row appointment file (default 1,000,000) and
               a small one (default 100,000), in a child process: wall time, rows/s, peak memory
      csv-parsers [--rows N] [--rounds N] [--dir FOLDER]
               the CSV layer of validate alone, in-process on the same file: CsvHelper 34 as the contract
               reader drives it against Sep 0.17.1 (fields as spans, as strings): best wall and CPU seconds
      transport [--mb N] [--runs N]
               SFTP upload and download of an N MB file (default 200) through the drop box (SSH.NET)
               and through OpenSSH's sftp client on one loopback sshd: MB/s and ratio
      importer [options]
               the cloud import of a large file against a SQL-only reference, and many small files
               through sshd (see docs/performance.md, "Importer")
      hostile [--mb N]
               issue 13's 1 GB case: a file of N MB (default 1024) of 2,000-character dates and an honest
               file after it, imported with the default MaxFileBytes (refused at listing) and with the
               limit raised (the batch fails): peak RSS <= 300 MB, report <= 20 MB, next file applied
      encode [--only-encode]
               the load's per-row encoder alone (RowEncoder: COPY fields, content hash, added payload)
               over 1,000,000 rows, 7 rounds: the client CPU a load spends per row, without PostgreSQL
               (--only-encode: fields and hash only, what a re-load of unchanged rows does)
      simulate [--practices N] [--day-minutes N] [--minutes N] [--big-rows N] [--poll-cron CRON] [--drain-minutes N]
               load simulation (issue 18): N practices (default 300) each dropping a 300-row snapshot every 4
               simulated hours (one day = --day-minutes wall minutes, default 10) through sshd for --minutes
               (default 10), picked up by two `recallfiles run --role cloud` on one PostgreSQL; half-way practice
               BIG drops --big-rows rows (default 1,000,000). Reports files/s, drop-to-feed latency (all, and of
               small files while BIG loads), duplicates and losses (exit 1 unless both 0), CPU per file
      report [--results PATH] [--out FOLDER]
               redraws docs/performance.png (ours against each reference, the rest against its target) and the
               generated section of docs/performance.md from the results file; run the benches first
      record-export TIMES --rows N --command CMD --started UTC --load L
               (called by bench/exporter/run.sh) merges the exporter's timings into the results file
    validate, importer and bench/exporter/run.sh merge their measures into the results file at their end:
    docs/bench/results.json, or --results PATH (any bench), or the environment variable RF_BENCH_RESULTS.
    """;

args = BenchRun.TakeResultsOption(args);

return args.Length == 0 ? Help() : args[0] switch
{
    "validate" => await ValidateBench.RunAsync(args[1..]),
    "csv-parsers" => CsvParserBench.Run(args[1..]),
    "transport" => await SftpBench.RunAsync(args[1..]),
    "importer" => await RecallFiles.Bench.Importer.ImporterBench.RunAsync(args[1..]),
    "hostile" => await RecallFiles.Bench.Importer.HostileBench.RunAsync(args[1..]),
    "simulate" => await RecallFiles.Bench.Importer.SimulationBench.RunAsync(args[1..]),
    "encode" => RecallFiles.Bench.Importer.EncodeBench.Run(args.Contains("--only-encode")),
    "report" => ReportVerb.Run(args[1..]),
    "record-export" => BenchMeasures.RecordExport(args[1..]),
    "-h" or "--help" => Help(),
    _ => Help($"unknown bench '{args[0]}'"),
};

static int Help(string? error = null)
{
    (error is null ? Console.Out : Console.Error).WriteLine((error is null ? "" : error + Environment.NewLine) + Usage);
    return error is null ? 0 : 2;
}
