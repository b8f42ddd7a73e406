using RecallFiles.Schemas;

namespace RecallFiles.Exporter;

/// <summary>
/// The export window <c>[now − PastHours, now + AheadHours)</c>: inclusive start, exclusive end, as
/// instants. PMS databases hold local wall-clock times, so each appointment's local time is turned
/// into an instant in its time zone before it is compared, which keeps the window exact across DST
/// changes (docs/exporter.md).
/// </summary>
public sealed record ExportWindow(DateTimeOffset StartUtc, DateTimeOffset EndUtc, TimeZoneInfo TimeZone)
{
    /// <summary>The window around <paramref name="nowUtc"/>.</summary>
    public static ExportWindow Around(DateTimeOffset nowUtc, int pastHours, int aheadHours, TimeZoneInfo timeZone) =>
        new(nowUtc.ToUniversalTime().AddHours(-pastHours), nowUtc.ToUniversalTime().AddHours(aheadHours), timeZone);

    /// <summary>The window's start as local wall-clock time in <see cref="TimeZone"/>.</summary>
    public DateTime LocalStart => TimeZoneInfo.ConvertTime(StartUtc, TimeZone).DateTime;

    /// <summary>The window's end as local wall-clock time in <see cref="TimeZone"/>.</summary>
    public DateTime LocalEnd => TimeZoneInfo.ConvertTime(EndUtc, TimeZone).DateTime;

    /// <summary>True when the instant is inside: start inclusive, end exclusive.</summary>
    public bool Contains(DateTimeOffset instant) => instant >= StartUtc && instant < EndUtc;

    /// <summary>
    /// The instant of a local wall-clock time. An ambiguous time (the repeated hour when clocks go
    /// back) is its first occurrence; a time that does not exist (the skipped hour when clocks go
    /// forward) is moved forward by the gap, as the clock on the wall would read it.
    /// </summary>
    public static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone) => LocalTimes.ToInstant(local, zone);

    /// <summary>Finds an IANA or Windows time zone id; false when the machine knows neither.</summary>
    public static bool TryFindTimeZone(string? id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id))
        {
            return false;
        }

        return TimeZoneInfo.TryFindSystemTimeZoneById(id.Trim(), out zone!);
    }
}
