using System.Globalization;
using System.Text;

namespace RecallFiles.Bench.Importer;

internal static partial class SimulationBench
{
    private static string Report(Outcome o, RunFacts f)
    {
        var r = new StringBuilder();
        void Line(string text) => r.AppendLine(text);
        var ic = CultureInfo.InvariantCulture;
        var dropSeconds = (f.DropEnd - f.DropStart).TotalSeconds;
        Line(string.Create(ic, $"Load simulation, {f.DropStart:yyyy-MM-dd HH:mm}Z: `dotnet run -c Release --project bench/RecallFiles.Bench -- {f.CommandLine}`"));
        Line("");
        Line(string.Create(ic, $"- machine: {Environment.ProcessorCount} cores, load average at start {f.LoadAtStart}"));
        Line(string.Create(ic, $"- {f.Practices:N0} practices, one 300-row snapshot every {f.Period.TotalSeconds:0} s each (every 4 h, time compressed), random phase, for {f.Minutes} min; BIG drops {f.BigRows:N0} rows half-way"));
        Line(string.Create(ic, $"- two `recallfiles run --role cloud` (sim-a, sim-b) on one PostgreSQL (Hangfire storage in the same database), PollCron `{f.PollCron}`, MinFileAge {MinFileAge.TotalSeconds:0} s, files through sshd on 127.0.0.1"));
        Line(f.Drained is { } d
            ? string.Create(ic, $"- every dropped file had a final batch {(d - f.DropEnd).TotalSeconds:0} s after the last drop")
            : "- **not every dropped file had a final batch in the time allowed**");
        Line("");
        Line("| figure | value |");
        Line("|---|---:|");
        Line(string.Create(ic, $"| files dropped | {o.Dropped:N0} |"));
        Line(string.Create(ic, $"| applied | {o.Applied:N0} ({string.Join(", ", o.AppliedBy.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value:N0}"))}) |"));
        Line(string.Create(ic, $"| batch states of the dropped files | {string.Join(", ", o.States.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value:N0}"))} |"));
        Line(string.Create(ic, $"| superseded (a newer snapshot of the practice was there first) | {o.Superseded:N0} |"));
        Line(string.Create(ic, $"| applied without a feed commit (no event) | {o.NoFeedCommit:N0} |"));
        Line(string.Create(ic, $"| files/s (applied over the {dropSeconds:0} s drop period) | {o.Applied / dropSeconds:0.00} |"));
        Line(string.Create(ic, $"| drop-to-feed latency p50 / p90 / p99 / max (s), {o.Latencies.Count:N0} files | {Percentiles(o.Latencies)} |"));
        Line(string.Create(ic, $"| of it, small files: eligible → claimed by a poll, p50 / p90 / p99 / max (s) | {Percentiles(o.ClaimWaits)} |"));
        Line(string.Create(ic, $"| of it, small files: claimed → feed commit, p50 / p90 / p99 / max (s) | {Percentiles(o.LoadTimes)} |"));
        Line(string.Create(ic, $"| small files eligible while BIG loaded ({o.WhileBig.Count:N0}): p50 / p90 / p99 / max (s) | {Percentiles(o.WhileBig)} |"));
        Line(string.Create(ic, $"| of it, those files: claimed → feed commit, p50 / p90 / p99 / max (s) | {Percentiles(o.WhileBigLoadTimes)} |"));
        Line(string.Create(ic, $"| the other small files ({o.Others.Count:N0}): p50 / p90 / p99 / max (s) | {Percentiles(o.Others)} |"));
        Line(string.Create(ic, $"| BIG: state; claimed → feed commit | {o.BigState ?? "not dropped"}; {(o.BigClaimed is { } c && o.BigCommitted is { } e ? $"{c:HH:mm:ss} → {e:HH:mm:ss} ({(e - c).TotalSeconds:0.0} s)" : "–")} |"));
        Line(string.Create(ic, $"| duplicates: files claimed twice / events twice in a batch / events read twice from the feed | {o.ClaimedTwice} / {o.EventsTwice} / {o.FeedDuplicates} |"));
        Line(string.Create(ic, $"| feed read once from the start / count(*) of appointment_events | {o.FeedRead:N0} / {o.EventCount:N0} |"));
        Line(string.Create(ic, $"| losses: dropped files not applied / practices not equal to their last file | {o.LostFiles.Count} / {o.WrongPractices.Count} |"));
        Line(string.Create(ic, $"| **duplicates / losses** | **{o.Duplicates} / {o.Losses}** |"));
        var files = Math.Max(1, o.Applied);
        Line(string.Create(ic, $"| CPU per applied file: sim-a / sim-b / PostgreSQL / sshd (ms) | {f.ServerCpu[0] * 1000 / files:0.0} / {f.ServerCpu[1] * 1000 / files:0.0} / {f.PostgresCpu * 1000 / files:0.0} / {f.SshdCpu * 1000 / files:0.0} |"));
        Line("");
        Line("CPU: user + system of each process from both servers' start to the end of the run (idle polls included; BIG's rows are in it too);");
        Line("PostgreSQL's is its backends', counted when they ended (the servers were stopped first). Latency: feed_commits.committed_at − (drop + MinFileAge).");
        foreach (var problem in o.LostFiles.Concat(o.WrongPractices).Take(20))
        {
            Line($"- lost: {problem}");
        }

        return r.ToString();
    }

    private static string Percentiles(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return "–";
        }

        var sorted = values.Order().ToArray();
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"{At(0.5):0.0} / {At(0.9):0.0} / {At(0.99):0.0} / {sorted[^1]:0.0}");
    }
}
