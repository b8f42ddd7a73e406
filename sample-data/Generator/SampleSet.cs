using Bogus;
using RecallFiles.Schemas;

namespace RecallFiles.SampleData;

/// <summary>What <see cref="SampleSet.Write"/> produced: paths relative to the output folder, and row counts.</summary>
internal sealed record GeneratedFile(string RelativePath, FileKind? Kind, int Rows);

/// <summary>
/// Writes the whole sample set of practice DEMO-01 (docs/sample-data.md): two appointment exports four
/// hours apart, the status file the reminder service sent in between, the PMS's result file for it,
/// and the malformed corpus. Byte-identical on every run and machine.
/// </summary>
internal static class SampleSet
{
    public const string AppointmentsFolder = "appointments";
    public const string StatusFolder = "status";
    public const string ResultsFolder = "results";
    public const string MalformedFolder = "malformed";

    /// <summary>The second export, four hours after the reference time (the default export schedule).</summary>
    public static DateTimeOffset SecondExportTime { get; } = DemoPractice.ReferenceTime.AddHours(4);

    /// <summary>The reminder service sends its status file two hours after the first export.</summary>
    public static DateTimeOffset StatusTime { get; } = DemoPractice.ReferenceTime.AddHours(2);

    /// <summary>The PMS answers five minutes after the status file arrived.</summary>
    public static DateTimeOffset ResultTime { get; } = StatusTime.AddMinutes(5);

    /// <summary>The columns of the second export: the extensions a practice typically configures.</summary>
    public static IReadOnlyList<string> ExtensionColumns { get; } =
        [Columns.AppEndTime, Columns.UserLanguage, Columns.CommunicationPreferences, Columns.Status];

    /// <summary>Writes every sample file under <paramref name="root"/> (created when missing) and lists them.</summary>
    public static IReadOnlyList<GeneratedFile> Write(string root)
    {
        var random = new Randomizer(DemoPractice.Seed);
        var book = DemoSchedule.Build(random);
        var files = new List<GeneratedFile>();

        // 1. The main export: the 12 columns of tuOtempO A.1.1 only, as most PMS vendors send it.
        var main = DemoSchedule.InWindow(book, DemoPractice.ReferenceTime).ToList();
        files.Add(WriteAppointments(root, DemoPractice.ReferenceTime, main, extensions: []));

        // 2. The reminder service's replies for upcoming appointments (tuOtempO A.1.2.1), all four statuses.
        var statusRows = StatusRows(random, main);
        files.Add(WriteFile(root, StatusFolder, FileKind.Status, StatusTime, statusRows.Count, s =>
        {
            using var w = ContractWriter.ForStatus(s);
            w.WriteAll(statusRows.Select(r => r.Record));
        }));

        // 3. What the PMS made of them: mostly OK, and one of each failure.
        var results = Results(statusRows);
        files.Add(WriteFile(root, ResultsFolder, FileKind.StatusResult, ResultTime, results.Count, s =>
        {
            using var w = ContractWriter.ForStatusResults(s);
            w.WriteAll(results);
        }));

        // 4. The next export, four hours on, with extension columns and the applied statuses; the
        //    appointment the PMS no longer had (NOT_FOUND) is gone.
        var applied = statusRows.Zip(results)
            .Where(p => p.Second.Result == StatusResultCode.Ok.ToWire())
            .ToDictionary(p => p.First.Record.AppLid, p => p.First.Status);
        var deleted = results.Where(r => r.Result == StatusResultCode.NotFound.ToWire()).Select(r => r.AppLid).ToHashSet();
        var second = DemoSchedule.InWindow(book, SecondExportTime)
            .Where(a => !deleted.Contains(a.AppLid))
            .Select(a => applied.TryGetValue(a.AppLid, out var s) ? a with { Status = s } : a)
            .ToList();
        files.Add(WriteAppointments(root, SecondExportTime, second, ExtensionColumns));

        // 5. The malformed corpus (its expected reports are written by hand, beside each file).
        var malformed = Path.Combine(root, MalformedFolder);
        Directory.CreateDirectory(malformed);
        foreach (var (name, bytes) in MalformedCorpus.Files())
        {
            File.WriteAllBytes(Path.Combine(malformed, name), bytes);
            files.Add(new GeneratedFile($"{MalformedFolder}/{name}", null, -1));
        }

        return files;
    }

    private sealed record StatusRow(StatusRecord Record, AppointmentStatus Status);

    private static List<StatusRow> StatusRows(Randomizer random, List<DemoAppointment> main)
    {
        // Patients answer reminders of upcoming appointments they can be reached for.
        var candidates = main.Where(a => a.UtcStart > StatusTime && a.Status == AppointmentStatus.Pending && !a.Contact.IsUnreachable).ToList();
        AppointmentStatus[] statuses =
        [
            .. Enumerable.Repeat(AppointmentStatus.Approved, 10),
            .. Enumerable.Repeat(AppointmentStatus.CancelledByUser, 6),
            .. Enumerable.Repeat(AppointmentStatus.CancelledByAdmin, 3),
            .. Enumerable.Repeat(AppointmentStatus.Pending, 5),
        ];
        var picked = random.Shuffle(candidates).Take(statuses.Length).ToList();
        var order = random.Shuffle(statuses).ToList();
        return [.. picked.Select((a, i) => new StatusRow(new StatusRecord
        {
            AppLid = a.AppLid,
            UserLandlinePhone = a.Contact.Landline,
            UserMobilePhone = a.Contact.Mobile,
            UserEmail = a.Contact.Email,
            ResourceLid = a.Provider.Lid,
            Status = order[i].ToWire(),
        }, order[i]))];
    }

    private static List<StatusResultRecord> Results(List<StatusRow> rows) =>
    [
        .. rows.Select((r, i) => i switch
        {
            3 => new StatusResultRecord
            {
                AppLid = r.Record.AppLid,
                Result = StatusResultCode.Conflict.ToWire(),
                Message = "the appointment was modified in the PMS after the status was issued; nothing applied",
            },
            7 => new StatusResultRecord
            {
                AppLid = r.Record.AppLid,
                Result = StatusResultCode.Error.ToWire(),
                Message = "the PMS refused the change: the appointment is open in another workstation",
            },
            12 => new StatusResultRecord
            {
                AppLid = r.Record.AppLid,
                Result = StatusResultCode.NotFound.ToWire(),
                Message = "no appointment with this APP_LID in the PMS (deleted after the export)",
            },
            _ => new StatusResultRecord { AppLid = r.Record.AppLid, Result = StatusResultCode.Ok.ToWire() },
        }),
    ];

    private static GeneratedFile WriteAppointments(string root, DateTimeOffset exportTime, List<DemoAppointment> rows, IReadOnlyList<string> extensions) =>
        WriteFile(root, AppointmentsFolder, FileKind.Appointments, exportTime, rows.Count, s =>
        {
            using var w = ContractWriter.ForAppointments(s, extensions);
            w.WriteAll(rows.Select(a => a.ToRecord()));
        });

    private static GeneratedFile WriteFile(string root, string folder, FileKind kind, DateTimeOffset time, int rows, Action<Stream> write)
    {
        var name = ContractFileName.Create(kind, DemoPractice.Id, time).ToString();
        Directory.CreateDirectory(Path.Combine(root, folder));
        using (var stream = new FileStream(Path.Combine(root, folder, name), FileMode.Create, FileAccess.Write))
        {
            write(stream);
        }

        return new GeneratedFile($"{folder}/{name}", kind, rows);
    }
}
