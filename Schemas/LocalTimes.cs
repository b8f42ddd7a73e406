namespace RecallFiles.Schemas;

/// <summary>
/// Local wall-clock times (what PMS databases and contract files hold) to instants, one rule for
/// every part of RecallFiles: an ambiguous time (the repeated hour when clocks go back) is its first
/// occurrence; a time that does not exist (the skipped hour when clocks go forward) is moved forward
/// by the gap, as the clock on the wall would read it.
/// </summary>
public static class LocalTimes
{
    /// <summary>The instant of <paramref name="local"/> in <paramref name="zone"/>.</summary>
    public static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone)
    {
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(unspecified))
        {
            var gap = zone.GetAdjustmentRules()
                .Where(r => r.DateStart <= unspecified && r.DateEnd >= unspecified)
                .Select(r => r.DaylightDelta)
                .FirstOrDefault(TimeSpan.FromHours(1));
            unspecified = unspecified.Add(gap);
        }

        if (zone.IsAmbiguousTime(unspecified))
        {
            var offsets = zone.GetAmbiguousTimeOffsets(unspecified);
            var first = offsets.Max();   // the larger offset (daylight time) is the earlier instant
            return new DateTimeOffset(unspecified, first);
        }

        return new DateTimeOffset(unspecified, zone.GetUtcOffset(unspecified));
    }
}
