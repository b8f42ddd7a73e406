namespace RecallFiles.Schemas;

/// <summary>
/// Masks contact data (PHI) for logs, reports and console output: phones keep their last four
/// digits (<c>***4567</c>), e-mails their first character and domain (<c>a***@example.org</c>).
/// Every log target and every human report uses these, so a number never appears twice in two shapes.
/// </summary>
public static class Mask
{
    /// <summary>Masks a phone number: <c>***</c> and its last four digits; fewer than 5 digits become <c>***</c>.</summary>
    public static string Phone(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        Span<char> last = stackalloc char[4];
        var count = 0;
        for (var i = value.Length - 1; i >= 0 && count < 4; i--)
        {
            if (char.IsAsciiDigit(value[i]))
            {
                last[3 - count++] = value[i];
            }
        }

        var digits = 0;
        foreach (var c in value)
        {
            if (char.IsAsciiDigit(c))
            {
                digits++;
            }
        }

        return digits > 4 ? "***" + new string(last) : "***";
    }

    /// <summary>Masks an e-mail address: first character, <c>***</c>, then the domain; anything without '@' becomes <c>***</c>.</summary>
    public static string Email(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        var at = value.LastIndexOf('@');
        return at <= 0 ? "***" : value[0] + "***" + value[at..];
    }

    /// <summary>True for the columns whose values are contact data and must be masked.</summary>
    public static bool IsContactColumn(string? column) => column is Columns.UserLandlinePhone or Columns.UserMobilePhone
        or Columns.UserWorkPhone or Columns.UserEmail or Columns.ResourceMobilePhone or Columns.ResourceEmail;

    /// <summary>Masks <paramref name="value"/> as the column's kind of contact data; other columns pass through.</summary>
    public static string Value(string? column, string? value) => column switch
    {
        Columns.UserEmail or Columns.ResourceEmail => Email(value),
        Columns.UserLandlinePhone or Columns.UserMobilePhone or Columns.UserWorkPhone or Columns.ResourceMobilePhone => Phone(value),
        _ => value ?? "",
    };

    /// <summary>The most characters of a file's value a message, a report or a log line repeats.</summary>
    public const int MaxEcho = 60;

    /// <summary>
    /// A value from a file as a message repeats it (issue 13): control characters written as <c>\n</c>, <c>\r</c>,
    /// <c>\t</c> or <c>\uXXXX</c> (a file never forges a log line or drives a terminal), anything that looks like contact
    /// data masked whatever column it came in (a shifted row puts a phone where a name belongs), and cut to
    /// <see cref="MaxEcho"/> characters with the full length said.
    /// </summary>
    public static string Echo(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value.Contains('@', StringComparison.Ordinal))
        {
            return Printable(Email(value.Length > 256 ? value[..256] : value), value.Length);
        }

        var head = value.Length > 256 ? value[..256] : value;
        var digits = head.Count(char.IsAsciiDigit);
        // Seven digits or more may be a phone (a shifted row), so only its last four are shown — unless it is shaped
        // like a date or a date and time (31/11/2026, 2026-11-31 10:00), which a person needs to see to fix it.
        return Printable(digits >= 7 && !IsDateShaped(head) ? Phone(head) : value, value.Length);
    }

    // Digit groups split by / - . : T or space: one group of four (the year) first or third, every other of one or two.
    private static bool IsDateShaped(string value)
    {
        var groups = 0;
        var years = 0;
        var length = 0;
        foreach (var c in value.Trim() + " ")
        {
            if (char.IsAsciiDigit(c))
            {
                length++;
                continue;
            }

            if (c is not ('/' or '-' or '.' or ':' or 'T' or ' ') || length == 0)
            {
                return false;
            }

            if (length == 4 && groups is 0 or 2)
            {
                years++;
            }
            else if (length > 2)
            {
                return false;
            }

            groups++;
            length = 0;
        }

        return years == 1;
    }

    private static string Printable(string value, int fullLength)
    {
        var text = new System.Text.StringBuilder(Math.Min(value.Length, MaxEcho) + 24);
        foreach (var c in value)
        {
            if (text.Length >= MaxEcho)
            {
                if (char.IsHighSurrogate(text[^1]))
                {
                    text.Length--; // never half a character
                }

                return text.Append(System.Globalization.CultureInfo.InvariantCulture, $"… ({fullLength} characters)").ToString();
            }

            _ = c switch
            {
                '\n' => text.Append("\\n"),
                '\r' => text.Append("\\r"),
                '\t' => text.Append("\\t"),
                _ when char.IsControl(c) || c is '\u2028' or '\u2029' =>
                    text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"),
                _ => text.Append(c),
            };
        }

        return fullLength > MaxEcho ? text.Append(System.Globalization.CultureInfo.InvariantCulture, $"… ({fullLength} characters)").ToString() : text.ToString();
    }
}
