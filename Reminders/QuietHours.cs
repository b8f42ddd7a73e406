using RecallFiles.Schemas;

namespace RecallFiles.Reminders;

/// <summary>
/// Quiet hours: messages go out between <c>from</c> and <c>until</c>, local time of the practice (default 08:00–21:00).
/// A reminder due outside them is moved to the last allowed moment before (the evening before, or 21:00 of the same
/// day), so it still arrives before the visit; a feedback due outside them waits for the next allowed moment, so it is
/// never sent before the visit's end plus the delay. Local times are turned into instants with the zone's rules of that
/// day (a DST change in between is counted).
/// </summary>
public static class QuietHours
{
    /// <summary>A reminder's send time: <paramref name="due"/>, or the last allowed moment before it.</summary>
    public static DateTimeOffset Earlier(DateTimeOffset due, TimeZoneInfo zone, TimeOnly from, TimeOnly until) => Move(due, zone, from, until, earlier: true);

    /// <summary>A feedback's send time: <paramref name="due"/>, or the first allowed moment after it.</summary>
    public static DateTimeOffset Later(DateTimeOffset due, TimeZoneInfo zone, TimeOnly from, TimeOnly until) => Move(due, zone, from, until, earlier: false);

    private static DateTimeOffset Move(DateTimeOffset due, TimeZoneInfo zone, TimeOnly from, TimeOnly until, bool earlier)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = TimeZoneInfo.ConvertTime(due, zone).DateTime;
        var time = TimeOnly.FromDateTime(local);
        if (time >= from && time <= until)
        {
            return due;
        }

        // Before `from` in the morning: the evening before (earlier) or this morning (later); after `until`: this evening or tomorrow morning.
        var day = local.Date.AddDays((earlier, time < from) switch { (true, true) => -1, (false, false) => 1, _ => 0 });
        return LocalTimes.ToInstant(day + (earlier ? until : from).ToTimeSpan(), zone);
    }
}
