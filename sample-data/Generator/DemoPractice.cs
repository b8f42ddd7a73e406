namespace RecallFiles.SampleData;

/// <summary>A provider (RESOURCE_*) of the demo practice and when and where they work.</summary>
internal sealed record Provider(
    string Lid,
    string Name,
    string? Mobile,
    string? Email,
    int SlotMinutes,
    IReadOnlyDictionary<DayOfWeek, string> LocationByDay);

/// <summary>A location (LOCATION_*) of the demo practice.</summary>
internal sealed record Location(string Lid, string Name);

/// <summary>
/// The fictional dental practice <c>DEMO-01</c>: two clinics in Madrid, six providers, and the fixed
/// reference time every sample file is made relative to. Nothing here is a patient.
/// </summary>
internal static class DemoPractice
{
    public const string Id = "DEMO-01";

    /// <summary>The seed of every random choice: change it and every sample file changes.</summary>
    public const int Seed = 20261123;

    /// <summary>The export time of the main appointment file: Monday 23 Nov 2026, 08:00 UTC = 09:00 in Madrid.</summary>
    public static DateTimeOffset ReferenceTime { get; } = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// The practice's wall clock is Europe/Madrid. Summer time ended on 25 Oct 2026 and starts again on
    /// 28 Mar 2027, so every date the samples touch is CET, UTC+1: a fixed offset keeps the generator
    /// independent of the machine's time zone database.
    /// </summary>
    public static TimeSpan UtcOffset { get; } = TimeSpan.FromHours(1);

    /// <summary>The export window of tuOtempO A.1.1: from 24 hours past to 72 hours ahead of the export time.</summary>
    public static TimeSpan WindowPast { get; } = TimeSpan.FromHours(24);

    /// <summary>See <see cref="WindowPast"/>.</summary>
    public static TimeSpan WindowAhead { get; } = TimeSpan.FromHours(72);

    public static Location Centro { get; } = new("CEN", "Clínica Dental Centro");

    public static Location Norte { get; } = new("NOR", "Clínica Dental Norte");

    private static readonly DayOfWeek[] Weekdays = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

    /// <summary>
    /// The providers. Resource phones and e-mails are the practice's own (staff, not patients); they use
    /// the same fictional ranges as the patients' (docs/sample-data.md).
    /// </summary>
    public static IReadOnlyList<Provider> Providers { get; } =
    [
        new("DDS1", "Dr. Molina", "+34 600 000 101", "molina@example.com", 30, Days(Weekdays, Centro)),
        new("DDS2", "Dra. Ortega", "+34 600 000 102", null, 30, Days(Weekdays, Norte)),
        // Dr. Serrano also covers the Sunday morning emergency shift at Centro.
        new("DDS3", "Dr. Serrano", null, "serrano@example.com", 30,
            Days([DayOfWeek.Monday, DayOfWeek.Wednesday, DayOfWeek.Friday], Norte, [DayOfWeek.Tuesday, DayOfWeek.Thursday, DayOfWeek.Sunday], Centro)),
        new("DDS4", "Dra. Ibáñez", "+34 600 000 104", "ibanez@example.net", 30, Days(Weekdays, Norte)),
        new("HYG1", "Hig. Navarro", null, null, 30, Days(Weekdays, Centro)),
        // Orthodontic check-ups are short.
        new("ORT1", "Dra. Vidal (ortodoncia)", "+34 600 000 106", "vidal@example.com", 15,
            Days([DayOfWeek.Tuesday, DayOfWeek.Wednesday], Norte, [DayOfWeek.Monday, DayOfWeek.Thursday], Centro)),
    ];

    /// <summary>Opening hours, local time: 09:00–14:00 and 16:00–20:00 on weekdays, 10:00–14:00 on Sunday (emergencies).</summary>
    public static IReadOnlyList<(TimeOnly From, TimeOnly To)> OpeningHours(DayOfWeek day) => day switch
    {
        DayOfWeek.Saturday => [],
        DayOfWeek.Sunday => [(new TimeOnly(10, 0), new TimeOnly(14, 0))],
        _ => [(new TimeOnly(9, 0), new TimeOnly(14, 0)), (new TimeOnly(16, 0), new TimeOnly(20, 0))],
    };

    public static Location LocationOf(string lid) => lid == Centro.Lid ? Centro : Norte;

    private static Dictionary<DayOfWeek, string> Days(DayOfWeek[] days, Location location, DayOfWeek[]? otherDays = null, Location? other = null)
    {
        var map = days.ToDictionary(d => d, _ => location.Lid);
        foreach (var d in otherDays ?? [])
        {
            map[d] = other!.Lid;
        }

        return map;
    }
}
