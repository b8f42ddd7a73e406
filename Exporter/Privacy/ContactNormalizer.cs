using System.Text.RegularExpressions;
using RecallFiles.Schemas;

namespace RecallFiles.Exporter;

/// <summary>
/// Turns phones and e-mails as typed at the front desk into contract values: formatting and
/// extensions stripped, optionally E.164 with a default country code. What cannot be made plausible
/// is left empty (and counted), so an export never writes a value the contract rejects.
/// </summary>
public sealed partial class ContactNormalizer(string? defaultCountryCode)
{
    // "555.123.4567 ext 2", "x12", "#3", "ext. 4": an extension after the number is dropped.
    [GeneratedRegex(@"\s*(?:e?xt\.?|extension|x|#)\s*\d{1,6}\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Extension();

    /// <summary>Phones that could not be made plausible and were left empty.</summary>
    public int DroppedPhones { get; private set; }

    /// <summary>E-mails that were implausible or too long and were left empty.</summary>
    public int DroppedEmails { get; private set; }

    // Issue 18: a country code of ASCII digits only (nearly always) lets the common phone be made in one pass (below).
    private readonly bool _digitsOnlyCountryCode = defaultCountryCode is { Length: > 0 and <= 8 } && defaultCountryCode.AsSpan().IndexOfAnyExceptInRange('0', '9') < 0;

    /// <summary>A contract phone, or null for an empty or implausible one.</summary>
    public string? Phone(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var span = raw.AsSpan().Trim();
        if ((defaultCountryCode is null || _digitsOnlyCountryCode) && span.IndexOfAnyInRange('A', 'z') < 0 && !span.Contains('#') && span.Length <= 64)
        {
            var phone = PhoneInOnePass(span);
            if (phone is null)
            {
                DroppedPhones++;
            }

            return phone;
        }

        return PhoneGeneral(raw);
    }

    /// <summary>
    /// What <see cref="PhoneGeneral"/> makes of a trimmed phone without letters or '#' (no extension to cut), with at most
    /// 64 characters and a country code of digits (or none), built in one buffer and one string instead of three (issue 18:
    /// two phones a row, a million rows). ContactNormalizerTests compare the two on generated phones.
    /// </summary>
    private string? PhoneInOnePass(ReadOnlySpan<char> trimmed)
    {
        // ContactRules.NormalizePhone: digits and one leading '+' kept, formatting dropped, anything else refused.
        Span<char> normalized = stackalloc char[64];
        var length = 0;
        foreach (var c in trimmed)
        {
            if (char.IsAsciiDigit(c) || (c == '+' && length == 0))
            {
                normalized[length++] = c;
            }
            else if (!IsPhoneFormatting(c))
            {
                return null;
            }
        }

        var digits = normalized[..length];
        var digitCount = length > 0 && digits[0] == '+' ? length - 1 : length;
        if (digitCount is < ContactRules.MinPhoneDigits or > ContactRules.MaxPhoneDigits)
        {
            return null;
        }

        if (defaultCountryCode is null || digits[0] == '+')
        {
            return new string(digits);
        }

        // ToE164 on digits only: "00" is the international prefix; NANP's leading 1; one trunk '0' dropped (not for code 1).
        Span<char> e164 = stackalloc char[1 + 8 + 64];
        e164[0] = '+';
        int written;
        if (digits.StartsWith("00"))
        {
            digits[2..].CopyTo(e164[1..]);
            written = 1 + digits.Length - 2;
        }
        else if (defaultCountryCode == "1" && digits.Length == 11 && digits[0] == '1')
        {
            digits.CopyTo(e164[1..]);
            written = 1 + digits.Length;
        }
        else
        {
            var national = defaultCountryCode != "1" && digits[0] == '0' ? digits[1..] : digits;
            defaultCountryCode.AsSpan().CopyTo(e164[1..]);
            national.CopyTo(e164[(1 + defaultCountryCode.Length)..]);
            written = 1 + defaultCountryCode.Length + national.Length;
        }

        // ContactRules.IsPlausiblePhone of "+" and digits: the digit count.
        return written - 1 is >= ContactRules.MinPhoneDigits and <= ContactRules.MaxPhoneDigits ? new string(e164[..written]) : null;
    }

    private static bool IsPhoneFormatting(char c) => c is ' ' or '-' or '.' or '(' or ')' or '/';

    /// <summary>The phone path for any input (extensions, any country code); <see cref="Phone"/> takes it when the one-pass path does not apply.</summary>
    internal string? PhoneGeneral(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        // The extension pattern only matters when letters or '#' are present (most phones have none).
        var trimmed = raw.Trim();
        var withoutExtension = trimmed.AsSpan().IndexOfAnyInRange('A', 'z') >= 0 || trimmed.Contains('#', StringComparison.Ordinal)
            ? Extension().Replace(trimmed, "")
            : trimmed;
        var normalized = ContactRules.NormalizePhone(withoutExtension);
        if (normalized is null)
        {
            DroppedPhones++;
            return null;
        }

        if (defaultCountryCode is not null)
        {
            normalized = ToE164(normalized, defaultCountryCode);
            if (!ContactRules.IsPlausiblePhone(normalized))
            {
                DroppedPhones++;
                return null;
            }
        }

        return normalized;
    }

    /// <summary>A contract e-mail (trimmed), or null for an empty, implausible or over-long one.</summary>
    public string? Email(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var email = raw.Trim();
        if (email.Length > 50 || !ContactRules.IsPlausibleEmail(email))
        {
            DroppedEmails++;
            return null;
        }

        return email;
    }

    /// <summary>
    /// E.164: "+CC…". A number that already starts with '+' is kept; "00" is the international
    /// prefix; one leading trunk '0' of a national number is dropped (not for NANP, code 1, which
    /// has none).
    /// </summary>
    internal static string ToE164(string digits, string countryCode)
    {
        if (digits.StartsWith('+'))
        {
            return digits;
        }

        if (digits.StartsWith("00", StringComparison.Ordinal))
        {
            return "+" + digits[2..];
        }

        if (countryCode == "1" && digits.Length == 11 && digits[0] == '1')
        {
            return "+" + digits;
        }

        var national = countryCode != "1" && digits.StartsWith('0') ? digits[1..] : digits;
        return "+" + countryCode + national;
    }
}
