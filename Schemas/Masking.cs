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
}
