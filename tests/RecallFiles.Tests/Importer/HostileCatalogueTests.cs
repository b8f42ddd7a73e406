using System.Globalization;
using System.Text;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Transport;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Importer;

/// <summary>
/// Issue 13's hostile-input catalogue (<c>tests/hostile-catalogue/catalogue.json</c>: its own files, the generated large
/// ones, and every file of <c>sample-data/malformed/</c>). Each case goes through <c>recallfiles validate</c> and through a
/// real import: <c>recallfiles import --once</c> in its own process against PostgreSQL, every case in a practice of its own
/// beside a bystander practice applied before. Checked: each outcome, that the bystander did not change, that no
/// forbidden value shows anywhere, and the process's peak memory. The results table is in docs/security.md, between its markers.
/// </summary>
[TestClass]
public sealed class HostileCatalogueTests
{
    public TestContext TestContext { get; set; } = null!;

    private static string PracticeOf(int index) => string.Create(CultureInfo.InvariantCulture, $"H{index + 1:00}");

    [TestMethod]
    public async Task Catalogue_EveryCaseEndsAsExpected_TheBystanderIsUntouched_AndMemoryStaysBounded()
    {
        var (defaultName, cases) = HostileCatalogue.Load();
        Assert.IsGreaterThanOrEqualTo(60, cases.Count, "the catalogue holds at least 60 cases");
        var practices = cases.Select((_, i) => PracticeOf(i)).Append("BYSTANDER").ToArray();
        await using var store = await CreateAsync("hostile_catalogue", [.. practices.Select(p => Practice(p))]);
        var dropBox = Path.Combine(store.Folder, "dropbox");
        var staging = Directory.CreateDirectory(Path.Combine(store.Folder, "staging")).FullName;

        // The bystander's own file is applied first; a copy of it outside every inbox is what the link case points at.
        foreach (var practice in practices)
        {
            Directory.CreateDirectory(Path.Combine(dropBox, practice, "appointments"));
        }

        var bystanderInbox = Directory.CreateDirectory(Path.Combine(dropBox, "BYSTANDER", "appointments")).FullName;
        await System.IO.File.WriteAllTextAsync(Path.Combine(bystanderInbox, Name("BYSTANDER")), File(Row("B1"), Row("B2")), TestContext.CancellationToken);
        var secret = Path.Combine(Directory.CreateDirectory(Path.Combine(dropBox, "BYSTANDER", "private")).FullName, Name("BYSTANDER"));
        await System.IO.File.WriteAllTextAsync(secret, File(Row("SECRET1"), Row("SECRET2")), TestContext.CancellationToken);
        var first = await RecallFilesProcess.RunMeasuredImportAsync(store, dropBox, practices, HostileCatalogue.MaxFileBytes);
        Assert.AreEqual(0, first.Exit, Tail(first.Output));
        var bystanderBefore = await BystanderAsync(store);
        Assert.AreEqual("B1 B2", bystanderBefore.Split('|')[0], "the bystander's file was applied first");

        // Each case: its bytes staged (validated there), then dropped into its own practice's inbox under its name.
        var validations = new Dictionary<int, (int Exit, string Output)>();
        var dropped = new Dictionary<int, string>();
        for (var i = 0; i < cases.Count; i++)
        {
            var entry = cases[i];
            var inbox = Directory.CreateDirectory(Path.Combine(dropBox, PracticeOf(i), "appointments")).FullName;
            var name = (entry.Name ?? defaultName).Replace("{practice}", PracticeOf(i), StringComparison.Ordinal);
            dropped[i] = Path.Combine(inbox, name);
            if (entry.Generate == "symlink")
            {
                System.IO.File.CreateSymbolicLink(dropped[i], secret);
                continue;
            }

            var staged = Path.Combine(staging, $"{i:00}-{entry.Case.Replace('/', '-')}.csv");
            HostileCatalogue.Write(entry, staged);
            var (exit, output, error) = await CliRunner.RunAsync(new Dictionary<string, string?>(), ["validate", staged], TestContext.CancellationToken);
            var (_, json, _) = await CliRunner.RunAsync(new Dictionary<string, string?>(), ["validate", staged, "--json"], TestContext.CancellationToken);
            validations[i] = (exit, output + error + json);
            System.IO.File.Copy(staged, dropped[i]);
            if (entry.ModifiedUtc is { } modified)
            {
                System.IO.File.SetLastWriteTimeUtc(dropped[i], modified.UtcDateTime);
            }
        }

        var run = await RecallFilesProcess.RunMeasuredImportAsync(store, dropBox, practices, HostileCatalogue.MaxFileBytes);
        TestContext.WriteLine(run.Output);
        Assert.AreEqual(0, run.Exit, Tail(run.Output));

        var table = new StringBuilder();
        var mismatches = new List<string>();
        for (var i = 0; i < cases.Count; i++)
        {
            var entry = cases[i];
            var practice = PracticeOf(i);
            var outcome = await OutcomeAsync(store, practice, dropped[i]);
            var rows = await store.ScalarAsync<long>("SELECT count(*) FROM appointments WHERE practice_id = $1 AND NOT removed", practice);
            int? validate = validations.TryGetValue(i, out var v) ? v.Exit : null;
            if (outcome != entry.Import || rows != entry.Rows || validate != entry.Validate)
            {
                mismatches.Add($"{entry.Case}: expected validate {entry.Validate?.ToString(CultureInfo.InvariantCulture) ?? "-"}, import {entry.Import}, {entry.Rows} row(s); " +
                    $"got validate {validate?.ToString(CultureInfo.InvariantCulture) ?? "-"}, import {outcome}, {rows} row(s)");
            }

            var everything = (v.Output ?? "") + run.Output + await StoredTextAsync(store, practice, dropBox);
            foreach (var forbidden in entry.MustNotContain.Where(f => everything.Contains(f, StringComparison.Ordinal)))
            {
                mismatches.Add($"{entry.Case}: '{Printable(forbidden)}' shows in an output, a stored row error or the error report");
            }

            table.Append(CultureInfo.InvariantCulture, $"| {i + 1} | {entry.Case} | {entry.Threat} | {validate?.ToString(CultureInfo.InvariantCulture) ?? "–"} | {outcome} | {rows} |\n");
        }

        Assert.IsEmpty(mismatches, string.Join(Environment.NewLine, mismatches));
        Assert.AreEqual(bystanderBefore, await BystanderAsync(store), "no case changed the bystander practice");
        TestContext.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak RSS of the import: {run.MaxRssKb / 1024} MB"));
        Assert.IsLessThan(300L * 1024, run.MaxRssKb, $"peak RSS {run.MaxRssKb / 1024} MB");
        // The table lives in docs/security.md between its markers: the approved text is that file with the table as measured.
        var security = await System.IO.File.ReadAllTextAsync(Path.Combine(Approved.RepoRoot, "docs", "security.md"), TestContext.CancellationToken);
        var start = security.IndexOf(StartMarker, StringComparison.Ordinal);
        var end = security.IndexOf(EndMarker, StringComparison.Ordinal);
        Assert.IsTrue(start >= 0 && end > start, $"docs/security.md holds the markers {StartMarker} and {EndMarker}");
        Approved.AssertMatches(security[..(start + StartMarker.Length)] + "\n" + Document(cases.Count, table.ToString()) + security[end..], "docs/security.md");
    }

