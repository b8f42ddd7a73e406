using System.Globalization;
using RecallFiles.Importer.Batches;
using RecallFiles.Schemas;

namespace RecallFiles.Importer.Loading;

/// <summary>
/// The rules that decide, before or after reading a snapshot, whether it is applied at all: the same bytes again
/// (duplicate), a file in the wrong folder, a snapshot older than the newest applied one (superseded), and the
/// mass-removal guard; and the window a snapshot speaks for. Pure: the facts come in, a decision goes out (see
/// docs/importer.md, "Load semantics").
/// </summary>
internal static class SnapshotRules
{
    /// <summary>
    /// The snapshot's window, in the practice's local time (appointment times are local): the exporter's window
    /// around the snapshot time (<paramref name="past"/> before, <paramref name="ahead"/> after). The part from the
    /// snapshot time to the end is always covered in full, its last day included (issue 15: a cancelled visit that was
    /// the only one of the window's last day was never seen removed); only the past part is narrowed to the days the
    /// file covers (from 00:00 of its first day), so a vendor that sends no past never removes the past it did not send.
    /// A vendor exporting less ahead configures a shorter WindowAhead. An empty file uses the configured window. End exclusive.
    /// </summary>
    public static (DateTime Start, DateTime End) Window(DateTime snapshotUtc, TimeZoneInfo zone, TimeSpan past, TimeSpan ahead, DateOnly? first, DateOnly? last)
    {
        var local = DateTime.SpecifyKind(TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(snapshotUtc, DateTimeKind.Utc), zone), DateTimeKind.Unspecified);
        var start = local - past;
        var end = local + ahead;
        if (first is { } f && last is not null)
        {
            var fileStart = f.ToDateTime(TimeOnly.MinValue);
            var covered = fileStart < local ? fileStart : local;
            start = start > covered ? start : covered;
        }

        return end > start ? (start, end) : (start, start);
    }

    /// <summary>The same bytes as an earlier batch of the practice change nothing (issue 5.4).</summary>
    public static Finish? Duplicate(string sha256, long? earlierBatch) => earlierBatch is { } original
        ? new Finish(BatchStates.Duplicate, $"the same bytes (SHA-256 {sha256[..12]}…) as batch {original.ToString(CultureInfo.InvariantCulture)}; nothing changed")
        {
            DuplicateOf = original,
        }
        : null;

    /// <summary>The practice comes from the folder; a name that says another practice or kind is a vendor mistake we do not guess about.</summary>
    public static Finish? WrongFile(string remoteName, string practiceId)
    {
        if (!ContractFileName.TryParse(remoteName, out var name, out _))
        {
            return null;
        }

        if (name!.Kind != FileKind.Appointments)
        {
            return Finish.Failed($"{remoteName} is a {name.Kind.ToName()} file, not an appointments file: put it in the right folder", [], 0);
        }

        return string.Equals(name.PracticeId, practiceId, StringComparison.Ordinal)
            ? null
            : Finish.Failed($"{remoteName} names practice {name.PracticeId} but was found in the folder of practice {practiceId}; " +
                "a file is always applied to the practice whose folder it is in, so it was not applied: rename it or move it to the right folder", [], 0);
    }

    /// <summary>
    /// A snapshot stamped further ahead of this server's clock than <paramref name="tolerance"/> (a forged name, a PMS
    /// whose clock is wrong) is held for review, never applied as the newest: applied, it would supersede every honest
    /// file after it (issue 13). Why, or null.
    /// </summary>
    public static string? FromTheFuture(DateTime snapshotUtc, DateTime nowUtc, TimeSpan tolerance)
    {
        var ahead = snapshotUtc - nowUtc;
        return ahead <= tolerance
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"the file's time stamp {snapshotUtc:yyyy-MM-dd HH:mm:ss}Z is {Describe(ahead)} ahead of this server's clock (now {nowUtc:yyyy-MM-dd HH:mm:ss}Z; RecallFiles:Importer:MaxClockSkew allows {Describe(tolerance)})")
                + ": held for review so it cannot supersede the files after it. Fix the sender's clock and send the file again; approve it only if the stamp is right, or discard it";
    }

    /// <summary>
    /// A snapshot stamped further back than <paramref name="maxAge"/> (a PMS clock reset to 1970, a file found in an old
    /// backup) is held for review: it is older than anything the archive keeps to compare it with (issue 13). Why, or null.
    /// </summary>
    public static string? TooOld(DateTime snapshotUtc, DateTime nowUtc, TimeSpan maxAge)
    {
        var age = nowUtc - snapshotUtc;
        return age <= maxAge
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"the file's time stamp {snapshotUtc:yyyy-MM-dd HH:mm:ss}Z is {Describe(age)} old (RecallFiles:Importer:MaxSnapshotAge allows {Describe(maxAge)})")
                + ": held for review. Fix the sender's clock and send the file again; approve it only if the stamp is right, or discard it";
    }

    private static string Describe(TimeSpan span) => span.TotalDays >= 2
        ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalDays:0} days")
        : span.TotalHours >= 2 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours:0} hours") : string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:0} minutes");

    /// <summary>An older snapshot than the newest applied one would roll the practice back (issue 5.3).</summary>
    public static Finish? Superseded(DateTime snapshotTime, DateTime? newestApplied) => newestApplied is { } newest && snapshotTime < newest
        ? new Finish(BatchStates.Superseded,
            $"snapshot of {snapshotTime:yyyy-MM-dd HH:mm:ss}Z is older than the newest applied one ({newest:yyyy-MM-dd HH:mm:ss}Z); not applied")
        : null;

    /// <summary>
    /// The mass-removal guard: why a snapshot is held for review, or null. An empty snapshot after a non-empty one, or
    /// one that would remove more than <paramref name="maxRemovalShare"/> of the appointments in its window.
    /// </summary>
    public static string? Hold(long rowsValid, bool hadNonEmptySnapshot, long inWindow, long gone, double maxRemovalShare)
    {
        if (rowsValid == 0 && hadNonEmptySnapshot)
        {
            return "an empty snapshot after a non-empty one: held for review (approve it if the practice really has no appointments)";
        }

        return inWindow > 0 && gone > maxRemovalShare * inWindow
            ? string.Create(CultureInfo.InvariantCulture,
                $"would remove {gone} of the {inWindow} appointments in its window ({100.0 * gone / inWindow:0.#} % > {100 * maxRemovalShare:0.#} % MaxRemovalShare): held for review")
            : null;
    }
}
