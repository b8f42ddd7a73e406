using System.Text;
using Microsoft.Extensions.Logging;
using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Loading;
using RecallFiles.Importer.Practices;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Importer;

[TestClass]
public sealed class BatchLoaderTests
{
    [TestMethod]
    public async Task Load_LogsAtWarning_OnlyForFailedAndHeldBatches()
    {
        await using var store = await CreateAsync("load_levels", Practice("ACME", RowErrorPolicy.RejectFile));
        var logger = new RecallFiles.Tests.Infrastructure.CollectingLogger();
        var loader = new BatchLoader(store.DataSource, logger);

        var applied = await loader.LoadAsync(await store.StageAsync("ACME", Name("ACME"), File(Row("A1"), Row("A2"), Row("A3"))), "test");
        var failed = await loader.LoadAsync(await store.StageAsync("ACME", Name("ACME", "20261123T090000Z"), File(Row("A1"), Row("BAD", time: "9:30"))), "test");
        var held = await loader.LoadAsync(await store.StageAsync("ACME", Name("ACME", "20261123T100000Z"), File(Row("A1"))), "test");

        Assert.AreEqual((BatchStates.Applied, BatchStates.Failed, BatchStates.NeedsReview), (applied.State, failed.State, held.State));
        LogLevel LevelOf(LoadResult r) => logger.Entries.Single(e => e.Message.StartsWith($"batch {r.BatchId} of ACME", StringComparison.Ordinal)).Level;
        Assert.AreEqual((LogLevel.Information, LogLevel.Warning, LogLevel.Warning), (LevelOf(applied), LevelOf(failed), LevelOf(held)));
    }

    [TestMethod]
    public async Task Load_AppliesRowsAndAppendsAddedEvents_ForAFirstSnapshot()
    {
        await using var store = await CreateAsync("load_first");

        var result = await store.StageAndLoadAsync("ACME", Name("ACME"), File(Row("A1"), Row("A2", time: "10:00"), Row("A3", date: "25/11/2026")));

        Assert.AreEqual(BatchStates.Applied, result.State);
        Assert.AreEqual(3, result.RowsValid);
        Assert.AreEqual(3, result.Inserted);
        var rows = await store.AppointmentsAsync("ACME");
        Assert.HasCount(3, rows);
        Assert.AreEqual(new DateTime(2026, 11, 24, 10, 0, 0), rows["A2"].StartsAt);
        var events = await store.EventsAsync();
        CollectionAssert.AreEquivalent(new[] { "A1", "A2", "A3" }, events.Select(e => e.AppLid).ToArray());
        Assert.IsTrue(events.All(e => e.Kind == "added" && e.BatchId == result.BatchId && e.Practice == "ACME"));
        Assert.AreEqual("2026-11-24T10:00:00", await store.ScalarAsync<string>("SELECT payload->>'starts_at' FROM appointment_events WHERE app_lid = 'A2'"));
        Assert.AreEqual("+34 600 123 456", await store.ScalarAsync<string>("SELECT payload->>'mobile' FROM appointment_events WHERE app_lid = 'A2'"));
    }

    [TestMethod]
    public async Task Load_AppendsNoEvents_ForAnUnchangedSnapshot()
    {
        await using var store = await CreateAsync("load_unchanged");
        await store.StageAndLoadAsync("ACME", Name("ACME"), File(Row("A1"), Row("A2")));
        var before = (await store.EventsAsync()).Count;

        // Same content, other bytes (LF instead of CRLF, other order) so it is not a duplicate.
        var result = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T120000Z"), Header + "\n" + Row("A2") + "\n" + Row("A1") + "\n");

        Assert.AreEqual(BatchStates.Applied, result.State);
        Assert.AreEqual(0, result.Inserted + result.Updated + result.Removed);
        Assert.AreEqual(2, result.Unchanged);
        Assert.HasCount(before, await store.EventsAsync());
    }

