using System.Text.RegularExpressions;
using RecallFiles.Schemas;

namespace RecallFiles.Exporter.Sources;

/// <summary>
/// Turns source rows into contract records: applies the exact window (start inclusive, end
/// exclusive, as instants in each appointment's time zone), keeps Complete appointments only in
/// the past part, normalises phones and e-mails, and drops values the contract would reject so an
/// export never writes an invalid file because of one badly typed phone.
/// </summary>
public sealed partial class AppointmentMapper(PracticeExportOptions options, DateTimeOffset nowUtc)
{
    [GeneratedRegex("^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,4})?$", RegexOptions.CultureInvariant)]
    private static partial Regex LanguageCode();

    // SMS, e-mail, landline flags (tuOtempO A.2.1 COMMUNICATION_PREFERENCES), by bit pattern.
    private static readonly string[] Preferences = ["000", "001", "010", "011", "100", "101", "110", "111"];

    /// <summary>Phone and e-mail normalisation, with counts of what was dropped.</summary>
    public ContactNormalizer Contacts { get; } = new(options.DefaultCountryCode);

    /// <summary>Rows outside the exact window.</summary>
    public int OutsideWindow { get; private set; }

    /// <summary>The record, or null when the appointment is outside the window.</summary>
    public AppointmentRecord? Map(SourceAppointment s, ExportWindow window)
    {
        var zone = s.TimeZone ?? window.TimeZone;
        var instant = ToInstant(s.LocalStart, zone);
        if (!window.Contains(instant) || (s.AllowedOnlyInPast && instant >= nowUtc))
        {
            OutsideWindow++;
            return null;
        }

        var date = DateOnly.FromDateTime(s.LocalStart);
        var end = s.LocalEnd is { } e && e.Date == s.LocalStart.Date && e > s.LocalStart ? ContractFormats.FormatTime(TimeOnly.FromDateTime(e)) : null;
        var mobile = Contacts.Phone(s.MobilePhone);
        var landline = Contacts.Phone(s.LandlinePhone);
        var email = Contacts.Email(s.Email);
        return new AppointmentRecord
        {
            AppLid = s.AppLid,
            AppDate = FormatDate(date),
            AppStartTime = s.TimeKnown ? ContractFormats.FormatTime(TimeOnly.FromDateTime(s.LocalStart)) : null,
            UserLandlinePhone = landline,
            UserMobilePhone = mobile,
            UserEmail = email,
            ResourceLid = s.ResourceLid,
            ResourceName = Truncate(s.ResourceName) ?? "",
            ResourceMobilePhone = Contacts.Phone(s.ResourceMobilePhone),
            ResourceEmail = Contacts.Email(s.ResourceEmail),
            LocationLid = s.LocationLid,
            LocationName = Truncate(s.LocationName),
            AppEndTime = end,
            UserWorkPhone = Contacts.Phone(s.WorkPhone),
            UserLanguage = s.Language is { } l && LanguageCode().IsMatch(l) ? l : null,
            CommunicationPreferences = s.CommunicationPreferences ?? Preferences[(mobile is null ? 0 : 4) + (email is null ? 0 : 2) + (landline is null ? 0 : 1)],
            Privacy = s.Privacy,
            Status = s.Status,
        };
    }

    // Rows come sorted by start time, so consecutive rows nearly always share a date: its text is made once (issue 18).
    private DateOnly _lastDate = DateOnly.MinValue;
    private string _lastDateText = ContractFormats.FormatDate(DateOnly.MinValue);

    private string FormatDate(DateOnly date)
    {
        if (date != _lastDate)
        {
            _lastDateText = ContractFormats.FormatDate(date);
            _lastDate = date;
        }

        return _lastDateText;
    }

    // Names of resources and locations are not ids: cutting them to the contract's 50 characters
    // is better than failing the export. Ids are never cut (the validator rejects long ones).
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(value))]
    private static string? Truncate(string? value) => value is null || value.Length <= 50 ? value : value[..50];

    // Time zone rules are slow to walk and appointments share a few thousand distinct start times:
    // remember each local time's instant, per zone.
    private readonly Dictionary<TimeZoneInfo, Dictionary<long, DateTimeOffset>> _instants = [];

    private DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone)
    {
        if (!_instants.TryGetValue(zone, out var cache))
        {
            _instants[zone] = cache = [];
        }

        if (!cache.TryGetValue(local.Ticks, out var instant))
        {
            instant = ExportWindow.ToInstant(local, zone);
            if (cache.Count < 100_000)
            {
                cache[local.Ticks] = instant;
            }
        }

        return instant;
    }

    /// <summary>The practice this mapper writes for.</summary>
    public string PracticeId => options.PracticeId;
}
