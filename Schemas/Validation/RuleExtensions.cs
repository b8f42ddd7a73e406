using FluentValidation;

namespace RecallFiles.Schemas.Validation;

/// <summary>The column rules the validators share, each with its <see cref="ProblemCodes"/> code.</summary>
internal static class RuleExtensions
{
    /// <summary>nvarchar(50) in the spec.</summary>
    public const int SpecLength = 50;

    /// <summary>A NOT NULL id column of at most 50 characters.</summary>
    public static IRuleBuilderOptions<T, string> Key<T>(this IRuleBuilderInitial<T, string> rule, string column) =>
        rule.RequiredText(column, SpecLength).NoControl(column, allowTab: false);

    /// <summary>
    /// No control character (C0, DEL; TAB allowed in a name when <paramref name="allowTab"/>) in an id or a name
    /// (issue 13): a line break inside a quoted APP_LID forged a line in the text log; an escape sequence drives the
    /// terminal of whoever reads a listing. NUL has its own rule and code.
    /// </summary>
    public static IRuleBuilderOptions<T, TText> NoControl<T, TText>(this IRuleBuilder<T, TText> rule, string column, bool allowTab) where TText : class? =>
        rule.Must(v => v is not string text || ControlAt(text, allowTab) < 0).OverridePropertyName(column).WithErrorCode(ProblemCodes.ControlCharacter)
            .WithMessage((_, v) => v is string text && ControlAt(text, allowTab) is var at and >= 0
                ? $"{column} contains the control character U+{(int)text[at]:X4} at position {at + 1}; ids and names are one line of printable text: remove it"
                : $"{column} contains a control character");

    /// <summary>The index of the first control character other than NUL (and TAB when allowed), or -1 (vectorized: it runs on every row).</summary>
    public static int ControlAt(string text, bool allowTab) => text.AsSpan().IndexOfAny(allowTab ? ControlsButTab : Controls);

    private static readonly System.Buffers.SearchValues<char> Controls =
        System.Buffers.SearchValues.Create([.. Enumerable.Range(1, 31).Select(c => (char)c), '\u007F']);

    private static readonly System.Buffers.SearchValues<char> ControlsButTab =
        System.Buffers.SearchValues.Create([.. Enumerable.Range(1, 31).Where(c => c != '\t').Select(c => (char)c), '\u007F']);

    public static IRuleBuilderOptions<T, string> RequiredText<T>(this IRuleBuilderInitial<T, string> rule, string column, int maxLength) =>
        rule.Cascade(CascadeMode.Stop)
            .NotEmpty().OverridePropertyName(column).WithErrorCode(ProblemCodes.Required)
            .WithMessage($"{column} is required")
            .MaximumLength(maxLength).OverridePropertyName(column).WithErrorCode(ProblemCodes.MaxLength)
            .WithMessage((_, v) => $"{column} is {v.Length} characters long; the contract allows {maxLength}")
            .NoNul(column);

    public static IRuleBuilderOptions<T, string?> OptionalText<T>(this IRuleBuilderInitial<T, string?> rule, string column, int maxLength) =>
        rule.Cascade(CascadeMode.Stop)
            .MaximumLength(maxLength).OverridePropertyName(column).WithErrorCode(ProblemCodes.MaxLength)
            .WithMessage((_, v) => $"{column} is {v?.Length} characters long; the contract allows {maxLength}")
            .NoNul(column);

    /// <summary>
    /// No NUL character (U+0000): no database text type can hold one, so a file that has one would fail at the store
    /// instead of at its row. Other format rules (phones, e-mails, dates, codes) reject it on their own.
    /// </summary>
    private static IRuleBuilderOptions<T, TText> NoNul<T, TText>(this IRuleBuilder<T, TText> rule, string column) where TText : class? =>
        rule.Must(v => v is not string text || !text.Contains('\0', StringComparison.Ordinal)).OverridePropertyName(column).WithErrorCode(ProblemCodes.NulCharacter)
            .WithMessage((_, v) => $"{column} contains a NUL character (byte 0x00) at position {((v as string)?.IndexOf('\0', StringComparison.Ordinal) ?? -1) + 1}; remove it");

    public static IRuleBuilderOptions<T, string> RequiredDate<T>(this IRuleBuilderInitial<T, string> rule, string column) =>
        rule.Cascade(CascadeMode.Stop)
            .NotEmpty().OverridePropertyName(column).WithErrorCode(ProblemCodes.Required)
            .WithMessage($"{column} is required (dd/mm/yyyy)")
            .Must(v => ContractFormats.TryParseDate(v, out _)).OverridePropertyName(column).WithErrorCode(ProblemCodes.Date)
            .WithMessage((_, v) => $"{column} '{Mask.Echo(v)}' is not a real date in dd/mm/yyyy");

    public static IRuleBuilderOptions<T, string?> OptionalTime<T>(this IRuleBuilderInitial<T, string?> rule, string column) =>
        rule.Must(v => v is null || ContractFormats.TryParseTime(v, out _)).OverridePropertyName(column).WithErrorCode(ProblemCodes.Time)
            .WithMessage((_, v) => $"{column} '{Mask.Echo(v)}' is not a time hh:mm between 00:00 and 23:59");

    public static IRuleBuilderOptions<T, string?> Phone<T>(this IRuleBuilderInitial<T, string?> rule, string column) =>
        rule.Cascade(CascadeMode.Stop)
            .MaximumLength(SpecLength).OverridePropertyName(column).WithErrorCode(ProblemCodes.MaxLength)
            .WithMessage((_, v) => $"{column} is {v?.Length} characters long; the contract allows {SpecLength}")
            .Must(v => v is null || ContactRules.IsPlausiblePhone(v)).OverridePropertyName(column).WithErrorCode(ProblemCodes.Phone)
            .WithMessage((_, v) => $"{column} '{Mask.Phone(v)}' is not a phone number: it needs {ContactRules.MinPhoneDigits}-{ContactRules.MaxPhoneDigits} digits " +
                                   "after removing spaces, '-', '.', '/', parentheses and a leading '+', and nothing else");

    public static IRuleBuilderOptions<T, string?> Email<T>(this IRuleBuilderInitial<T, string?> rule, string column) =>
        rule.Cascade(CascadeMode.Stop)
            .MaximumLength(SpecLength).OverridePropertyName(column).WithErrorCode(ProblemCodes.MaxLength)
            .WithMessage((_, v) => $"{column} is {v?.Length} characters long; the contract allows {SpecLength}")
            .Must(v => v is null || ContactRules.IsPlausibleEmail(v)).OverridePropertyName(column).WithErrorCode(ProblemCodes.Email)
            .WithMessage((_, v) => $"{column} '{Mask.Echo(Mask.Email(v))}' is not an e-mail address (name@domain.tld)");

    public static IRuleBuilderOptions<T, string?> OptionalStatus<T>(this IRuleBuilderInitial<T, string?> rule) =>
        rule.Must(v => v is null || AppointmentStatuses.NormalizeAppointmentStatus(v) is not null).OverridePropertyName(Columns.Status).WithErrorCode(ProblemCodes.StatusValue)
            .WithMessage((_, v) => $"STATUS '{Mask.Echo(v)}' is not one of " + string.Join(", ", AppointmentStatuses.WireNames) + $" (or {AppointmentStatuses.Completed} for a visit that happened)");
}
