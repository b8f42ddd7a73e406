using System.Globalization;
using Bogus;
using RecallFiles.Schemas;

namespace RecallFiles.SampleData;

/// <summary>
/// Streams a large, valid appointment file for benchmarks: the demo practice's providers, locations and
/// contact mix (without unreachable patients, so a validation report stays small), one row after the
/// other through <see cref="ContractWriter"/>, so memory does not depend on the row count.
/// </summary>
internal static class BigFile
{
    /// <summary>Appointments per day across the practice group; days run on from the reference date.</summary>
    private const int RowsPerDay = 2_000;

    /// <summary>Writes <paramref name="rows"/> appointment rows to <paramref name="stream"/>; returns the row count.</summary>
    public static long Write(Stream stream, long rows, int seed = DemoPractice.Seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        var contacts = new Contacts(new Randomizer(seed));
        var firstDay = DateOnly.FromDateTime(DemoSchedule.Local(DemoPractice.ReferenceTime));
        var providers = DemoPractice.Providers;
        using var writer = ContractWriter.ForAppointments(stream, leaveOpen: true);
        for (long i = 0; i < rows; i++)
        {
            var day = firstDay.AddDays((int)(i / RowsPerDay));
            var slot = (int)(i % RowsPerDay);
            var provider = providers[slot % providers.Count];
            // 44 quarter hours from 09:00 to 20:00, spread over the day's rows.
            var start = new TimeOnly(9, 0).AddMinutes(15 * (slot / providers.Count % 44));
            var location = slot % 2 == 0 ? DemoPractice.Centro : DemoPractice.Norte;
            var contact = contacts.Next(allowUnreachable: false);
            writer.Write(new AppointmentRecord
            {
                AppLid = (1_000_000 + i).ToString(CultureInfo.InvariantCulture),
                AppDate = ContractFormats.FormatDate(day),
                AppStartTime = ContractFormats.FormatTime(start),
                UserLandlinePhone = contact.Landline,
                UserMobilePhone = contact.Mobile,
                UserEmail = contact.Email,
                ResourceLid = provider.Lid,
                ResourceName = provider.Name,
                ResourceMobilePhone = provider.Mobile,
                ResourceEmail = provider.Email,
                LocationLid = location.Lid,
                LocationName = location.Name,
            });
        }

        writer.Flush();
        return writer.Count;
    }

    /// <summary>Writes a file; a folder (or a path without <c>.csv</c>) gets the contract file name of the reference time.</summary>
    public static string WriteFile(string output, long rows, string practiceId)
    {
        PracticeId.Ensure(practiceId, nameof(practiceId));
        var path = output.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)
            ? output
            : Path.Combine(output, ContractFileName.Create(FileKind.Appointments, practiceId, DemoPractice.ReferenceTime).ToString());
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Write(stream, rows);
        return path;
    }
}
