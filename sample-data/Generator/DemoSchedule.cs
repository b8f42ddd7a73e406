using System.Globalization;
using Bogus;
using RecallFiles.Schemas;

namespace RecallFiles.SampleData;

/// <summary>One booked appointment of the demo practice, with everything any sample file needs of it.</summary>
internal sealed record DemoAppointment(
    string AppLid,
    DateTime LocalStart,
    int Minutes,
    Provider Provider,
    Location Location,
    Contact Contact,
    AppointmentStatus Status)
{
    public DateTimeOffset UtcStart => new DateTimeOffset(LocalStart, DemoPractice.UtcOffset).ToUniversalTime();

    /// <summary>The row as the PMS exports it; the extension columns are filled and the writer keeps those it was asked for.</summary>
    public AppointmentRecord ToRecord() => new()
    {
        AppLid = AppLid,
        AppDate = ContractFormats.FormatDate(DateOnly.FromDateTime(LocalStart)),
        AppStartTime = ContractFormats.FormatTime(TimeOnly.FromDateTime(LocalStart)),
        UserLandlinePhone = Contact.Landline,
        UserMobilePhone = Contact.Mobile,
        UserEmail = Contact.Email,
        ResourceLid = Provider.Lid,
        ResourceName = Provider.Name,
        ResourceMobilePhone = Provider.Mobile,
        ResourceEmail = Provider.Email,
        LocationLid = Location.Lid,
        LocationName = Location.Name,
        AppEndTime = ContractFormats.FormatTime(TimeOnly.FromDateTime(LocalStart.AddMinutes(Minutes))),
        UserLanguage = Contact.Language,
        CommunicationPreferences = Contact.IsUnreachable ? null : Contact.Preferences,
        Status = Status.ToWire(),
    };
}

/// <summary>
/// The demo practice's book: every appointment from 24 hours before the reference time to 76 hours
/// after it (the main export's window plus the 4 hours the second export moves on), deterministic
/// from <see cref="DemoPractice.Seed"/>.
/// </summary>
internal static class DemoSchedule
{
    /// <summary>Rows of the main appointment file (the window of the reference time).</summary>
    public const int MainFileRows = 300;

    /// <summary>Share of the free slots booked in the 4 hours after the main window.</summary>
    private const double LaterOccupancy = 0.75;

    public static IReadOnlyList<DemoAppointment> Build(Randomizer random)
    {
        var mainFrom = Local(DemoPractice.ReferenceTime - DemoPractice.WindowPast);
        var mainTo = Local(DemoPractice.ReferenceTime + DemoPractice.WindowAhead);
        var laterTo = mainTo.AddHours(4);

        var slots = Slots(mainFrom, laterTo).ToList();
        var main = slots.Where(s => s.Start < mainTo).ToList();
        var later = slots.Where(s => s.Start >= mainTo).ToList();
        if (main.Count < MainFileRows)
        {
            throw new InvalidOperationException($"the demo practice has only {main.Count} slots in the window; fewer than {MainFileRows}");
        }

        var booked = random.Shuffle(main).Take(MainFileRows)
            .Concat(random.Shuffle(later).Take((int)Math.Round(later.Count * LaterOccupancy)))
            .ToList();

        // APP_LIDs are the PMS's appointment numbers, given in booking order (not in time order), with gaps.
        var number = 418_200;
        var contacts = new Contacts(random);
        var appointments = new List<DemoAppointment>(booked.Count);
        foreach (var slot in booked)
        {
            number += random.Number(1, 9);
            var status = slot.Start < Local(DemoPractice.ReferenceTime) || random.Bool(0.3f) ? AppointmentStatus.Approved : AppointmentStatus.Pending;
            appointments.Add(new DemoAppointment(number.ToString(CultureInfo.InvariantCulture), slot.Start, slot.Provider.SlotMinutes,
                slot.Provider, slot.Location, contacts.Next(), status));
        }

        return [.. appointments.OrderBy(a => a.LocalStart).ThenBy(a => a.Provider.Lid, StringComparer.Ordinal)];
    }

    /// <summary>Appointments an export at <paramref name="exportTime"/> contains: start in [export − 24 h, export + 72 h).</summary>
    public static IEnumerable<DemoAppointment> InWindow(IEnumerable<DemoAppointment> book, DateTimeOffset exportTime) =>
        book.Where(a => a.UtcStart >= exportTime - DemoPractice.WindowPast && a.UtcStart < exportTime + DemoPractice.WindowAhead);

    public static DateTime Local(DateTimeOffset time) => time.ToOffset(DemoPractice.UtcOffset).DateTime;

    private static IEnumerable<(DateTime Start, Provider Provider, Location Location)> Slots(DateTime from, DateTime to)
    {
        for (var day = from.Date; day < to; day = day.AddDays(1))
        {
            foreach (var provider in DemoPractice.Providers)
            {
                if (!provider.LocationByDay.TryGetValue(day.DayOfWeek, out var locationLid))
                {
                    continue;
                }

                foreach (var (open, close) in DemoPractice.OpeningHours(day.DayOfWeek))
                {
                    for (var t = day + open.ToTimeSpan(); t.AddMinutes(provider.SlotMinutes) <= day + close.ToTimeSpan(); t = t.AddMinutes(provider.SlotMinutes))
                    {
                        if (t >= from && t < to)
                        {
                            yield return (t, provider, DemoPractice.LocationOf(locationLid));
                        }
                    }
                }
            }
        }
    }
}
