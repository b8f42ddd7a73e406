using System.Globalization;
using System.Text;

namespace RecallFiles.Bench.Report;

/// <summary>
/// The generated section of docs/performance.md: everything between <see cref="Begin"/> and <see cref="End"/> is
/// replaced, the rest of the file is kept byte for byte. The section depends only on the results file (no clock), so
/// running <c>report</c> twice gives the same file.
/// </summary>
internal static class ReportMarkdown
{
    public const string Begin = "<!-- bench-report:begin -->";
    public const string End = "<!-- bench-report:end -->";

    /// <summary>The canonical order of the table; measures not listed follow, by id.</summary>
    private static readonly string[] Order =
    [
        "import.first-load", "import.re-load", "import.peak-rss", "import.small-files",
        "export.mariadb", "export.postgresql", "validate.1m", "validate.peak-rss",
    ];

    public static IEnumerable<Measure> Ordered(BenchResults results) =>
        results.Measures.Values
            .OrderBy(m => Array.IndexOf(Order, m.Id) is var i && i >= 0 ? i : Order.Length)
            .ThenBy(m => m.Id, StringComparer.Ordinal);

    /// <summary>Writes the section into <paramref name="markdownPath"/>: between the markers, or as the whole file when it does not exist yet.</summary>
    public static void Update(string markdownPath, BenchResults results, string resultsPath, string imageName)
    {
        var section = Section(results, resultsPath, imageName);
        if (!File.Exists(markdownPath))
        {
            File.WriteAllText(markdownPath, section + "\n");
            return;
        }

        var text = File.ReadAllText(markdownPath);
        var begin = text.IndexOf(Begin, StringComparison.Ordinal);
        var end = text.IndexOf(End, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
        {
            throw new BenchResultsException(
                $"{markdownPath} has no generated section: put the lines {Begin} and {End} (in that order) where the report goes");
        }

        File.WriteAllText(markdownPath, string.Concat(text.AsSpan(0, begin), section, text.AsSpan(end + End.Length)));
    }

    public static string Section(BenchResults results, string resultsPath, string imageName)
    {
        var md = new StringBuilder();
        md.AppendLine(Begin);
        md.AppendLine("## Issue 18: every ratio, ours against each reference");
        md.AppendLine();
        md.AppendLine(Inv($"Generated from `{resultsPath}` by `dotnet bench/RecallFiles.Bench/bin/Release/net10.0/RecallFiles.Bench.dll report`: do not edit between the markers (see \"Regenerate\" below)."));
        md.AppendLine();
        md.AppendLine(Inv($"![ours against each reference]({imageName})"));
        md.AppendLine();
        md.AppendLine("| measure | ours | reference | ratio | issue 18 target | met |");
        md.AppendLine("|---|---:|---:|---:|---:|---|");
        var measures = Ordered(results).ToList();
        foreach (var m in measures)
        {
            var reference = m.Reference is { } r ? Inv($"{(r.Label is { } l ? l + " " : "")}{Figure(r.Median, m.Unit)}{AllRuns(r)}") : "–";
            var target = m.Target + (m.Target.Of == TargetOf.Value ? " " + m.Unit : "") + (m.Target.Condition is { } c ? $" ({c})" : "");
            md.AppendLine(Inv($"| {m.Label} | {Ours(m)} | {reference} | {(m.Ratio is { } ratio ? Inv($"{ratio:0.00}×") : "–")} | {target} | {(m.Met ? "yes" : "no")} |"));
        }

        md.AppendLine();
        md.AppendLine("Ratio: reference time / our time (our throughput over the reference's). The runs that produced the rows:");
        md.AppendLine();
        foreach (var run in measures.GroupBy(m => (m.Command, m.Date, m.Commit, m.Cores, m.LoadAverage, m.Note)))
        {
            var (command, date, commit, cores, load, runNote) = run.Key;
            md.AppendLine(Inv($"- `{command}`: {date.UtcDateTime:yyyy-MM-dd HH:mm} UTC, commit {commit}, {cores} cores, load average {(load is { } a ? a.ToString("0.0#", CultureInfo.InvariantCulture) : "unknown")} at the start{(runNote is { } n ? $" ({n})" : "")}: {string.Join(", ", run.Select(m => m.Id))}"));
        }

        md.Append(End);
        return md.ToString();
    }

    internal static string Figure(double value, string unit) => Number(value) + " " + unit;

    /// <summary>2.04, 0.8, 35.2, 189, 1,073: as many decimals as the figure has, at most two.</summary>
    internal static string Number(double value) => value.ToString(value >= 10 ? "#,0.##" : "0.0#", CultureInfo.InvariantCulture);

    private static string Ours(Measure m)
    {
        var text = Figure(m.Value, m.Unit) + (m.Statistic == Statistic.Max ? " peak" : "") + AllRuns(m.Ours);
        return m.Details is { Length: > 0 } d ? $"{text}; {d}" : text;
    }

    private static string AllRuns(RunSet runs) =>
        runs.Runs.Count > 1 ? " (" + string.Join(" / ", runs.Runs.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture))) + ")" : "";

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
