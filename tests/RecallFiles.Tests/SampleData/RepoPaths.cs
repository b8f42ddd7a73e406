using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.SampleData;

/// <summary>The sample-data folders of the repository.</summary>
internal static class RepoPaths
{
    /// <summary><c>sample-data/</c>.</summary>
    public static string SampleData => Path.Combine(Approved.RepoRoot, "sample-data");

    /// <summary><c>sample-data/malformed/</c>.</summary>
    public static string Malformed => Path.Combine(SampleData, "malformed");
}
