using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace RecallFiles.Bench.Report;

/// <summary>
/// What every measure records about the run that made it: the command line, the start (UTC), the load average at the
/// start, the commit; and where the results file is (<c>--results PATH</c>, else <c>RF_BENCH_RESULTS</c>, else
/// <c>docs/bench/results.json</c> in the repository).
/// </summary>
internal static class BenchRun
{
    public const string ResultsOption = "--results";
    public const string ResultsVariable = "RF_BENCH_RESULTS";

    private static string? resultsOption;

    public static DateTimeOffset Started { get; private set; }

    /// <summary>The 1-minute load average when the process started: a busy machine makes the figures worth less.</summary>
    public static double? LoadAverageAtStart { get; private set; }

    public static string CommandLine { get; private set; } = "";

    /// <summary>Runs before Program, so the load average is the one at the start, not the one the bench itself made.</summary>
    [ModuleInitializer]
    internal static void Start()
    {
        Started = DateTimeOffset.UtcNow;
        LoadAverageAtStart = ReadLoadAverage();
        var args = Environment.GetCommandLineArgs();
        CommandLine = "dotnet " + string.Join(' ', [Relative(args[0]), .. args[1..].Select(Quote)]);
    }

    /// <summary>For a run made by another program (bench/exporter/run.sh): its command line, start and load average.</summary>
    public static void Describe(string commandLine, DateTimeOffset started, double loadAverage)
    {
        CommandLine = commandLine;
        Started = started.ToUniversalTime();
        LoadAverageAtStart = loadAverage;
    }

    /// <summary>Removes <c>--results PATH</c> from the bench's arguments (the benches parse the rest) and remembers it.</summary>
    public static string[] TakeResultsOption(string[] args)
    {
        var i = Array.IndexOf(args, ResultsOption);
        if (i < 0 || i + 1 >= args.Length)
        {
            return args;
        }

        resultsOption = Path.GetFullPath(args[i + 1]);
        return [.. args[..i], .. args[(i + 2)..]];
    }

    public static string ResultsPath =>
        resultsOption
        ?? (Environment.GetEnvironmentVariable(ResultsVariable) is { Length: > 0 } fromEnvironment ? Path.GetFullPath(fromEnvironment) : null)
        ?? Path.Combine(RepoRoot(), "docs", "bench", "results.json");

    /// <summary>Merges this run's measures into the results file and says so.</summary>
    public static void Record(params Measure[] measures)
    {
        var path = ResultsPath;
        BenchResults.Merge(path, measures);
        Console.Error.WriteLine($"results: {string.Join(", ", measures.Select(m => m.Id))} merged into {path}; regenerate the chart and docs/performance.md with the 'report' verb");
    }

    /// <summary>
    /// The short commit, with "-dirty" when tracked files other than the benches' own outputs (this results file, the
    /// generated docs/performance.md and .png, which a run of several benches changes on its way) differ from it: the
    /// figures are then of uncommitted code.
    /// </summary>
    public static string Commit()
    {
        var (headOk, head) = Git("rev-parse", "--short=7", "HEAD");
        if (!headOk)
        {
            return "unknown";
        }

        var (statusOk, changed) = Git("status", "--porcelain", "--untracked-files=no", "--", ".",
            ":(exclude)docs/bench/results.json", ":(exclude)docs/performance.md", ":(exclude)docs/performance.png");
        return statusOk && changed.Length == 0 ? head : head + "-dirty";
    }

    private static (bool Ok, string Output) Git(params string[] args)
    {
        var info = new ProcessStartInfo("git", args)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepoRoot(),
        };
        using var git = Process.Start(info) ?? throw new InvalidOperationException("cannot start git");
        var output = git.StandardOutput.ReadToEnd().Trim();
        git.StandardError.ReadToEnd();
        git.WaitForExit();
        return (git.ExitCode == 0, output);
    }

    public static string RepoRoot() => Importer.ImporterBench.FindRepo();

    private static double? ReadLoadAverage() =>
        File.Exists("/proc/loadavg") ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture) : null;

    private static string Relative(string path)
    {
        var relative = Path.GetRelativePath(RepoRoot(), Path.GetFullPath(path));
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }

    private static string Quote(string arg) => arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_./=:,".Contains(c)) ? arg : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
