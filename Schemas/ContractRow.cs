namespace RecallFiles.Schemas;

/// <summary>One data row of a contract file, with what is wrong with it.</summary>
public class ContractRow
{
    internal ContractRow(long line, IReadOnlyList<ContractProblem> problems)
    {
        Line = line;
        Problems = problems;
    }

    /// <summary>The 1-based physical line where the record starts (the header is line 1).</summary>
    public long Line { get; }

    /// <summary>Errors and warnings of this row, in column order; empty for a clean row.</summary>
    public IReadOnlyList<ContractProblem> Problems { get; }

    /// <summary>True when the row has no error (warnings allowed).</summary>
    public bool IsValid => !Problems.Any(p => p.Severity == ProblemSeverity.Error);
}

/// <summary>A data row and its record. The record holds the file's trimmed values even when the row is invalid.</summary>
public sealed class ContractRow<TRecord> : ContractRow where TRecord : class
{
    internal ContractRow(long line, TRecord record, IReadOnlyList<ContractProblem> problems) : base(line, problems) => Record = record;

    /// <summary>The record; status and result values are in their exact wire spelling when valid.</summary>
    public TRecord Record { get; }
}
