using System.Globalization;

namespace RecallFiles.Schemas;

/// <summary>The date and time formats of the contract: <c>dd/MM/yyyy</c> and <c>HH:mm</c>.</summary>
public static class ContractFormats
{
    /// <summary>The date format written and read (tuOtempO A.1.1 "preferable format: dd/mm/yyyy").</summary>
    public const string DateFormat = "dd/MM/yyyy";

    /// <summary>The time format written and read (tuOtempO A.1.1 "preferable format: hh:mm", 24-hour).</summary>
    public const string TimeFormat = "HH:mm";

    /// <summary>Formats a date as <c>dd/MM/yyyy</c>.</summary>
    public static string FormatDate(DateOnly date) => date.ToString(DateFormat, CultureInfo.InvariantCulture);

    /// <summary>Formats a time as <c>HH:mm</c> (seconds are dropped).</summary>
    public static string FormatTime(TimeOnly time) => time.ToString(TimeFormat, CultureInfo.InvariantCulture);

    /// <summary>Parses exactly <c>dd/MM/yyyy</c> to a real calendar date (no 31/02).</summary>
    public static bool TryParseDate(string? value, out DateOnly date) =>
        DateOnly.TryParseExact(value, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    /// <summary>Parses exactly <c>HH:mm</c> between 00:00 and 23:59.</summary>
    public static bool TryParseTime(string? value, out TimeOnly time) =>
        TimeOnly.TryParseExact(value, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
}
