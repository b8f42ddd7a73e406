using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;

namespace RecallFiles.Schemas;

/// <summary>The plausibility rules for phones and e-mails that the validators and the exporter share.</summary>
public static partial class ContactRules
{
    /// <summary>The formatting characters a phone may contain: space, '-', '.', '(', ')', '/'.</summary>
    private static readonly SearchValues<char> PhoneFormatting = SearchValues.Create(" -.()/");

    /// <summary>Fewest digits of a plausible phone number.</summary>
    public const int MinPhoneDigits = 6;

    /// <summary>Most digits of a plausible phone number (E.164 allows 15).</summary>
    public const int MaxPhoneDigits = 15;

    /// <summary>
    /// Strips formatting (space, '-', '.', '(', ')', '/') from a phone; keeps a leading '+'. Returns
    /// null when anything else (letters, "ext", '#') is left, or the digit count is outside 6–15.
    /// </summary>
    public static string? NormalizePhone(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var span = value.AsSpan().Trim();
        Span<char> buffer = stackalloc char[Math.Min(span.Length, 64)];
        var length = 0;
        var digits = 0;
        for (var i = 0; i < span.Length; i++)
        {
            var c = span[i];
            if (char.IsAsciiDigit(c))
            {
                if (length == buffer.Length)
                {
                    return null;
                }

                buffer[length++] = c;
                digits++;
            }
            else if (c == '+' && length == 0 && digits == 0)
            {
                buffer[length++] = c;
            }
            else if (!PhoneFormatting.Contains(c))
            {
                return null;
            }
        }

        return digits is >= MinPhoneDigits and <= MaxPhoneDigits ? new string(buffer[..length]) : null;
    }

    /// <summary>True when <see cref="NormalizePhone"/> accepts the value (checked without allocating).</summary>
    public static bool IsPlausiblePhone(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var span = value.AsSpan().Trim();
        var digits = 0;
        var plusAllowed = true;
        foreach (var c in span)
        {
            if (char.IsAsciiDigit(c))
            {
                digits++;
                plusAllowed = false;
            }
            else if (c == '+' && plusAllowed)
            {
                plusAllowed = false;
            }
            else if (!PhoneFormatting.Contains(c))
            {
                return false;
            }
        }

        return digits is >= MinPhoneDigits and <= MaxPhoneDigits;
    }

    // Pragmatic e-mail syntax: one '@', a local part without spaces, a dotted domain with a 2+ letter TLD.
    [GeneratedRegex(@"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,}$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    private static readonly System.Globalization.IdnMapping Idn = new() { UseStd3AsciiRules = true };

    /// <summary>
    /// True for a syntactically plausible e-mail address: an ASCII local part, one '@', a dotted domain — internationalised
    /// domains (IDNA, such as <c>a@例え.jp</c>) are checked in their ASCII form — and no dot at either end of the local part
    /// or twice in a row.
    /// </summary>
    public static bool IsPlausibleEmail(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        // Issue 18: an ASCII value without a line break (nearly every e-mail) is matched by hand, with the pattern's exact
        // answer (ContactRulesTests compares both); the pattern decides the rest ('$' also matches before a final '\n').
        var simple = Ascii.IsValid(value) && !value.Contains('\n', StringComparison.Ordinal);
        if (simple ? !MatchesEmailPattern(value) : !EmailPattern().IsMatch(value))
        {
            if (simple)
            {
                return false;   // an ASCII domain has no other form to try
            }

            var at = value.LastIndexOf('@');
            if (at <= 0 || at == value.Length - 1 || Ascii.IsValid(value.AsSpan(at + 1)) || !TryAsciiDomain(value[(at + 1)..], out var domain)
                || !EmailPattern().IsMatch(string.Concat(value.AsSpan(0, at + 1), domain)))
            {
                return false;
            }
        }

        var local = value.AsSpan(0, value.IndexOf('@'));
        return local[0] != '.' && local[^1] != '.' && !local.Contains("..", StringComparison.Ordinal);
    }

    private static readonly SearchValues<char> LocalPartChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.!#$%&'*+/=?^_`{|}~-");

    private static readonly SearchValues<char> Letters = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    private static readonly SearchValues<char> LabelChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-");

    // EmailPattern() by hand, for ASCII without '\n': a local part of LocalPartChars, one '@', then dot-separated labels
    // (1-63 letters, digits or '-', a letter or digit at each end) and a last label of 2+ letters.
    private static bool MatchesEmailPattern(ReadOnlySpan<char> value)
    {
        var at = value.IndexOf('@');
        if (at <= 0 || value[..at].ContainsAnyExcept(LocalPartChars))
        {
            return false;
        }

        var domain = value[(at + 1)..];
        var lastDot = domain.LastIndexOf('.');
        if (lastDot <= 0)
        {
            return false;
        }

        var top = domain[(lastDot + 1)..];
        if (top.Length < 2 || top.ContainsAnyExcept(Letters))
        {
            return false;
        }

        foreach (var range in domain[..lastDot].Split('.'))
        {
            var label = domain[range];
            if (label.Length is < 1 or > 63 || label.ContainsAnyExcept(LabelChars) || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryAsciiDomain(string domain, out string ascii)
    {
        try
        {
            ascii = Idn.GetAscii(domain);
            return true;
        }
        catch (ArgumentException)
        {
            // Not a valid internationalised domain name (IdnMapping's only refusal): not an e-mail address.
            ascii = "";
            return false;
        }
    }

    /// <summary>The value when it is a plausible phone within the contract's 50 characters, else null.</summary>
    public static string? ValidPhoneOrNull(string? value) => value is { Length: <= 50 } && IsPlausiblePhone(value) ? value : null;

    /// <summary>The value when it is a plausible e-mail within the contract's 50 characters, else null.</summary>
    public static string? ValidEmailOrNull(string? value) => value is { Length: <= 50 } && IsPlausibleEmail(value) ? value : null;
}
