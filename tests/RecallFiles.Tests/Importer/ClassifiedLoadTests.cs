using System.Globalization;
using System.Text;
using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Loading;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Importer;

/// <summary>
/// The loader classifies each row against what the practice has (new → COPY into appointments with its event,
/// changed → staging and merge, unchanged → nothing) and commits chunk by chunk inside one transaction. These tests
/// hold that against a model, across chunk boundaries, and where the transaction must undo chunks already written.
/// </summary>
[TestClass]
public sealed class ClassifiedLoadTests
{
    private const string ExtendedHeader = Header + ",APP_END_TIME,USER_LANGUAGE,COMMUNICATION_PREFERENCES,STATUS";

    [TestMethod]
    [DataRow(false, 50_000, true, DisplayName = "a new practice: unknown rows are written as new")]
    [DataRow(true, 50_000, true, DisplayName = "a practice with a short history, read whole: unknown rows are written as new")]
    [DataRow(true, 0, true, DisplayName = "a practice with a longer history than is read: unknown rows go through the merge")]
    [DataRow(true, 50_000, false, DisplayName = "rows in a stable order, as a PMS exports them: found mostly by the next-entry guess")]
    public async Task Load_MatchesAModel_OverSnapshotsOfManyChunks(bool withHistory, int maxHistoryRows, bool shuffled)
    {
        await using var store = await CreateAsync("load_model");
        var loader = new BatchLoader(store.DataSource) { MaxHistoryRows = maxHistoryRows };
        var random = new Random(20261201);
        var model = new Dictionary<string, Model>(StringComparer.Ordinal);
        var next = 0;
        if (withHistory)
        {
            // Three weeks earlier: outside every later snapshot's window, so never read by those loads, never removed.
            var history = await store.StageAndLoadAsync("ACME", Name("ACME", "20261101T080000Z"), FileWithStatus(Row("H1", "01/11/2026", status: "APPROVED"), Row("H2", "02/11/2026", status: "APPROVED")));
            Assert.AreEqual(BatchStates.Applied, history.State);
            model["H1"] = new Model("01/11/2026", "09:30", "+34 600 123 456", "APPROVED", false);
            model["H2"] = new Model("02/11/2026", "09:30", "+34 600 123 456", "APPROVED", false);
        }

        // 12,000 rows with their events are several 4 MB chunks; each later snapshot adds, changes, re-adds and drops some.
        for (var snapshot = 0; snapshot < 5; snapshot++)
        {
            var file = new Dictionary<string, Model>(StringComparer.Ordinal);
            foreach (var (lid, current) in model.Where(m => !m.Key.StartsWith('H')))
            {
                var roll = random.NextDouble();
                if (!current.Removed && roll < 0.1)
                {
                    continue; // dropped: removed by this snapshot
                }

                if (current.Removed && roll > 0.5)
                {
                    continue; // stays away
                }

                file[lid] = roll switch
                {
                    < 0.2 => current with { Time = $"{8 + random.Next(10):D2}:{random.Next(4) * 15:D2}", Removed = false },
                    < 0.3 => current with { Mobile = $"+34 6{random.Next(10_000_000, 99_999_999)}", Removed = false },
                    < 0.35 => current with { Status = current.Status == "PENDING" ? "APPROVED" : "PENDING", Removed = false },
                    _ => current with { Removed = false },
                };
            }

            for (var i = 0; i < (snapshot == 0 ? 12_000 : 400); i++)
            {
                var lid = $"M{next++:D6}";
                file[lid] = new Model(random.Next(2) == 0 ? "24/11/2026" : "25/11/2026", $"{8 + random.Next(10):D2}:00", $"+34 6{random.Next(10_000_000, 99_999_999)}", "PENDING", false);
            }

            var expected = new Dictionary<string, long> { ["added"] = 0, ["changed"] = 0, ["status-changed"] = 0, ["removed"] = 0 };
            foreach (var (lid, row) in file)
            {
                if (!model.TryGetValue(lid, out var before) || before.Removed)
                {
                    expected["added"]++;
                }
                else if (before.Status != row.Status)
                {
                    expected["status-changed"]++;
                }
                else if (before != row)
                {
                    expected["changed"]++;
                }
            }

            foreach (var (lid, before) in model.Where(m => !m.Value.Removed && !m.Key.StartsWith('H') && !file.ContainsKey(m.Key)).ToList())
            {
                model[lid] = before with { Removed = true };
                expected["removed"]++;
            }

            foreach (var (lid, row) in file)
            {
                model[lid] = row;
            }

            var order = shuffled ? file.OrderBy(_ => random.Next()) : file.OrderBy(f => f.Key, StringComparer.Ordinal);
            var lines = order.Select(f => Row(f.Key, f.Value.Date, f.Value.Time, f.Value.Mobile, f.Value.Status));
            var result = await loader.LoadAsync(await store.StageAsync("ACME", Name("ACME", $"20261123T{8 + snapshot:D2}0000Z"), FileWithStatus([.. lines])), "test");

            Assert.AreEqual(BatchStates.Applied, result.State, $"snapshot {snapshot}: {result.Reason}");
            Assert.AreEqual(expected["added"], result.Inserted, $"snapshot {snapshot}: inserted");
            Assert.AreEqual(expected["changed"] + expected["status-changed"], result.Updated, $"snapshot {snapshot}: updated");
            Assert.AreEqual(expected["removed"], result.Removed, $"snapshot {snapshot}: removed");
            Assert.AreEqual(file.Count - expected["added"] - result.Updated, result.Unchanged, $"snapshot {snapshot}: unchanged");
            var events = (await store.EventsAsync()).Where(e => e.BatchId == result.BatchId).GroupBy(e => e.Kind).ToDictionary(g => g.Key, g => (long)g.Count());
            foreach (var (kind, count) in expected)
            {
                Assert.AreEqual(count, events.GetValueOrDefault(kind), $"snapshot {snapshot}: {kind} events");
            }

            var stored = await store.AppointmentsAsync("ACME");
            Assert.HasCount(model.Count, stored);
            foreach (var (lid, want) in model)
            {
                var got = stored[lid];
                Assert.AreEqual(want.Removed, got.Removed, $"snapshot {snapshot}: {lid} removed");
                Assert.AreEqual(want.Mobile, got.Mobile, $"snapshot {snapshot}: {lid} mobile");
                Assert.AreEqual(want.Status, got.Status, $"snapshot {snapshot}: {lid} status");
                Assert.AreEqual(DateTime.ParseExact(want.Date + " " + want.Time, "dd/MM/yyyy HH:mm", CultureInfo.InvariantCulture), got.StartsAt, $"snapshot {snapshot}: {lid} start");
            }
        }

        Assert.AreEqual(0L, await store.ScalarAsync<long>("SELECT count(*) FROM appointments WHERE row_hash IS NULL"), "every stored row carries its hash");
    }

