using System.Diagnostics;
using System.Globalization;
using System.Text.Unicode;
using CsvHelper;
using nietras.SeparatedValues;

namespace RecallFiles.Bench.Schemas;

/// <summary>
/// <c>bench csv-parsers</c> (issue 18): the CSV layer of <c>recallfiles validate</c> alone, CsvHelper 34 as the contract
/// reader drives it (its options, the raw record's UTF-8 check, every field as a trimmed string, or as a span) against Sep 0.17.1 with
/// every field as a span and as a string, on the same generated appointment file, in this process after a warm-up round.
/// It decides whether replacing the reader's parser is worth its risk (docs/performance.md); it checks nothing.
/// </summary>
internal static class CsvParserBench
{
    public static int Run(string[] args)
    {
        long rows = 1_000_000;
        var rounds = 3;
        var dir = Path.Combine(Path.GetTempPath(), "recallfiles-bench");
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            switch (args[i])
            {
                case "--rows": rows = long.Parse(value, CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--dir": dir = value; break;
                default:
                    Console.Error.WriteLine($"csv-parsers bench: unknown option '{args[i]}'");
                    return 2;
            }
        }

        var file = ValidateBench.Ensure(dir, rows);
        (string Name, Func<string, long> Run)[] parsers =
        [
            ("CsvHelper 34: UTF-8 check + every field as a trimmed string", file => CsvHelperFields(file, strings: true, pool: false)),
            ("  the same with PoolStrings (repeated values decoded once)", file => CsvHelperFields(file, strings: true, pool: true)),
            ("CsvHelper 34: UTF-8 check + every field as a trimmed UTF-8 span", file => CsvHelperFields(file, strings: false, pool: false)),
            ("Sep 0.17.1: every field as a trimmed span", SepSpans),
            ("Sep 0.17.1: every field as a trimmed string", SepStrings),
        ];
        Console.WriteLine(Inv($"csv-parsers bench, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}, {file}"));
        Console.WriteLine("best of the rounds after a warm-up (wall s / CPU s, CPU = this process's user+sys)");
        var best = parsers.Select(_ => (Wall: double.MaxValue, Cpu: double.MaxValue)).ToArray();
        for (var round = 0; round <= rounds; round++)
        {
            for (var p = 0; p < parsers.Length; p++)
            {
                GC.Collect();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var started = Stopwatch.GetTimestamp();
                var checksum = parsers[p].Run(file);
                var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
                var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
                if (round > 0)
                {
                    best[p] = (Math.Min(best[p].Wall, wall), Math.Min(best[p].Cpu, used));
                }

                GC.KeepAlive(checksum);
            }
        }

        for (var p = 0; p < parsers.Length; p++)
        {
            Console.WriteLine(Inv($"  {parsers[p].Name,-62} {best[p].Wall,6:0.000} / {best[p].Cpu,6:0.000}"));
        }

        return 0;
    }

    // What ContractReader<T> does per record before it builds the record (ContractReaderOfT.cs: CurrentLine, CutFields);
    // without strings, what a reader that checked fields as spans would pay.
    private static long CsvHelperFields(string file, bool strings, bool pool)
    {
        using var stream = Open(file);
        var options = new CsvReaderOptions
        {
            Separator = ',', HasHeader = true, TrackLineNumbers = true, SkipEmptyLines = true,
            FieldCountMismatch = CsvFieldCountHandling.Allow, MalformedData = CsvMalformedDataHandling.Throw,
            MissingField = CsvMissingFieldHandling.ReturnEmpty, IncludeValuesInExceptions = false, DetectSeparatorHint = false,
            PoolStrings = pool,
        };
        using var csv = CsvReader.Create(stream, options, leaveOpen: true);
        csv.ReadHeader();
        long total = 0;
        while (csv.Read())
        {
            if (!Utf8.IsValid(csv.RawRecord))
            {
                throw new InvalidDataException(Inv($"line {csv.LineNumber} is not UTF-8"));
            }

            for (var i = 0; i < csv.FieldCount; i++)
            {
                total += strings ? csv.GetString(i).Trim().Length : csv.GetSpan(i).Trim(" \t"u8).Length;
            }
        }

        return total;
    }

    private static long SepSpans(string file)
    {
        using var reader = Sep.Reader(o => o with { Sep = new Sep(','), Unescape = true, DisableColCountCheck = true, HasHeader = true }).From(Open(file));
        long total = 0;
        foreach (var row in reader)
        {
            for (var i = 0; i < row.ColCount; i++)
            {
                total += row[i].Span.Trim().Length;
            }
        }

        return total;
    }

    private static long SepStrings(string file)
    {
        using var reader = Sep.Reader(o => o with { Sep = new Sep(','), Unescape = true, DisableColCountCheck = true, HasHeader = true }).From(Open(file));
        long total = 0;
        foreach (var row in reader)
        {
            for (var i = 0; i < row.ColCount; i++)
            {
                total += row[i].ToString().Trim().Length;
            }
        }

        return total;
    }

    private static FileStream Open(string file) => new(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