    private static string Tail(string output) => output.Length <= 4000 ? output : "…" + output[^4000..];

    private static string Printable(string value) => FileNameRules.Printable(value.Length > 40 ? value[..40] + "…" : value);

    // What became of the case's file: its batch's state, or where the file is when no batch was made.
    private static async Task<string> OutcomeAsync(ImporterStore store, string practice, string dropped)
    {
        var states = await store.ScalarAsync<string>("SELECT COALESCE(string_agg(state, ' ' ORDER BY id), '') FROM batches WHERE practice_id = $1", practice);
        if (states.Length > 0)
        {
            return states;
        }

        var name = Path.GetFileName(dropped);
        if (System.IO.File.Exists(Path.Combine(Path.GetDirectoryName(dropped)!, "failed", name)))
        {
            return "refused";
        }

        var stillThere = Path.Exists(dropped) || new FileInfo(dropped).LinkTarget is not null;
        return !stillThere ? "missing" : FileNameRules.IsTemporary(name) ? "ignored" : "left";
    }

    private static async Task<string> BystanderAsync(ImporterStore store)
    {
        var appointments = await store.AppointmentsAsync("BYSTANDER");
        var events = await store.ScalarAsync<long>("SELECT count(*) FROM appointment_events WHERE practice_id = 'BYSTANDER'");
        var batches = await store.ScalarAsync<string>("SELECT COALESCE(string_agg(state || ':' || remote_name, ' ' ORDER BY id), '') FROM batches WHERE practice_id = 'BYSTANDER'");
        return string.Join(' ', appointments.Keys.Order(StringComparer.Ordinal)) + "|" +
            string.Join(' ', appointments.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Value.Removed}/{a.Value.Mobile}/{a.Value.StartsAt:O}")) +
            $"|{events}|{batches}";
    }

    // The stored row errors of the practice and its error reports, where a forbidden value must not appear either.
    private static async Task<string> StoredTextAsync(ImporterStore store, string practice, string dropBox)
    {
        var errors = await store.ScalarAsync<string>(
            "SELECT COALESCE(string_agg(e::text, E'\\n'), '') FROM batch_row_errors e JOIN batches b ON b.id = e.batch_id WHERE b.practice_id = $1", practice);
        var reports = Path.Combine(dropBox, practice, "errors");
        return errors + (Directory.Exists(reports) ? string.Concat(Directory.GetFiles(reports).Select(System.IO.File.ReadAllText)) : "");
    }

    private const string StartMarker = "<!-- hostile-catalogue: produced by HostileCatalogueTests -->";

    private const string EndMarker = "<!-- hostile-catalogue: end -->";

    private static string Document(int count, string rows) =>
        "Produced by `HostileCatalogueTests` from `tests/hostile-catalogue/catalogue.json` (do not edit by hand: the test\n" +
        "compares this table with what it measured and writes `docs/security.received.md` when they differ).\n\n" +
        "**validate**: exit code (0 valid, 1 invalid, 2 unreadable; – not run). **import**: the batch's state (`applied`,\n" +
        "`failed`, `needs_review` = held for support), `refused` (moved to `failed/` with a report at listing, never\n" +
        "opened), `left` (never opened, reported, left where it is), `ignored` (a file still being written). **rows**: the\n" +
        "practice's appointments afterwards.\n\n" +
        string.Create(CultureInfo.InvariantCulture, $"{count} cases.\n\n") +
        "| # | case | threat | validate | import | rows |\n|---:|---|---|---:|---|---:|\n" + rows + "\n";
}