    [TestMethod]
    [DataRow(50_000, DisplayName = "history read whole")]
    [DataRow(1, DisplayName = "history longer than is read")]
    public async Task Load_UpdatesAnOldAppointmentMovedIntoTheWindow_AndLeavesTheRestOfTheHistory(int maxHistoryRows)
    {
        await using var store = await CreateAsync("load_history");
        var loader = new BatchLoader(store.DataSource) { MaxHistoryRows = maxHistoryRows };
        await store.StageAndLoadAsync("ACME", Name("ACME", "20261101T080000Z"), File(Row("OLD1", "01/11/2026"), Row("OLD2", "02/11/2026")));

        // OLD1 is rescheduled three weeks later with the same APP_LID (as Open Dental keeps AptNum). With a limit of 1
        // the loader does not read it (it starts before the new snapshot's window), so the merge must find it.
        var result = await loader.LoadAsync(await store.StageAsync("ACME", Name("ACME"), File(Row("A1"), Row("OLD1", "24/11/2026", "11:00"))), "test");

        Assert.AreEqual((BatchStates.Applied, 1L, 1L, 0L), (result.State, result.Inserted, result.Updated, result.Removed));
        var rows = await store.AppointmentsAsync("ACME");
        Assert.AreEqual(new DateTime(2026, 11, 24, 11, 0, 0), rows["OLD1"].StartsAt);
        Assert.IsFalse(rows["OLD2"].Removed, "history outside the window stays as it was");
        var kinds = (await store.EventsAsync()).Where(e => e.BatchId == result.BatchId).ToDictionary(e => e.AppLid, e => e.Kind);
        Assert.AreEqual(("added", "changed"), (kinds["A1"], kinds["OLD1"]));
    }

