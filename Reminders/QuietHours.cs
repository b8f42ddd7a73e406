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
    public static DateTimeOffset Earlier(DateTimeOffset due, TimeZoneInfo zone, TimeOnly from, TimeOnly until)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = TimeZoneInfo.ConvertTime(due, zone).DateTime;
        var time = TimeOnly.FromDateTime(local);
        if (time >= from && time <= until)
        {
            return due;
        }

        var day = time > until ? local.Date : local.Date.AddDays(-1);
        return LocalTimes.ToInstant(day + until.ToTimeSpan(), zone);
    }

    /// <summary>A feedback's send time: <paramref name="due"/>, or the first allowed moment after it.</summary>
    public static DateTimeOffset Later(DateTimeOffset due, TimeZoneInfo zone, TimeOnly from, TimeOnly until)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = TimeZoneInfo.ConvertTime(due, zone).DateTime;
        var time = TimeOnly.FromDateTime(local);
        if (time >= from && time <= until)
        {
            return due;
        }

        var day = time < from ? local.Date : local.Date.AddDays(1);
        return LocalTimes.ToInstant(day + from.ToTimeSpan(), zone);
    }
}
