namespace RecallFiles.Schemas;

/// <summary>The file formats of the contract: three CSV formats and the agent's heartbeat (issue 17).</summary>
public enum FileKind
{
    /// <summary>Appointments exported from the PMS (tuOtempO A.1.1): <c>APPOINTMENTS_{practice}_{stamp}.csv</c>.</summary>
    Appointments,

    /// <summary>Status updates sent back to the PMS (tuOtempO A.1.2.1): <c>STATUS_{practice}_{stamp}.csv</c>.</summary>
    Status,

    /// <summary>What the PMS side reports after applying a status file: <c>STATUS_RESULT_{practice}_{stamp}.csv</c>.</summary>
    StatusResult,

    /// <summary>An agent's heartbeat, uploaded beside its appointment files (issue 17): <c>AGENT_{practice}_{stamp}.json</c>.</summary>
    AgentHeartbeat,
}

/// <summary>Names of <see cref="FileKind"/> as the CLI and JSON reports spell them.</summary>
public static class FileKinds
{
    /// <summary>The wire name of a kind: <c>appointments</c>, <c>status</c>, <c>status-result</c> or <c>agent-heartbeat</c>.</summary>
    public static string ToName(this FileKind kind) => kind switch
    {
        FileKind.Appointments => "appointments",
        FileKind.Status => "status",
        FileKind.StatusResult => "status-result",
        FileKind.AgentHeartbeat => "agent-heartbeat",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Parses a wire name (case-insensitive); false for anything else.</summary>
    public static bool TryParse(string? name, out FileKind kind)
    {
        switch (name?.Trim().ToUpperInvariant())
        {
            case "APPOINTMENTS": kind = FileKind.Appointments; return true;
            case "STATUS": kind = FileKind.Status; return true;
            case "STATUS-RESULT" or "STATUS_RESULT": kind = FileKind.StatusResult; return true;
            default: kind = default; return false;
        }
    }

    /// <summary>The wire names of the CSV formats, for help texts and error messages (the heartbeat is JSON, not validated as CSV).</summary>
    public static IReadOnlyList<string> Names { get; } = ["appointments", "status", "status-result"];
}
