using System.Text.RegularExpressions;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Scheduler;

/// <summary>The root <c>./recallfiles</c> script rebuilds the host whenever anything its build reads has changed.</summary>
[TestClass]
public sealed partial class RecallFilesScriptTests
{
    [GeneratedRegex("Include=\"([^\"]+)\"")]
    private static partial Regex IncludeAttribute();

    [GeneratedRegex("\"\\$root/([^\"]+)\"")]
    private static partial Regex WatchedPath();

    /// <summary>The folders (relative to the repository root) of Scheduler and every project it references, directly or not, and of its content files.</summary>
    private static SortedSet<string> FoldersTheHostBuildReads()
    {
        var root = Approved.RepoRoot;
        var folders = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Queue<string>([Path.Combine(root, "Scheduler", "RecallFiles.Scheduler.csproj")]);
        while (pending.TryDequeue(out var project))
        {
            var folder = Path.GetDirectoryName(project)!;
            if (!folders.Add(Path.GetRelativePath(root, folder).Replace('\\', '/')))
            {
                continue;
            }

            foreach (Match include in IncludeAttribute().Matches(File.ReadAllText(project)))
            {
                var value = include.Groups[1].Value;
                if (!value.StartsWith("../", StringComparison.Ordinal))
                {
                    continue;   // a package, or a file inside the project's own folder
                }

                var path = Path.GetFullPath(Path.Combine(folder, value));
                if (path.EndsWith(".csproj", StringComparison.Ordinal))
                {
                    pending.Enqueue(path);
                }
                else
                {
                    folders.Add(Path.GetRelativePath(root, Path.GetDirectoryName(path)!).Replace('\\', '/'));
                }
            }
        }

        return folders;
    }

    [TestMethod]
    public void Script_WatchesEveryFolder_TheHostBuildReads()
    {
        var script = File.ReadAllText(Path.Combine(Approved.RepoRoot, "recallfiles"));
        var watched = WatchedPath().Matches(script).Select(m => m.Groups[1].Value.TrimEnd('/')).ToHashSet(StringComparer.Ordinal);

        var needed = FoldersTheHostBuildReads();
        var missing = needed.Where(f => !watched.Contains(f)).ToList();

        CollectionAssert.IsSubsetOf(new[] { "Scheduler", "Reminders", "Importer", "sample-data/pms" }, needed.ToArray(), "the reference walk found the projects");
        Assert.IsEmpty(missing, $"./recallfiles does not rebuild when these change: {string.Join(", ", missing)}");
    }
}
