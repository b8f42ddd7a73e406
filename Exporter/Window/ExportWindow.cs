using System.Diagnostics.CodeAnalysis;
using RecallFiles.Schemas;

namespace RecallFiles.Exporter;

/// <summary>
/// The export window <c>[now − WindowPast, now + WindowAhead)</c>: inclusive start, exclusive end, as
/// instants. PMS databases hold local wall-clock times, so each appointment's local time is turned
/// into an instant in its time zone before it is compared, which keeps the window exact across DST
/// changes (docs/exporter.md).
/// </summary>
public sealed record ExportWindow(DateTimeOffset StartUtc, DateTimeOffset EndUtc, TimeZoneInfo TimeZone)
{
    /// <summary>The window around <paramref name="nowUtc"/>.</summary>
    public static ExportWindow Around(DateTimeOffset nowUtc, TimeSpan past, TimeSpan ahead, TimeZoneInfo timeZone) =>
        new(nowUtc.ToUniversalTime() - past, nowUtc.ToUniversalTime() + ahead, timeZone);

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

    /// <summary>
    /// The agent's one time-zone lookup: an IANA or Windows id; false (and no zone) when the machine knows neither.
    /// There is no fallback to UTC: a caller that cannot use the zone must fail, naming the key (<see cref="FindTimeZone"/>).
    /// </summary>
    public static bool TryFindTimeZone(string? id, [NotNullWhen(true)] out TimeZoneInfo? zone) => TimeZones.TryFind(id, out zone);

    /// <summary>The zone of <paramref name="id"/>; throws <see cref="Sources.ExportException"/> naming <paramref name="configKey"/> when it is unknown.</summary>
    public static TimeZoneInfo FindTimeZone(string? id, string configKey) =>
        TryFindTimeZone(id, out var zone) ? zone : throw new Sources.ExportException(UnknownTimeZone(id, configKey));

    /// <summary>The message for an unknown time zone id under <paramref name="configKey"/>.</summary>
    internal static string UnknownTimeZone(string? id, string configKey) =>
        $"{configKey} '{id}' is not a known time zone; use an IANA name such as Europe/Madrid or America/New_York";
}
