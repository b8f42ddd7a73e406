namespace RecallFiles.Bench.Report;

/// <summary>
/// <c>report [--results PATH] [--out FOLDER]</c>: from the results file, draws FOLDER/performance.png and rewrites the
/// generated section of FOLDER/performance.md (default FOLDER: docs/ of the repository).
/// </summary>
internal static class ReportVerb
{
    public const string ImageName = "performance.png";
    public const string MarkdownName = "performance.md";

    public static int Run(string[] args)
    {
        var outIndex = Array.IndexOf(args, "--out");
        if (args.Length > 0 && (outIndex != 0 || args.Length != 2))
        {
            Console.Error.WriteLine("usage: report [--results PATH] [--out FOLDER]");
            return 2;
        }

        var folder = outIndex == 0 ? Path.GetFullPath(args[1]) : Path.Combine(BenchRun.RepoRoot(), "docs");
        var resultsPath = BenchRun.ResultsPath;
        try
        {
            var results = BenchResults.Load(resultsPath);
            Directory.CreateDirectory(folder);
            var image = Path.Combine(folder, ImageName);
            ReportChart.Save(results, image);
            var markdown = Path.Combine(folder, MarkdownName);
            ReportMarkdown.Update(markdown, results, Shown(resultsPath), ImageName);
            Console.WriteLine($"report: {results.Measures.Count} measures from {resultsPath}: wrote {image} and the section of {markdown}");
            return 0;
        }
        catch (BenchResultsException e)
        {
            Console.Error.WriteLine("report: " + e.Message);
            return 1;
        }
    }

    /// <summary>The results file as the generated text names it: relative to the repository when inside it, so the text does not depend on the clone's folder.</summary>
    private static string Shown(string path)
    {
        var relative = Path.GetRelativePath(BenchRun.RepoRoot(), path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative.Replace('\\', '/');
    }
}
