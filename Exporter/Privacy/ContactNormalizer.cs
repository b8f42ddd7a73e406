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

    /// <summary>A contract phone, or null for an empty or implausible one.</summary>
    public string? Phone(string? raw)
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
