namespace RecallFiles.Schemas.Validation;

/// <summary>
/// A hand-written check that says "this record has no problem at all" much faster than running the
/// FluentValidation rules (≈ 0.1 µs against ≈ 1.2 µs a row). It may only answer true when the
/// validator would report neither an error nor a warning; when it answers false, the validator runs
/// and produces the exact problems. <c>FastPathTests</c> checks that promise against the validator on
/// generated records. The FluentValidation rules stay the specification.
/// </summary>
internal static class FastPath
{
    private const int Max = RuleExtensions.SpecLength;
    private static readonly System.Buffers.SearchValues<char> AsciiAlphanumeric =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");

    public static bool IsCertainlyClean(AppointmentRecord r)
    {
        var startValid = r.AppStartTime is not null && ContractFormats.TryParseTime(r.AppStartTime, out _);
        return Key(r.AppLid) && Key(r.ResourceLid) && Key(r.ResourceName) && RuleExtensions.ControlAt(r.ResourceName, true) < 0
            && !string.IsNullOrWhiteSpace(r.AppDate) && ContractFormats.TryParseDate(r.AppDate, out _)
            && (r.AppStartTime is null || startValid)
            && Phone(r.UserLandlinePhone) && Phone(r.UserMobilePhone) && Phone(r.UserWorkPhone) && Phone(r.ResourceMobilePhone)
            && Email(r.UserEmail) && Email(r.ResourceEmail)
            && Text(r.LocationLid) && Text(r.LocationName)
            && (r.LocationLid is null || RuleExtensions.ControlAt(r.LocationLid, false) < 0) && (r.LocationName is null || RuleExtensions.ControlAt(r.LocationName, true) < 0)
            && (r.AppEndTime is null || (ContractFormats.TryParseTime(r.AppEndTime, out _) && (!startValid || string.CompareOrdinal(r.AppEndTime, r.AppStartTime) > 0)))
            && (r.UserLanguage is null || Language(r.UserLanguage))
            && (r.CommunicationPreferences is null || r.CommunicationPreferences is [('0' or '1'), ('0' or '1'), ('0' or '1')])
            && (r.Privacy is null || r.Privacy is "0" or "1" or "Y" or "N" or "y" or "n")
            && (r.Status is null || AppointmentStatuses.NormalizeAppointmentStatus(r.Status) is not null)
            && (r.UserMobilePhone is not null || r.UserLandlinePhone is not null || r.UserEmail is not null || r.UserWorkPhone is not null);
    }

    private static bool Key(string value) => !string.IsNullOrWhiteSpace(value) && value.Length <= Max && !value.Contains('\0', StringComparison.Ordinal)
        && RuleExtensions.ControlAt(value, false) < 0;

    private static bool Text(string? value) => value is null || (value.Length <= Max && !value.Contains('\0', StringComparison.Ordinal));

    private static bool Phone(string? value) => value is null || (value.Length <= Max && ContactRules.IsPlausiblePhone(value));

    private static bool Email(string? value) => value is null || (value.Length <= Max && ContactRules.IsPlausibleEmail(value));

    // ^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,4})?$, ASCII only.
    private static bool Language(string value)
    {
        var letters = 0;
        while (letters < value.Length && char.IsAsciiLetter(value[letters]))
        {
            letters++;
        }

        if (letters is < 2 or > 3)
        {
            return false;
        }

        if (letters == value.Length)
        {
            return true;
        }

        if (value[letters] is not ('-' or '_'))
        {
            return false;
        }

        var region = value.AsSpan(letters + 1);
        return region.Length is >= 2 and <= 4 && !region.ContainsAnyExcept(AsciiAlphanumeric);
    }
}
