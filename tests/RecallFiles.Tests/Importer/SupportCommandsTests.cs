using System.Globalization;
using System.Text.Json;
using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Practices;
using RecallFiles.Importer.Status;
using RecallFiles.Schemas;
using RecallFiles.Tests.Infrastructure;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Importer;

/// <summary>
/// Issue 14's support verbs against a real database: <c>batches --id N</c> with row errors, <c>replay-failed</c> over a
/// practice, <c>trace PRACTICE APP_LID</c> (text and JSON, masked), and the Batches search behind the dashboard.
/// </summary>
[TestClass]
[DoNotParallelize] // the verbs read their configuration from the process environment
public sealed class SupportCommandsTests
{
    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    private static async Task<(int Exit, string Out, string Err)> Run(ImporterStore store, string policy, params string[] args) =>
        await CliRunner.RunAsync(new Dictionary<string, string?>
        {
            ["RecallFiles__Database__ConnectionString"] = store.ConnectionString,
            ["RecallFiles__DataFolder"] = Path.Combine(store.Folder, "data"),
            ["RecallFiles__Practices__ACME__TimeZone"] = "UTC",
            ["RecallFiles__Practices__ACME__RowErrors"] = policy,
        }, args);

    [TestMethod]
    public async Task BatchesId_ShowsHistoryAndRowErrors_OfOneBatch()
    {
        await using var store = await CreateAsync("support_batch_id", Practice("ACME", RowErrorPolicy.RejectFile));
        var failed = await store.StageAndLoadAsync("ACME", Name("ACME"), File(Row("A1"), Row("BAD", time: "9:30"), Row("P1", mobile: "+34 600 987 654x")));

        var shown = await Run(store, "RejectFile", "batches", "--id", Id(failed.BatchId));
        var unknown = await Run(store, "RejectFile", "batches", "--id", "999999");

        Assert.AreEqual(0, shown.Exit, shown.Err);
        StringAssert.Contains(shown.Out, $"batch {failed.BatchId} of ACME: {Name("ACME")}, failed");
        StringAssert.Contains(shown.Out, "ROW ERRORS");
        StringAssert.Contains(shown.Out, "line 3");
        StringAssert.Contains(shown.Out, "APP_START_TIME");
        StringAssert.Contains(shown.Out, "downloaded   -> failed");
        Assert.DoesNotContain("987 654", shown.Out, "phones are masked");
        Assert.AreEqual(1, unknown.Exit);
        StringAssert.Contains(unknown.Err, "there is no batch 999999");
    }

    [TestMethod]
    public async Task ReplayFailed_AppliesEveryFailedBatchOfThePracticeOldestFirst_OnceTheCauseIsFixed()
    {
        await using var store = await CreateAsync("support_replay_failed", Practice("ACME", RowErrorPolicy.RejectFile));
        var older = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T080000Z"), File(Row("A1"), Row("BAD", time: "9:30")));
        var newer = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T090000Z"), File(Row("A1"), Row("A2"), Row("BAD", time: "9:30")));
        Assert.AreEqual((BatchStates.Failed, BatchStates.Failed), (older.State, newer.State));

        var refused = await Run(store, "RejectRows", "replay-failed");
        var replayed = await Run(store, "RejectRows", "replay-failed", "--practice", "ACME"); // the fix: the practice now rejects rows, not files

        Assert.AreEqual(2, refused.Exit, "neither a practice nor a time range");
        StringAssert.Contains(refused.Err, "name a practice or a time range");
        Assert.AreEqual(0, replayed.Exit, replayed.Out + replayed.Err);
        Assert.IsLessThan(replayed.Out.IndexOf($"batch {newer.BatchId} ", StringComparison.Ordinal), replayed.Out.IndexOf($"batch {older.BatchId} ", StringComparison.Ordinal), "oldest first");
        StringAssert.Contains(replayed.Out, "2 failed batch(es) replayed: 2 done");
        Assert.AreEqual(2L, await store.ScalarAsync<long>("SELECT count(*) FROM batches WHERE state = 'applied'"));
        CollectionAssert.AreEquivalent(new[] { "A1", "A2" }, (await store.AppointmentsAsync("ACME")).Keys.ToArray());
        var audit = await System.IO.File.ReadAllTextAsync(Path.Combine(store.Folder, "data", "logs", "audit.log"));
        StringAssert.Contains(audit, $"replay practice=ACME batch {older.BatchId} by=cli:");
        StringAssert.Contains(audit, "replay-failed practice=ACME");
    }

