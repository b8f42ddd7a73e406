using System.Diagnostics;

namespace RecallFiles.Transport.Internal;

/// <summary>
/// The one fault-injection switch of every flow, for the crash tests. A process started with the environment variable
/// <c>RECALLFILES_CRASH_AT</c> naming a step kills itself with SIGKILL at that step, exactly as a power cut or an OOM
/// kill would stop it; an in-process test sets <see cref="Hook"/> (per async flow) to throw there instead. Unset in
/// production. Internal: visible to the flows (Importer, Exporter) and the tests only.
/// </summary>
internal static class FaultPoints
{
    /// <summary>The environment variable.</summary>
    public const string Variable = "RECALLFILES_CRASH_AT";

    /// <summary>After a claim is recorded, before its file is downloaded (every inbox).</summary>
    public const string AfterClaim = "after-claim";

    /// <summary>After a file's bytes are in the archive (or the agent's work folder), before they are applied.</summary>
    public const string AfterDownload = "after-download";

    /// <summary>In the middle of the first binary COPY of an appointment load.</summary>
    public const string DuringCopy = "during-copy";

    /// <summary>After an appointment load committed, before the remote file is moved.</summary>
    public const string AfterCommit = "after-commit";

    /// <summary>Status export: after the pending updates were assigned to a file, before it is uploaded.</summary>
    public const string AfterAssign = "after-assign";

    /// <summary>Status apply: after the PMS transaction committed, before the ledger records it.</summary>
    public const string AfterPmsCommit = "after-pms-commit";

    /// <summary>Status apply: after the ledger recorded the rows and the result, before the result is uploaded.</summary>
    public const string AfterLedger = "after-ledger";

    /// <summary>Status apply: after the result file was uploaded, before the status file is archived.</summary>
    public const string AfterResultUpload = "after-result-upload";

    private static readonly string? Armed = Environment.GetEnvironmentVariable(Variable);
    private static readonly AsyncLocal<Action<string>?> Local = new();

    /// <summary>An in-process test's hook, called with the step name (throw to simulate a crash there); flows with the async context.</summary>
    public static Action<string>? Hook
    {
        get => Local.Value;
        set => Local.Value = value;
    }

    /// <summary>Calls the hook, and kills the process when <paramref name="point"/> is armed.</summary>
    public static void Hit(string point)
    {
        Local.Value?.Invoke(point);
        if (Armed is not null && string.Equals(Armed, point, StringComparison.Ordinal))
        {
            Console.Error.WriteLine($"recallfiles: {Variable}={point}: killing the process (SIGKILL) to test crash recovery");
            Console.Error.Flush();
            Process.GetCurrentProcess().Kill();
            Thread.Sleep(Timeout.Infinite);
        }
    }
}
