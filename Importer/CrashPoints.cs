using System.Diagnostics;

namespace RecallFiles.Importer;

/// <summary>
/// Fault injection for the crash tests: when the environment variable <c>RECALLFILES_CRASH_AT</c> names a step
/// (<c>after-claim</c>, <c>after-download</c>, <c>during-copy</c>, <c>after-commit</c>), the process kills itself
/// with SIGKILL at that step, exactly as a power cut or an OOM kill would stop it. Unset in production.
/// </summary>
public static class CrashPoints
{
    /// <summary>The environment variable.</summary>
    public const string Variable = "RECALLFILES_CRASH_AT";

    /// <summary>After the claim row is committed, before the download.</summary>
    public const string AfterClaim = "after-claim";

    /// <summary>After the archive is written and the batch marked downloaded, before the load.</summary>
    public const string AfterDownload = "after-download";

    /// <summary>In the middle of the first binary COPY of a load (new appointments or staging).</summary>
    public const string DuringCopy = "during-copy";

    /// <summary>After the load transaction committed, before the remote file is moved.</summary>
    public const string AfterCommit = "after-commit";

    private static readonly string? Armed = Environment.GetEnvironmentVariable(Variable);

    /// <summary>Kills the process when <paramref name="point"/> is armed.</summary>
    public static void Hit(string point)
    {
        if (Armed is not null && string.Equals(Armed, point, StringComparison.Ordinal))
        {
            Console.Error.WriteLine($"recallfiles: {Variable}={point}: killing the process (SIGKILL) to test crash recovery");
            Console.Error.Flush();
            Process.GetCurrentProcess().Kill();
            Thread.Sleep(Timeout.Infinite);
        }
    }
}
