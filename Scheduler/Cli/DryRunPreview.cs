using RecallFiles.Exporter;
using RecallFiles.Schemas;

namespace RecallFiles.Scheduler.Cli;

/// <summary>
/// What <c>recallfiles export --once --dry-run</c> prints after the file: its first rows (contact data masked) and the
/// contract columns empty in every row, which a preset's query could not map (or the PMS leaves blank). Practice IT
/// reads it to check a preset against the practice's PMS before the first upload. The exporter collects both while it
/// writes the file (<see cref="ExportPreview"/>), so a large dry run does not read its file back.
/// </summary>
internal static class DryRunPreview
{
    public static async Task WriteAsync(string practiceId, ExportPreview preview, TextWriter stdout)
    {
        if (preview.Rows == 0)
        {
            await stdout.WriteLineAsync($"{practiceId}: no appointment in the window, so no column can be checked; try --now with a busier day");
            return;
        }

        var columns = preview.Columns;
        await stdout.WriteLineAsync($"{practiceId}: first {preview.FirstRecords.Count} of {preview.Rows} row(s), contact data masked:");
        await stdout.WriteLineAsync("  " + string.Join(" | ", columns));
        foreach (var record in preview.FirstRecords)
        {
            await stdout.WriteLineAsync("  " + string.Join(" | ", columns.Select(c => Mask.Value(c, ExportPreview.Value(record, c)))));
        }

        var empty = preview.EmptyColumns;
        await stdout.WriteLineAsync(empty.Count == 0
            ? $"{practiceId}: every column has a value in at least one row"
            : $"{practiceId}: not mapped (empty in every row): {string.Join(", ", empty)}; check the query file if the PMS holds them");
    }
}