    [TestMethod]
    public async Task Load_BuildsTheSamePayloadForAddedEvents_AsTheServerBuildsForTheOtherKinds()
    {
        await using var store = await CreateAsync("load_payload");
        const string full = "A1,24/11/2026,09:30,+34 91 555 12 12,+34 600 123 456,o'brien@example.org,\"DDS \"\"7\"\" é\",Dr. Núñez,,,L1,Main clinic,10:15,pt-BR,101,PENDING\r\n";
        const string sparse = "A2,24/11/2026,,,,a2@example.org,DDS1,Dr. Molina,,,,,,,,\r\n";
        var others = string.Concat(new[] { "A3", "A4", "A5", "A6" }.Select(lid => Row(lid) + ",,,,\r\n"));
        var first = await store.StageAndLoadAsync("ACME", Name("ACME"), ExtendedHeader + "\r\n" + full + sparse + others);
        var second = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T120000Z"), ExtendedHeader + "\r\n" + others);

        Assert.AreEqual((BatchStates.Applied, 6L), (first.State, first.Inserted));
        Assert.AreEqual((BatchStates.Applied, 2L), (second.State, second.Removed));
        foreach (var lid in new[] { "A1", "A2" })
        {
            // The added event's payload is written by the loader, the removed one by the server from the stored row.
            var added = await store.ScalarAsync<string>("SELECT payload::text FROM appointment_events WHERE app_lid = $1 AND kind = 'added'", lid);
            var same = await store.ScalarAsync<bool>(
                "SELECT a.payload::jsonb = r.payload::jsonb FROM appointment_events a, appointment_events r WHERE a.app_lid = $1 AND r.app_lid = $1 AND a.kind = 'added' AND r.kind = 'removed'", lid);
            Assert.IsTrue(same, $"{lid}: added payload {added} differs from the removed one");
        }

        Assert.AreEqual("10:15:00", await store.ScalarAsync<string>("SELECT payload->>'end' FROM appointment_events WHERE app_lid = 'A1' AND kind = 'added'"));
        Assert.AreEqual("o'brien@example.org", await store.ScalarAsync<string>("SELECT payload->>'email' FROM appointment_events WHERE app_lid = 'A1' AND kind = 'added'"));
        Assert.AreEqual("DDS \"7\" é", await store.ScalarAsync<string>("SELECT payload->>'resource' FROM appointment_events WHERE app_lid = 'A1' AND kind = 'added'"));
        Assert.AreEqual("2026-11-24T00:00:00", await store.ScalarAsync<string>("SELECT payload->>'starts_at' FROM appointment_events WHERE app_lid = 'A2' AND kind = 'added'"));
        Assert.IsTrue(await store.ScalarAsync<bool>("SELECT payload->'mobile' = 'null'::jsonb FROM (SELECT payload::jsonb FROM appointment_events WHERE app_lid = 'A2' AND kind = 'added') p"));
    }

    [TestMethod]
    public async Task Load_KeepsAnAppointment_WhoseRowIsRejectedInTheNextSnapshot()
    {
        await using var store = await CreateAsync("load_rejected_kept");
        await store.StageAndLoadAsync("ACME", Name("ACME"), File(Row("A1"), Row("A2"), Row("A3")));

        // A time that does not exist is a row error (issue 15 made a bad phone a warning that keeps the row, so it no longer rejects one).
        var result = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T120000Z"), File(Row("A1"), Row("A2", time: "25:00", mobile: "call me"), Row("A3")));

        Assert.AreEqual((BatchStates.Applied, 1L, 0L), (result.State, result.RowsInvalid, result.Removed));
        var a2 = (await store.AppointmentsAsync("ACME"))["A2"];
        Assert.IsFalse(a2.Removed, "a rejected row still names its appointment: the snapshot does not say it is gone");
        Assert.AreEqual("+34 600 123 456", a2.Mobile, "and the stored values stay as they were");
        Assert.AreEqual(3L, await store.ScalarAsync<long>("SELECT count(*) FROM appointment_events"));
    }

    [TestMethod]
    public async Task Load_RejectsARowWithANulCharacter_AndAppliesTheOthers()
    {
        await using var store = await CreateAsync("load_nul");

        var result = await store.StageAndLoadAsync("ACME", Name("ACME"), File(Row("A1"), Row("A2").Replace("Dr. Molina", "Dr. Mo\0lina", StringComparison.Ordinal)));

        Assert.AreEqual((BatchStates.Applied, 1L, 1L), (result.State, result.RowsValid, result.RowsInvalid));
        CollectionAssert.AreEqual(new[] { "A1" }, (await store.AppointmentsAsync("ACME")).Keys.ToArray());
        Assert.AreEqual("RESOURCE_NAME", await store.ScalarAsync<string>("SELECT column_name FROM batch_row_errors WHERE batch_id = $1 AND line = 3 AND code = 'nul-character'", result.BatchId));
    }

