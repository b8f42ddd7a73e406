namespace RecallFiles.Schemas;

/// <summary>How bad a <see cref="ContractProblem"/> is.</summary>
public enum ProblemSeverity
{
    /// <summary>The row (or file) is rejected.</summary>
    Error,

    /// <summary>Reported, but the row (or file) is still accepted.</summary>
    Warning,
}

/// <summary>
/// One thing wrong with a file or a row: where (file, 1-based physical line where the record starts,
/// column), which rule (<see cref="Code"/>, one of <see cref="ProblemCodes"/>) and a message that says
/// how to fix it. Phones and e-mails in messages are masked.
/// </summary>
/// <param name="File">The file name as given to the reader.</param>
/// <param name="Line">1-based line where the record starts (the header is line 1), or null when the whole file is concerned.</param>
/// <param name="Column">The contract column, or null for file-level and row-level problems.</param>
/// <param name="Code">The rule, one of <see cref="ProblemCodes"/>.</param>
/// <param name="Message">What is wrong and how to fix it, for a person.</param>
/// <param name="Severity">Error or warning.</param>
public sealed record ContractProblem(string File, long? Line, string? Column, string Code, string Message, ProblemSeverity Severity)
{
    /// <summary>The longest message kept (issue 13): values are echoed cut already; this bounds whatever else a message holds.</summary>
    public const int MaxMessageLength = 1_000;

    /// <summary>What is wrong and how to fix it, at most <see cref="MaxMessageLength"/> characters.</summary>
    public string Message { get; init; } = Message is { Length: > MaxMessageLength } ? Message[..(MaxMessageLength - 1)] + "…" : Message;

    /// <summary>"file:line: column: message [code]" for logs and the console.</summary>
    public override string ToString() =>
        $"{File}:{Line?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}: {(Column is null ? "" : Column + ": ")}{Message} [{Code}]";
}

/// <summary>The rule codes of <see cref="ContractProblem.Code"/>. docs/file-formats.md describes each.</summary>
public static class ProblemCodes
{
#pragma warning disable CS1591 // Each code is described in docs/file-formats.md.
    // File level
    public const string EmptyFile = "empty-file";
    public const string MissingColumns = "missing-columns";
    public const string DuplicateColumn = "duplicate-column";
    public const string InvalidUtf8 = "invalid-utf8";
    public const string MalformedCsv = "malformed-csv";
    public const string RecordTooLarge = "record-too-large";
    public const string UnknownColumn = "unknown-column";
    public const string PrivacyColumn = "privacy-column";
    public const string UnreadableFile = "unreadable-file";

    // Row level
    public const string FieldCount = "field-count";
    public const string Required = "required";
    public const string MaxLength = "max-length";
    public const string Date = "date";
    public const string Time = "time";
    public const string EndBeforeStart = "end-before-start";
    public const string Email = "email";
    public const string Phone = "phone";
    public const string DuplicateKey = "duplicate-key";
    public const string Unreachable = "unreachable";
    public const string StatusValue = "status";
    public const string ResultValue = "result";
    public const string CommunicationPreferences = "communication-preferences";
    public const string PrivacyFlag = "privacy-flag";
    public const string Language = "language";
    public const string NulCharacter = "nul-character";
    public const string ControlCharacter = "control-character";
#pragma warning restore CS1591
}

/// <summary>
/// A file that cannot be read as a contract file at all (no header, missing columns, invalid UTF-8,
/// broken quoting). <see cref="Problem"/> says where and why. Rows read before it stay read; a caller
/// that applies data must treat the whole file as failed.
/// </summary>
public sealed class ContractFileException : RecallFilesException
{
    /// <summary>Creates the exception for <paramref name="problem"/>.</summary>
    public ContractFileException(ContractProblem problem, Exception? inner = null)
        : base(problem.ToString(), inner) => Problem = problem;

    /// <summary>Creates an exception without a problem; prefer the other constructor.</summary>
    public ContractFileException() : this(new ContractProblem("", null, null, ProblemCodes.UnreadableFile, "unreadable file", ProblemSeverity.Error))
    {
    }

    /// <summary>Creates an exception from a message; prefer the constructor that takes a problem.</summary>
    public ContractFileException(string message) : this(new ContractProblem("", null, null, ProblemCodes.UnreadableFile, message, ProblemSeverity.Error))
    {
    }

    /// <summary>Creates an exception from a message; prefer the constructor that takes a problem.</summary>
    public ContractFileException(string message, Exception inner)
        : this(new ContractProblem("", null, null, ProblemCodes.UnreadableFile, message, ProblemSeverity.Error), inner)
    {
    }

    /// <summary>What is wrong, and where.</summary>
    public ContractProblem Problem { get; }

    /// <summary>The file's kind, when it was known (given, from the name or from the header) before the error.</summary>
    public FileKind? Kind { get; internal set; }

    /// <summary>The physical format, when it was found before the error.</summary>
    public CsvDialect? Dialect { get; internal set; }
}
