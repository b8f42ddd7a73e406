using System.Globalization;

namespace RecallFiles.Schemas;

/// <summary>The date and time formats of the contract: <c>dd/MM/yyyy</c> and <c>HH:mm</c>.</summary>
public static class ContractFormats
{
    /// <summary>The date format written and read (tuOtempO A.1.1 "preferable format: dd/mm/yyyy").</summary>
    public const string DateFormat = "dd/MM/yyyy";

    /// <summary>The time format written and read (tuOtempO A.1.1 "preferable format: hh:mm", 24-hour).</summary>
    public const string TimeFormat = "HH:mm";

    // Every minute of the day, formatted once: exporting a million rows formats a million times.
    private static readonly string[] Minutes = Enumerable.Range(0, 24 * 60)
        .Select(m => new TimeOnly(m / 60, m % 60).ToString(TimeFormat, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Formats a date as <c>dd/MM/yyyy</c>.</summary>
    public static string FormatDate(DateOnly date) => string.Create(10, date, static (span, d) =>
    {
        Two(span, d.Day);
        span[2] = '/';
        Two(span[3..], d.Month);
        span[5] = '/';
        Two(span[6..], d.Year / 100);
        Two(span[8..], d.Year % 100);
    });

    /// <summary>Formats a time as <c>HH:mm</c> (seconds are dropped).</summary>
    public static string FormatTime(TimeOnly time) => Minutes[(time.Hour * 60) + time.Minute];

    private static void Two(Span<char> span, int value)
    {
        span[0] = (char)('0' + (value / 10));
        span[1] = (char)('0' + (value % 10));
    }

    /// <summary>Parses exactly <c>dd/MM/yyyy</c> to a real calendar date (no 31/02).</summary>
    public static bool TryParseDate(string? value, out DateOnly date)
    {
        // Issue 18: every row of every file goes through here (reader, exporter, checks); the BCL's exact parser costs
        // about 0.5 µs a call. A value of the exact shape dd/dd/dddd (ASCII digits) is decided here, with the same answer;
        // any other value takes the BCL's parser, which stays the definition (ContractFormatsTests compares both).
        if (value is { Length: 10 } && value[2] == '/' && value[5] == '/'
            && Digits(value, 0, 2, out var day) && Digits(value, 3, 2, out var month) && Digits(value, 6, 4, out var year))
        {
            if (year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month))
            {
                date = new DateOnly(year, month, day);
                return true;
            }

            date = default;
            return false;
        }

        return DateOnly.TryParseExact(value, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
    }

    /// <summary>Parses exactly <c>HH:mm</c> between 00:00 and 23:59.</summary>
    public static bool TryParseTime(string? value, out TimeOnly time)
    {
        // As TryParseDate: the BCL's exact parser for a time also reads the clock (DateTime.Now) on every call, about
        // 1 µs; the exact shape dd:dd is decided here, anything else by the BCL.
        if (value is { Length: 5 } && value[2] == ':' && Digits(value, 0, 2, out var hour) && Digits(value, 3, 2, out var minute))
        {
            if (hour <= 23 && minute <= 59)
            {
                time = new TimeOnly(hour, minute);
                return true;
            }

            time = default;
            return false;
        }

        return TimeOnly.TryParseExact(value, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
    }

    private static bool Digits(string value, int start, int count, out int number)
    {
        number = 0;
        for (var i = start; i < start + count; i++)
        {
            var digit = (uint)(value[i] - '0');
            if (digit > 9)
            {
                return false;
            }

            number = (number * 10) + (int)digit;
        }

        return true;
    }
}