    [TestMethod]
    public async Task Load_FillsMissingHashesWithoutEvents_ForRowsStoredBeforeHashesWereKept()
    {
        await using var store = await CreateAsync("load_nohash");
        await store.StageAndLoadAsync("ACME", Name("ACME"), File(Row("A1"), Row("A2")));
        await store.ScalarAsync<long>("WITH u AS (UPDATE appointments SET row_hash = NULL RETURNING 1) SELECT count(*) FROM u");

        var result = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T120000Z"), File(Row("A1"), Row("A2", time: "11:00")));

        Assert.AreEqual((BatchStates.Applied, 0L, 1L, 1L), (result.State, result.Inserted, result.Updated, result.Unchanged));
        CollectionAssert.AreEqual(new[] { "added", "added", "changed" }, (await store.EventsAsync()).Select(e => e.Kind).ToArray());
        Assert.AreEqual(0L, await store.ScalarAsync<long>("SELECT count(*) FROM appointments WHERE row_hash IS NULL"));

        var again = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T130000Z"), Header + "\n" + Row("A2", time: "11:00") + "\n" + Row("A1") + "\n");
        Assert.AreEqual((0L, 0L, 2L), (again.Inserted, again.Updated, again.Unchanged), "the filled-in hashes match the next snapshot");
    }

    [TestMethod]
    public async Task Load_HeldSnapshot_LeavesItsNewAppointmentsAndEventsOut_UntilApproved()
    {
        await using var store = await CreateAsync("load_held_new");
        await store.StageAndLoadAsync("ACME", Name("ACME"), File(Row("A1"), Row("A2"), Row("A3"), Row("A4")));
        var newRows = Enumerable.Range(0, 15_000).Select(i => Row($"N{i:D5}")).ToArray(); // several chunks written before the guard decides

        var held = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T120000Z"), File([Row("A1"), .. newRows]));

        Assert.AreEqual(BatchStates.NeedsReview, held.State);
        Assert.HasCount(4, await store.AppointmentsAsync("ACME"));
        Assert.HasCount(4, await store.EventsAsync());

        var approved = await store.Loader.LoadAsync(held.BatchId, "support", LoadMode.Approve);
        Assert.AreEqual((BatchStates.Applied, 15_000L, 3L), (approved.State, approved.Inserted, approved.Removed));
        Assert.AreEqual(4L + 15_000 + 3, (long)(await store.EventsAsync()).Count);
    }

    [TestMethod]
    public async Task Load_FileErrorAfterSeveralChunks_AppliesNothing_AndRecordsTheFailure()
    {
        await using var store = await CreateAsync("load_late_error");
        var text = File([.. Enumerable.Range(0, 30_000).Select(i => Row($"N{i:D5}"))]);
        var bytes = Encoding.UTF8.GetBytes(text).Concat(new byte[] { (byte)'X', 0xC3, 0x28, (byte)',', (byte)'\r', (byte)'\n' }).ToArray();
        var id = await store.StageAsync("ACME", Name("ACME"), bytes);

        var result = await store.Loader.LoadAsync(id, "test");

        Assert.AreEqual(BatchStates.Failed, result.State);
        Assert.AreEqual("invalid-utf8", await store.ScalarAsync<string>("SELECT code FROM batch_row_errors WHERE batch_id = $1", id));
        Assert.IsEmpty(await store.AppointmentsAsync("ACME"), "the chunks COPYed before the error are undone");
        Assert.IsEmpty(await store.EventsAsync());
    }

    [TestMethod]
    public async Task Load_CancelledInTheMiddle_LeavesTheBatchDownloadedAndNothingApplied_ThenLoadsWhole()
    {
        await using var store = await CreateAsync("load_cancel");
        var id = await store.StageAsync("ACME", Name("ACME"), File([.. Enumerable.Range(0, 150_000).Select(i => Row($"N{i:D6}"))]));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500)); // a shutdown while the chunks are being COPYed

        await Assert.ThrowsAsync<OperationCanceledException>(async () => await store.Loader.LoadAsync(id, "test", cancellationToken: cancel.Token));

        Assert.AreEqual(BatchStates.Downloaded, await store.StateAsync(id));
        Assert.IsEmpty(await store.AppointmentsAsync("ACME"));
        Assert.IsEmpty(await store.EventsAsync());
        var result = await store.Loader.LoadAsync(id, "test");
        Assert.AreEqual((BatchStates.Applied, 150_000L), (result.State, result.Inserted));
        Assert.AreEqual(150_000L, await store.ScalarAsync<long>("SELECT count(*) FROM appointment_events"));
    }

    private sealed record Model(string Date, string Time, string Mobile, string Status, bool Removed);
}
