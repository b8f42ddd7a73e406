using RecallFiles.Schemas;

namespace RecallFiles.Scheduler.Cli;

/// <summary>
/// What <c>recallfiles export --once --dry-run</c> prints after the file: its first rows (contact data masked) and the
/// contract columns empty in every row, which a preset's query could not map (or the PMS leaves blank). Practice IT
/// reads it to check a preset against the practice's PMS before the first upload.
/// </summary>
internal static class DryRunPreview
{
    /// <summary>How many rows are shown.</summary>
    public const int Shown = 5;

    public static async Task WriteAsync(string practiceId, string localPath, string fileName, TextWriter stdout)
    {
        List<AppointmentRecord> records;
        IReadOnlyList<string> columns;
        await using (var stream = File.OpenRead(localPath))
        using (var reader = ContractReader.OpenAppointments(stream, fileName))
        {
            columns = reader.Columns;
            records = [.. reader.ReadRows().Select(r => r.Record)];
        }

        if (records.Count == 0)
        {
            await stdout.WriteLineAsync($"{practiceId}: no appointment in the window, so no column can be checked; try --now with a busier day");
            return;
        }

        await stdout.WriteLineAsync($"{practiceId}: first {Math.Min(Shown, records.Count)} of {records.Count} row(s), contact data masked:");
        await stdout.WriteLineAsync("  " + string.Join(" | ", columns));
        foreach (var record in records.Take(Shown))
        {
            await stdout.WriteLineAsync("  " + string.Join(" | ", columns.Select(c => Mask.Value(c, Value(record, c)))));
        }

        var empty = columns.Where(c => records.All(r => string.IsNullOrEmpty(Value(r, c)))).ToList();
        await stdout.WriteLineAsync(empty.Count == 0
            ? $"{practiceId}: every column has a value in at least one row"
            : $"{practiceId}: not mapped (empty in every row): {string.Join(", ", empty)}; check the query file if the PMS holds them");
    }

    private static string? Value(AppointmentRecord r, string column) => column switch
    {
        Columns.AppLid => r.AppLid,
        Columns.AppDate => r.AppDate,
        Columns.AppStartTime => r.AppStartTime,
        Columns.UserLandlinePhone => r.UserLandlinePhone,
        Columns.UserMobilePhone => r.UserMobilePhone,
        Columns.UserEmail => r.UserEmail,
        Columns.ResourceLid => r.ResourceLid,
        Columns.ResourceName => r.ResourceName,
        Columns.ResourceMobilePhone => r.ResourceMobilePhone,
        Columns.ResourceEmail => r.ResourceEmail,
        Columns.LocationLid => r.LocationLid,
        Columns.LocationName => r.LocationName,
        Columns.AppEndTime => r.AppEndTime,
        Columns.UserWorkPhone => r.UserWorkPhone,
        Columns.UserLanguage => r.UserLanguage,
        Columns.CommunicationPreferences => r.CommunicationPreferences,
        Columns.Privacy => r.Privacy,
        Columns.Status => r.Status,
        _ => null,
    };
}
