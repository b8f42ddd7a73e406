using System.Text.Json;
using System.Text.Json.Serialization;

namespace RecallFiles.Bench.Report;

/// <summary>
/// The benches' results file (issue 18 point 8, default <c>docs/bench/results.json</c>): one entry per measure id
/// (<c>import.first-load</c>, <c>export.mariadb</c>, …), each replaced whole by the bench that measured it last, so
/// the file always holds the latest figure of every measure. <c>report</c> draws the chart and the table from it.
/// </summary>
internal sealed record BenchResults
{
    public Dictionary<string, Measure> Measures { get; init; } = [];

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Reads <paramref name="path"/>; a missing or malformed file is a <see cref="BenchResultsException"/> that names it.</summary>
    public static BenchResults Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new BenchResultsException($"results file {path} does not exist: run the benches first (docs/performance.md, \"Regenerate\") or pass --results PATH");
        }

        try
        {
            var results = JsonSerializer.Deserialize<BenchResults>(File.ReadAllText(path), Json)
                ?? throw new BenchResultsException($"results file {path} is empty (the JSON 'null')");
            foreach (var (id, measure) in results.Measures)
            {
                if (measure?.Ours?.Runs is not { Count: > 0 })
                {
                    throw new BenchResultsException($"results file {path}: measure '{id}' has no runs in 'ours'");
                }

                measure.Id = id;
            }

            return results;
        }
        catch (JsonException e)
        {
            throw new BenchResultsException($"results file {path} is not a valid results file: {e.Message}", e);
        }
    }

    /// <summary>Replaces the given measures in <paramref name="path"/> (created if missing), leaving the others as they are.</summary>
    public static void Merge(string path, IEnumerable<Measure> measures)
    {
        var results = File.Exists(path) ? Load(path) : new BenchResults();
        foreach (var measure in measures)
        {
            results.Measures[measure.Id] = measure;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        // Through a temporary name, so a bench killed while writing never leaves half a file for the others to merge into.
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(results, Json) + "\n");
        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>One measure of one bench run: our runs, the reference's (if any), and issue 18's target.</summary>
internal sealed record Measure
{
    [JsonIgnore]
    public string Id { get; set; } = "";

    public required string Label { get; init; }

    /// <summary><c>s</c> for times (the ratio is then reference / ours, i.e. our throughput over the reference's), else any unit.</summary>
    public required string Unit { get; init; }

    /// <summary>Which of our runs counts: the median (times, rates) or the highest (peak memory).</summary>
    public Statistic Statistic { get; init; } = Statistic.Median;

    public required RunSet Ours { get; init; }

    public RunSet? Reference { get; init; }

    /// <summary>reference / ours for times (our throughput over the reference's); null without a reference.</summary>
    public double? Ratio { get; init; }

    public required Target Target { get; init; }

    public bool Met { get; init; }

    /// <summary>Context printed beside our figure (CPU time, memory of that run).</summary>
    public string? Details { get; init; }

    public required string Command { get; init; }

    public DateTimeOffset Date { get; init; }

    public int Cores { get; init; }

    public double? LoadAverage { get; init; }

    public required string Commit { get; init; }

    public string? Note { get; init; }

    /// <summary>Our figure: the median of the runs, or the highest for a peak.</summary>
    [JsonIgnore]
    public double Value => Statistic == Statistic.Max ? Ours.Runs.Max() : Ours.Median;

    /// <summary>A measure of the current run (<see cref="BenchRun"/>): medians, ratio and whether the target is met computed here.</summary>
    public static Measure Create(string id, string label, string unit, IEnumerable<double> ours, Target target,
        Reference? reference = null, Statistic statistic = Statistic.Median, string? details = null)
    {
        var our = RunSet.Of(ours, null);
        var theirs = reference is null ? null : RunSet.Of(reference.Runs, reference.Label);
        var value = statistic == Statistic.Max ? our.Runs.Max() : our.Median;
        double? ratio = theirs is null ? null : unit == "s" ? theirs.Median / value : value / theirs.Median;
        var measured = target.Of == TargetOf.Ratio
            ? ratio ?? throw new ArgumentException($"measure {id}: a ratio target needs a reference", nameof(reference))
            : value;
        return new Measure
        {
            Id = id, Label = label, Unit = unit, Statistic = statistic, Ours = our, Reference = theirs,
            Ratio = ratio is { } r ? Math.Round(r, 3) : null, Target = target, Met = target.IsMetBy(measured), Details = details,
            Command = BenchRun.CommandLine, Date = BenchRun.Started, Cores = Environment.ProcessorCount,
            LoadAverage = BenchRun.LoadAverageAtStart, Commit = BenchRun.Commit(),
        };
    }
}

internal enum Statistic
{
    Median,
    Max,
}

/// <summary>The runs of one side; <see cref="Label"/> names the reference (e.g. <c>psql \copy</c>).</summary>
internal sealed record RunSet
{
    public string? Label { get; init; }

    public double Median { get; init; }

    public required IReadOnlyList<double> Runs { get; init; }

    public static RunSet Of(IEnumerable<double> runs, string? label)
    {
        var all = runs.Select(r => Math.Round(r, 3)).ToList();
        if (all.Count == 0)
        {
            throw new ArgumentException("a measure needs at least one run", nameof(runs));
        }

        var sorted = all.Order().ToList();
        var median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
        return new RunSet { Label = label, Median = Math.Round(median, 3), Runs = all };
    }
}

/// <summary>The reference's runs, for <see cref="Measure.Create"/>.</summary>
internal sealed record Reference(string Label, IEnumerable<double> Runs);

internal enum TargetOf
{
    Ratio,
    Value,
}

internal enum Direction
{
    AtLeast,
    AtMost,
}

/// <summary>Issue 18's target: the ratio or our value, at least or at most <see cref="Value"/>.</summary>
internal sealed record Target(double Value, Direction Direction, TargetOf Of)
{
    /// <summary>Text shown beside the target, e.g. "10,000 files from 1,000 practices".</summary>
    public string? Condition { get; init; }

    public bool IsMetBy(double measured) => Direction == Direction.AtLeast ? measured >= Value : measured <= Value;

    public static Target RatioAtLeast(double value) => new(value, Direction.AtLeast, TargetOf.Ratio);

    public static Target AtMost(double value) => new(value, Direction.AtMost, TargetOf.Value);

    public static Target AtLeast(double value) => new(value, Direction.AtLeast, TargetOf.Value);

    public override string ToString() =>
        (Direction == Direction.AtLeast ? "≥ " : "≤ ") + ReportMarkdown.Number(Value) + (Of == TargetOf.Ratio ? "×" : "");
}

/// <summary>A results file that cannot be read; the message names the file and what is wrong with it.</summary>
internal sealed class BenchResultsException : Exception
{
    public BenchResultsException(string message)
        : base(message)
    {
    }

    public BenchResultsException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