    [TestMethod]
    public async Task Load_AppendsChangedAndStatusChangedEvents_ForChangedRows()
    {
        await using var store = await CreateAsync("load_changed");
        await store.StageAndLoadAsync("ACME", Name("ACME"), FileWithStatus(Row("A1", status: "PENDING"), Row("A2", status: "PENDING")));

        var result = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T120000Z"),
            FileWithStatus(Row("A1", time: "11:00", status: "PENDING"), Row("A2", status: "cancelled by user")));

        Assert.AreEqual(2, result.Updated);
        var events = (await store.EventsAsync()).Where(e => e.BatchId == result.BatchId).ToDictionary(e => e.AppLid, e => e.Kind);
        Assert.AreEqual("changed", events["A1"]);
        Assert.AreEqual("status-changed", events["A2"]);
        Assert.AreEqual("CANCELLED by USER", (await store.AppointmentsAsync("ACME"))["A2"].Status);
    }

    [TestMethod]
    public async Task Load_MarksAbsentAppointmentsRemoved_OnlyInsideTheSnapshotWindow()
    {
        await using var store = await CreateAsync("load_removal");
        // Snapshot at 23/11 08:00 UTC: window 22/11 08:00 .. 26/11 08:00, narrowed to the days the file covers.
        await store.StageAndLoadAsync("ACME", Name("ACME"),
            File(Row("A1", date: "23/11/2026"), Row("A2", date: "24/11/2026"), Row("A3", date: "24/11/2026"), Row("A4", date: "25/11/2026"), Row("FAR", date: "30/11/2026")));

        // A3 cancelled in the PMS; FAR (outside the next window) is not in the next file.
        var result = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T120000Z"),
            File(Row("A1", date: "23/11/2026"), Row("A2", date: "24/11/2026"), Row("A4", date: "25/11/2026")));

        Assert.AreEqual(BatchStates.Applied, result.State);
        Assert.AreEqual(1, result.Removed);
        var rows = await store.AppointmentsAsync("ACME");
        Assert.IsTrue(rows["A3"].Removed);
        Assert.IsFalse(rows["FAR"].Removed, "outside the window: not the snapshot's business");
        Assert.IsFalse(rows["A1"].Removed);
        Assert.AreEqual("removed", (await store.EventsAsync()).Single(e => e.BatchId == result.BatchId).Kind);

        // Back in a later file: added again.
        var back = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T160000Z"),
            File(Row("A1", date: "23/11/2026"), Row("A2", date: "24/11/2026"), Row("A3", date: "24/11/2026"), Row("A4", date: "25/11/2026")));
        Assert.AreEqual(1, back.Inserted);
        Assert.IsFalse((await store.AppointmentsAsync("ACME"))["A3"].Removed);
    }

    [TestMethod]
    public async Task Load_RecordsSupersededAndChangesNothing_ForAnOlderSnapshot()
    {
        await using var store = await CreateAsync("load_superseded");
        await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T120000Z"), File(Row("A1", time: "12:00")));

        var result = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T080000Z"), File(Row("A1", time: "08:00"), Row("OLD")));

        Assert.AreEqual(BatchStates.Superseded, result.State);
        StringAssert.Contains(result.Reason, "older than the newest applied");
        var rows = await store.AppointmentsAsync("ACME");
        Assert.HasCount(1, rows);
        Assert.AreEqual(12, rows["A1"].StartsAt.Hour);
    }

    [TestMethod]
    public async Task Load_RecordsDuplicateAndChangesNothing_ForTheSameBytesTwice()
    {
        await using var store = await CreateAsync("load_duplicate");
        var content = File(Row("A1"), Row("A2"));
        var first = await store.StageAndLoadAsync("ACME", Name("ACME"), content);
        var events = (await store.EventsAsync()).Count;

        var second = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T120000Z"), content);

        Assert.AreEqual(BatchStates.Duplicate, second.State);
        Assert.AreEqual(first.BatchId, await store.ScalarAsync<long>("SELECT duplicate_of FROM batches WHERE id = $1", second.BatchId));
        Assert.HasCount(events, await store.EventsAsync());
    }

    [TestMethod]
    public async Task Load_HoldsForReview_WhenMoreThanMaxRemovalShareWouldBeRemoved_AndApproveAppliesIt()
    {
        await using var store = await CreateAsync("load_guard");
        await store.StageAndLoadAsync("ACME", Name("ACME"), File(Row("A1"), Row("A2"), Row("A3"), Row("A4")));

        var held = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T120000Z"), File(Row("A1")));

        Assert.AreEqual(BatchStates.NeedsReview, held.State);
        StringAssert.Contains(held.Reason, "would remove 3 of the 4");
        Assert.IsTrue((await store.AppointmentsAsync("ACME")).Values.All(a => !a.Removed));

        var replayed = await store.Loader.LoadAsync(held.BatchId, "test");
        Assert.AreEqual(BatchStates.NeedsReview, replayed.State, "a replay checks the guard again");

        var approved = await store.Loader.LoadAsync(held.BatchId, "support", LoadMode.Approve);
        Assert.AreEqual(BatchStates.Applied, approved.State);
        Assert.AreEqual(3, approved.Removed);
        Assert.AreEqual(3, (await store.AppointmentsAsync("ACME")).Values.Count(a => a.Removed));
        var again = await store.Loader.LoadAsync(held.BatchId, "support");
        Assert.IsTrue(again.AlreadyFinal);
        Assert.AreEqual(3L, await store.ScalarAsync<long>("SELECT count(*) FROM appointment_events WHERE kind = 'removed'"));
    }

    [TestMethod]
    public async Task Load_HoldsForReview_AnEmptySnapshotAfterANonEmptyOne()
    {
        await using var store = await CreateAsync("load_empty");
        await store.StageAndLoadAsync("ACME", Name("ACME"), File(Row("A1")));

        var result = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T120000Z"), File());

        Assert.AreEqual(BatchStates.NeedsReview, result.State);
        StringAssert.Contains(result.Reason, "empty snapshot");
        Assert.IsFalse((await store.AppointmentsAsync("ACME"))["A1"].Removed);
    }

    [TestMethod]
    public async Task Load_LoadsValidRowsAndRecordsEachInvalidOne_UnderRejectRows()
    {
        await using var store = await CreateAsync("load_rejectrows");

        var result = await store.StageAndLoadAsync("ACME", Name("ACME"),
            File(Row("A1"), Row("A2", date: "31/02/2026"), Row("A3", mobile: "=HYPERLINK(1)"), Row("A4")));

        // Issue 15 changed the contact rule: the bad phone of A3 is a warning that clears it (default contact policy), so A3 is kept
        // without its mobile; the warning is still recorded and reported (with its formula defused).
        Assert.AreEqual(BatchStates.Applied, result.State);
        Assert.AreEqual((4L, 3L, 1L), (result.RowsTotal, result.RowsValid, result.RowsInvalid));
        var rows = await store.AppointmentsAsync("ACME");
        CollectionAssert.AreEquivalent(new[] { "A1", "A3", "A4" }, rows.Keys.ToArray());
        Assert.IsNull(rows["A3"].Mobile);
        Assert.AreEqual(3L, await store.ScalarAsync<long>("SELECT line FROM batch_row_errors WHERE batch_id = $1 AND column_name = 'APP_DATE' AND code = 'date'", result.BatchId));
        Assert.AreEqual(4L, await store.ScalarAsync<long>("SELECT line FROM batch_row_errors WHERE batch_id = $1 AND code = 'phone' AND severity = 'warning'", result.BatchId));
        var report = Encoding.UTF8.GetString(await store.ScalarAsync<byte[]>("SELECT error_report FROM batches WHERE id = $1", result.BatchId));
        StringAssert.StartsWith(report.TrimStart('\uFEFF'), ErrorReport.Header + "\r\n");
        StringAssert.Contains(report, ",3,APP_DATE,date,error,");
        StringAssert.Contains(report, ",4,USER_MOBILE_PHONE,phone,warning,");
        foreach (var cell in report.Split(["\r\n"], StringSplitOptions.None).SelectMany(l => l.Split(',')))
        {
            Assert.IsFalse(cell.TrimStart('"').StartsWith('='), $"formula cell in the report: {cell}");
        }
    }

    [TestMethod]
    public async Task Load_FailsTheBatch_WhenNoRowIsValid_InsteadOfApplyingAnEmptySnapshot()
    {
        await using var store = await CreateAsync("load_allinvalid");

        var result = await store.StageAndLoadAsync("ACME", Name("ACME"), File(Row("A1", date: "31/02/2026"), Row("A2", time: "25:00")));

        Assert.AreEqual(BatchStates.Failed, result.State);
        Assert.AreEqual("none of the file's 2 row(s) is valid; nothing applied: see the error report", result.Reason);
        Assert.AreEqual(2L, await store.ScalarAsync<long>("SELECT count(*) FROM batch_row_errors WHERE batch_id = $1", result.BatchId));
        Assert.IsEmpty(await store.AppointmentsAsync("ACME"));
    }

    [TestMethod]
    public async Task Load_KeepsAtMost1000ProblemsOfARule_AndCountsTheRest()
    {
        await using var store = await CreateAsync("load_problemcap");
        var rows = Enumerable.Range(0, 1_500).Select(i => Row($"D{i}", date: "31/02/2026"))
            .Concat(Enumerable.Range(0, 10).Select(i => Row($"T{i}", time: "25:00")))
            .Append(Row("OK1"));

        var result = await store.StageAndLoadAsync("ACME", Name("ACME"), File([.. rows]));

        Assert.AreEqual(BatchStates.Applied, result.State, result.Reason);
        Assert.AreEqual(1_510L, result.RowsInvalid, "every invalid row is counted");
        Assert.AreEqual(1_000L, await store.ScalarAsync<long>("SELECT count(*) FROM batch_row_errors WHERE batch_id = $1 AND code = 'date'", result.BatchId));
        Assert.AreEqual(10L, await store.ScalarAsync<long>("SELECT count(*) FROM batch_row_errors WHERE batch_id = $1 AND code = 'time'", result.BatchId), "another rule still gets its own");
        var report = Encoding.UTF8.GetString(await store.ScalarAsync<byte[]>("SELECT error_report FROM batches WHERE id = $1", result.BatchId));
        StringAssert.Contains(report, "500 more problem(s) are not listed (at most 1,000 of each rule are)");
    }

    [TestMethod]
    public async Task Load_FailsAndAppliesNothing_UnderRejectFile_ThenReplayAppliesAfterThePolicyChanges()
    {
        await using var store = await CreateAsync("load_rejectfile", Practice("ACME", RowErrorPolicy.RejectFile));

        var result = await store.StageAndLoadAsync("ACME", Name("ACME"), File(Row("A1"), Row("A2", time: "25:00")));

        Assert.AreEqual(BatchStates.Failed, result.State);
        StringAssert.Contains(result.Reason, "RejectFile");
        Assert.IsEmpty(await store.AppointmentsAsync("ACME"));
        Assert.AreEqual(1L, await store.ScalarAsync<long>("SELECT count(*) FROM batch_row_errors WHERE batch_id = $1", result.BatchId));

        await PracticeStore.MirrorAsync(store.DataSource, [Practice("ACME", RowErrorPolicy.RejectRows)]);
        var replay = await store.Loader.LoadAsync(result.BatchId, "support");
        var replayAgain = await store.Loader.LoadAsync(result.BatchId, "support");

        Assert.AreEqual(BatchStates.Applied, replay.State);
        Assert.IsTrue(replayAgain.AlreadyFinal);
        Assert.HasCount(1, await store.AppointmentsAsync("ACME"));
        Assert.HasCount(1, await store.EventsAsync());
        Assert.AreEqual(1L, await store.ScalarAsync<long>("SELECT count(*) FROM batch_row_errors WHERE batch_id = $1", result.BatchId), "errors are replaced, not doubled");
    }

    [TestMethod]
    public async Task Load_FailsTheBatchWithTheProblem_OnAFileError()
    {
        await using var store = await CreateAsync("load_fileerror");

        var result = await store.StageAndLoadAsync("ACME", Name("ACME"), "APP_LID,APP_DATE\r\nA1,24/11/2026\r\n");
        var broken = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T090000Z"), File(Row("A1"), "A2,\"24/11/2026,09:30"));

        Assert.AreEqual(BatchStates.Failed, result.State);
        StringAssert.Contains(result.Reason, "lacks required column");
        Assert.AreEqual("missing-columns", await store.ScalarAsync<string>("SELECT code FROM batch_row_errors WHERE batch_id = $1", result.BatchId));
        Assert.AreEqual(BatchStates.Failed, broken.State);
        Assert.IsEmpty(await store.AppointmentsAsync("ACME"), "a file error mid-COPY applies nothing");
        Assert.IsEmpty(await store.EventsAsync());
    }

    [TestMethod]
    public async Task Load_NeverChangesAnotherPractice_WhateverTheFileSays()
    {
        await using var store = await CreateAsync("load_isolation", Practice("PRAC-A"), Practice("PRAC-B"));
        await store.StageAndLoadAsync("PRAC-B", Name("PRAC-B"), File(Row("X1", mobile: "+34 600 000 001"), Row("X2")));

        // A file in A's folder that is named for B, and one named for A that reuses B's ids.
        var misnamed = await store.StageAndLoadAsync("PRAC-A", Name("PRAC-B", "20261123T120000Z"), File(Row("X1", mobile: "+34 699 999 999")));
        var sameIds = await store.StageAndLoadAsync("PRAC-A", Name("PRAC-A", "20261123T120000Z"), File(Row("X1", mobile: "+34 699 999 999")));

        Assert.AreEqual(BatchStates.Failed, misnamed.State);
        StringAssert.Contains(misnamed.Reason, "names practice PRAC-B but was found in the folder of practice PRAC-A");
        Assert.AreEqual(BatchStates.Applied, sameIds.State);
        var b = await store.AppointmentsAsync("PRAC-B");
        Assert.AreEqual("+34 600 000 001", b["X1"].Mobile);
        Assert.IsFalse(b["X1"].Removed || b["X2"].Removed);
        Assert.AreEqual("+34 699 999 999", (await store.AppointmentsAsync("PRAC-A"))["X1"].Mobile);
        Assert.IsTrue((await store.EventsAsync()).Where(e => e.BatchId == sameIds.BatchId).All(e => e.Practice == "PRAC-A"));
    }

    [TestMethod]
    public async Task Load_FailsWithTheFix_WhenTheArchivedBytesChanged()
    {
        await using var store = await CreateAsync("load_tamper");
        var id = await store.StageAsync("ACME", Name("ACME"), File(Row("A1")));
        var path = await store.ScalarAsync<string>("SELECT archive_path FROM batches WHERE id = $1", id);
        await System.IO.File.AppendAllTextAsync(path, Row("A2") + "\r\n");

        var result = await store.Loader.LoadAsync(id, "test");

        Assert.AreEqual(BatchStates.Failed, result.State);
        StringAssert.Contains(result.Reason, "no longer has the SHA-256");
        Assert.IsEmpty(await store.AppointmentsAsync("ACME"));
    }

    [TestMethod]
    public void Neutralise_PrefixesAQuote_ForFormulaCells()
    {
        Assert.AreEqual("'=1+1", ErrorReport.Neutralise("=1+1"));
        Assert.AreEqual("'+34", ErrorReport.Neutralise("+34"));
        Assert.AreEqual("'-2", ErrorReport.Neutralise("-2"));
        Assert.AreEqual("'@SUM(A1)", ErrorReport.Neutralise("@SUM(A1)"));
        Assert.AreEqual("plain", ErrorReport.Neutralise("plain"));
    }
}
