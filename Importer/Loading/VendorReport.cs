using RecallFiles.Importer.Batches;
using RecallFiles.Schemas;

namespace RecallFiles.Importer.Loading;

/// <summary>
/// What the sender of a file turned away learns (issue 14): a batch that ends <c>failed</c>, <c>superseded</c> or
/// <c>needs_review</c> gets an error report whose first line says why and what to do (rule <c>file-failed</c>,
/// <c>file-superseded</c>, <c>file-held</c>), followed by its row problems, in the practice's <c>errors/</c> folder; its
/// file goes to <c>failed/</c> (held ones to <c>held/</c>) with a short <c>NAME.error.txt</c> beside it, never to
/// <c>processed/</c>. A duplicate is not turned away: its bytes were already taken.
/// </summary>
public static class VendorReport
{
    /// <summary>True for the final states that turn a file away: failed, superseded, held for review.</summary>
    public static bool IsTurnedAway(string state) => state is BatchStates.Failed or BatchStates.Superseded or BatchStates.NeedsReview;

    /// <summary>The rule of the report's first line for <paramref name="state"/>.</summary>
    public static string RuleOf(string state) => state switch
    {
        BatchStates.NeedsReview => "file-held",
        BatchStates.Superseded => "file-superseded",
        _ => "file-failed",
    };

    /// <summary>What the sender should do about a file that ended in <paramref name="state"/> for <paramref name="reason"/>.</summary>
    public static string Advice(string state, string? reason)
    {
        var why = reason ?? "";
        return state switch
        {
            BatchStates.NeedsReview =>
                "the file is held, not applied: support reviews it and approves or discards it. Do not send it again unless support asks; files sent after it are applied meanwhile",
            BatchStates.Superseded =>
                "nothing, if a newer file of the practice was sent since: it carries the current appointments. To have this one applied, export again (a new file with the current time stamp)",
            _ when why.Contains("names practice", StringComparison.Ordinal) || why.Contains(" file, not an appointments file", StringComparison.Ordinal) =>
                "rename the file or put it in the right folder, then send it again",
            _ when why.Contains("policy is RejectFile", StringComparison.Ordinal) || why.Contains("row(s) is valid", StringComparison.Ordinal) =>
                "fix the rows listed below in the export and send the file again",
            _ when why.StartsWith("gave up after", StringComparison.Ordinal) || why.Contains("archived copy", StringComparison.Ordinal) =>
                "nothing on your side unless support asks: the problem is on the receiving server, which replays the file once it is fixed",
            _ => "fix the file as described (the export's encoding, columns and quoting must follow the contract) and send it again",
        };
    }

    /// <summary>The report's first line: why the file was turned away and what to do.</summary>
    public static ContractProblem BatchLine(string fileName, string state, string? reason) =>
        new(fileName, null, null, RuleOf(state), $"{Verb(state)}: {reason ?? state}. What to do: {Advice(state, reason)}", ProblemSeverity.Error);

    /// <summary>
    /// The error report of a batch that ended in <paramref name="state"/>: for a file turned away, its batch line first and
    /// then its problems; for an applied one, its problems only (null when there are none).
    /// </summary>
    public static byte[]? Build(string fileName, string state, string? reason, IReadOnlyList<ContractProblem> problems, long omitted)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (IsTurnedAway(state))
        {
            return ErrorReport.Build([BatchLine(fileName, state, reason), .. problems], omitted);
        }

        return problems.Count > 0 ? ErrorReport.Build(problems, omitted) : null;
    }

    /// <summary>The short note written beside the file in <c>failed/</c> or <c>held/</c>.</summary>
    public static string Note(string fileName, string state, string? reason, string reportPath) =>
        $"{fileName} was {Verb(state)}: {reason ?? state}\r\nWhat to do: {Advice(state, reason)}\r\nThe full report: {reportPath}";

    /// <summary>The report's name in the errors folder: <c>NAME.errors.csv</c> for <c>NAME.csv</c>, shortened to fit 255 bytes (issue 13).</summary>
    public static string ReportName(string fileName) => Transport.FileNameRules.Derived(Path.GetFileNameWithoutExtension(fileName), ".errors.csv");

    private static string Verb(string state) => state switch
    {
        BatchStates.NeedsReview => "held for review",
        BatchStates.Superseded => "not applied (superseded)",
        _ => "not applied (failed)",
    };
}