    [TestMethod]
    public async Task Trace_ShowsTheBatchesRowsEventsAndReply_InOneMaskedTimeline()
    {
        await using var store = await CreateAsync("support_trace", Practice("ACME"));
        var first = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T080000Z"), File(Row("A1", mobile: "+34 600 555 111"), Row("A2")));
        var second = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T090000Z"), File(Row("A2"), Row("A1", time: "11:00", mobile: "+34 600 555 111")));
        await StatusUpdates.AddAsync(store.DataSource, "ACME", "A1", AppointmentStatus.Approved, "sms");

        var text = await Run(store, "RejectRows", "trace", "ACME", "A1");
        var json = await Run(store, "RejectRows", "trace", "ACME", "A1", "--json");
        var missing = await Run(store, "RejectRows", "trace", "ACME", "NOPE");

        Assert.AreEqual(0, text.Exit, text.Err);
        StringAssert.Contains(text.Out, $"batch {first.BatchId} {Name("ACME", "20261123T080000Z")} (applied");
        StringAssert.Contains(text.Out, $"batch {second.BatchId} {Name("ACME", "20261123T090000Z")} (applied");
        StringAssert.Contains(text.Out, "line 3: AppLid=A1, AppDate=24/11/2026, AppStartTime=11:00", "the row as the second file gave it");
        StringAssert.Contains(text.Out, "event    added");
        StringAssert.Contains(text.Out, "event    changed");
        StringAssert.Contains(text.Out, "reply    status update");
        StringAssert.Contains(text.Out, "APPROVED (from sms)");
        Assert.DoesNotContain("555 111", text.Out, "phones are masked");
        Assert.DoesNotContain("555111", text.Out);
        Assert.DoesNotContain("p.a1@example.org", text.Out, "e-mails are masked");

        Assert.AreEqual(0, json.Exit, json.Err);
        using var document = JsonDocument.Parse(json.Out);
        var kinds = document.RootElement.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        CollectionAssert.IsSubsetOf(new[] { "batch", "event", "reply" }, kinds);
        Assert.AreEqual(2, document.RootElement.GetProperty("batches").GetArrayLength());
        Assert.DoesNotContain("555 111", json.Out);
        Assert.AreEqual(1, missing.Exit);
    }

    [TestMethod]
    public async Task List_FindsBatchesByFileNameAppLidStateAndDate_AndPagesByKey()
    {
        await using var store = await CreateAsync("support_search", Practice("ACME"), Practice("BETA"));
        var ids = new List<long>();
        for (var hour = 1; hour <= 5; hour++)
        {
            ids.Add((await store.StageAndLoadAsync("ACME", Name("ACME", $"20261123T0{hour}0000Z"), File(Row("A1"), Row($"H{hour}")))).BatchId);
        }

        var beta = await store.StageAndLoadAsync("BETA", Name("BETA"), File(Row("A1")));
        await store.ScalarAsync<int>("UPDATE batches SET claimed_at = '2026-01-15T10:00:00Z' WHERE id = $1 RETURNING 1", ids[0]);

        async Task<long[]> Find(BatchFilter filter) => [.. (await BatchQueries.ListAsync(store.DataSource, filter)).Select(b => b.Id)];

        CollectionAssert.AreEqual(new[] { ids[2] }, await Find(new BatchFilter() { FileName = "t030000z" }), "file name, case-insensitive");
        CollectionAssert.AreEqual(new[] { ids[4], ids[3] }, await Find(new BatchFilter("ACME") { AppLid = "H4" }), "added by the fourth file, removed by the fifth");
        CollectionAssert.AreEqual(new[] { beta.BatchId, ids[0] }, await Find(new BatchFilter() { AppLid = "A1" }), "A1 was added by the first batch of each practice");
        CollectionAssert.AreEqual(new[] { ids[0] }, await Find(new BatchFilter() { From = new DateTime(2026, 1, 15, 0, 0, 0, DateTimeKind.Utc), To = new DateTime(2026, 1, 16, 0, 0, 0, DateTimeKind.Utc) }));
        CollectionAssert.AreEqual(new[] { ids[4], ids[3] }, await Find(new BatchFilter("ACME", Limit: 2)));
        CollectionAssert.AreEqual(new[] { ids[2], ids[1] }, await Find(new BatchFilter("ACME", Limit: 2) { BeforeId = ids[3] }), "the next page");
        Assert.IsEmpty(await Find(new BatchFilter("ACME", [BatchStates.Failed])));
        Assert.IsEmpty(await Find(new BatchFilter() { FileName = "%" }), "a wildcard in the search is a literal character");
    }
}
