using DiffPlex.Renderer;

namespace RecallFiles.Tests.Infrastructure;

/// <summary>
/// Approved-file (golden file) assertions. The approved file is checked in beside the test; on a
/// mismatch the actual text is written next to it as <c>NAME.received.EXT</c> (git-ignored) and the
/// test fails with a unified diff. When the change is right, approve it by moving the received file
/// over the approved one.
/// </summary>
internal static class Approved
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The repository root: the folder above the test's output that holds RecallFiles.sln.</summary>
    public static string RepoRoot => LazyRoot.Value;

    /// <summary>
    /// Fails unless <paramref name="actual"/> equals the text of <paramref name="approvedPath"/> (absolute, or
    /// relative to the repository root). Line endings are compared as LF. <paramref name="normalize"/>, when
    /// given, is applied to both texts first (to compare JSON by content rather than layout, for example).
    /// </summary>
    public static void AssertMatches(string actual, string approvedPath, Func<string, string>? normalize = null)
    {
        ArgumentNullException.ThrowIfNull(actual);
        var path = Path.IsPathRooted(approvedPath) ? approvedPath : Path.Combine(RepoRoot, approvedPath);
        var received = ReceivedPath(path);
        var actualText = Normalize(actual, normalize);
        var approvedText = File.Exists(path) ? Normalize(File.ReadAllText(path), normalize) : null;
        if (approvedText == actualText)
        {
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, actualText);
        var shownApproved = Path.GetRelativePath(RepoRoot, path);
        var shownReceived = Path.GetRelativePath(RepoRoot, received);
        var diff = UnidiffRenderer.GenerateUnidiff(approvedText ?? "", actualText, shownApproved, shownReceived, ignoreWhitespace: false, ignoreCase: false, contextLines: 3);
        Assert.Fail(
            (approvedText is null ? $"There is no approved file {shownApproved} yet." : $"The output differs from the approved file {shownApproved}.") +
            $"{Environment.NewLine}If the new output is right: mv {shownReceived} {shownApproved}{Environment.NewLine}{diff}");
    }

    /// <summary><c>x.approved.txt</c> → <c>x.received.txt</c>; <c>x.expected.json</c> → <c>x.expected.received.json</c>.</summary>
    public static string ReceivedPath(string approvedPath)
    {
        var folder = Path.GetDirectoryName(approvedPath) ?? "";
        var name = Path.GetFileNameWithoutExtension(approvedPath);
        var extension = Path.GetExtension(approvedPath);
        name = name.EndsWith(".approved", StringComparison.Ordinal) ? name[..^".approved".Length] : name;
        return Path.Combine(folder, $"{name}.received{extension}");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RecallFiles.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no RecallFiles.sln above {AppContext.BaseDirectory}: run the tests from a clone of the repository");
    }

    private static string Normalize(string text, Func<string, string>? normalize)
    {
        var lf = text.ReplaceLineEndings("\n");
        return normalize is null ? lf : normalize(lf).ReplaceLineEndings("\n");
    }
}
