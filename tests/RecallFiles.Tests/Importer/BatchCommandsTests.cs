using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Practices;
using RecallFiles.Tests.Infrastructure;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Importer;

/// <summary><c>recallfiles batches / replay / approve</c> through the CLI parser, against a real database.</summary>
[TestClass]
[DoNotParallelize] // the verbs read their configuration from the process environment
public sealed class BatchCommandsTests
{
    private static async Task<(int Exit, string Out, string Err)> Run(ImporterStore store, params string[] args)
    {
        var variables = new Dictionary<string, string?>
        {
            ["RecallFiles__Database__ConnectionString"] = store.ConnectionString,
            ["RecallFiles__DataFolder"] = Path.Combine(store.Folder, "data"),
            ["RecallFiles__Practices__ACME__TimeZone"] = "UTC",
            ["RecallFiles__Practices__ACME__RowErrors"] = "RejectFile",
        };
        return await CliRunner.RunAsync(variables, args);
    }

    [TestMethod]
    public async Task BatchesReplayApprove_ListAndRecover_FailedAndHeldBatches()
    {
        await using var store = await CreateAsync("cli_batches", Practice("ACME", RowErrorPolicy.RejectFile));
        await store.StageAndLoadAsync("ACME", Name("ACME"), File(Row("A1"), Row("A2"), Row("A3")));
        var failed = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T090000Z"), File(Row("A1"), Row("A2"), Row("A3"), Row("BAD", time: "9:30")));
        var held = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T100000Z"), File(Row("A1")));
        Assert.AreEqual((BatchStates.Failed, BatchStates.NeedsReview), (failed.State, held.State));

        var list = await Run(store, "batches", "--failed");
        Assert.AreEqual(0, list.Exit, list.Err);
        StringAssert.Contains(list.Out, "failed");
        StringAssert.Contains(list.Out, "needs_review");
        StringAssert.Contains(list.Out, "would remove 2 of the 3");
        Assert.DoesNotContain(" applied ", list.Out, "--failed lists only batches that need a person");

        var replayFailed = await Run(store, "replay", failed.BatchId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.AreEqual(1, replayFailed.Exit, "still invalid under RejectFile");
        StringAssert.Contains(replayFailed.Out, "failed");

        var approve = await Run(store, "approve", held.BatchId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.AreEqual(0, approve.Exit, approve.Err);
        StringAssert.Contains(approve.Out, "applied");
        Assert.AreEqual(2, (await store.AppointmentsAsync("ACME")).Values.Count(a => a.Removed));
        var audit = await System.IO.File.ReadAllTextAsync(Path.Combine(store.Folder, "data", "logs", "audit.log"));
        StringAssert.Contains(audit, $"approve practice=ACME batch {held.BatchId} by=cli:", "what, who and when of a command-line approve");
        StringAssert.Contains(audit, $"replay practice=ACME batch {failed.BatchId} by=cli:");

        var again = await Run(store, "approve", held.BatchId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.AreEqual(0, again.Exit);
        StringAssert.Contains(again.Out, "already applied");

        var approveFailed = await Run(store, "approve", failed.BatchId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.AreEqual(2, approveFailed.Exit, "only a held snapshot can be approved");
        StringAssert.Contains(approveFailed.Err, "use replay");

        var unknown = await Run(store, "replay", "999999");
        Assert.AreEqual(2, unknown.Exit);
        StringAssert.Contains(unknown.Err, "there is no batch 999999");
        Assert.AreEqual(2, (await Run(store, "replay", "not-a-number")).Exit);
    }

    [TestMethod]
    public async Task Discard_EndsAHeldFutureFile_AndRetiresAWronglyApprovedOne_SoHonestFilesApplyAgain()
    {
        await using var store = await CreateAsync("cli_discard", Practice("ACME"));
        static string Id(long id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var held = await store.StageAndLoadAsync("ACME", Name("ACME", "20991231T000000Z"), File(Row("F1")));
        Assert.AreEqual(BatchStates.NeedsReview, held.State, held.Reason);

        var discard = await Run(store, "discard", Id(held.BatchId));
        Assert.AreEqual(0, discard.Exit, discard.Err);
        StringAssert.Contains(discard.Out, "discarded by cli:");
        Assert.IsEmpty(await store.AppointmentsAsync("ACME"), "a discarded batch applies nothing");

        // Support approved a future-stamped file by mistake: from then on every honest file would be superseded.
        var future = await store.StageAndLoadAsync("ACME", Name("ACME", "20981231T000000Z"), File(Row("F2")));
        Assert.AreEqual(0, (await Run(store, "approve", Id(future.BatchId))).Exit);
        var frozen = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T090000Z"), File(Row("F2"), Row("A1")));
        Assert.AreEqual(BatchStates.Superseded, frozen.State, "the wrongly applied newest supersedes the honest file");

        var retire = await Run(store, "discard", Id(future.BatchId));
        var honest = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T100000Z"), File(Row("F2"), Row("A1"), Row("A2")));

        Assert.AreEqual(0, retire.Exit, retire.Err);
        StringAssert.Contains(retire.Out, "retired by cli:");
        Assert.AreEqual(BatchStates.Applied, honest.State, honest.Reason);
        CollectionAssert.AreEquivalent(new[] { "A1", "A2", "F2" }, (await store.AppointmentsAsync("ACME")).Keys.ToArray());
        var again = await Run(store, "discard", Id(future.BatchId));
        Assert.AreEqual(2, again.Exit, "a superseded batch cannot be discarded again");
        var audit = await System.IO.File.ReadAllTextAsync(Path.Combine(store.Folder, "data", "logs", "audit.log"));
        StringAssert.Contains(audit, $"discard practice=ACME batch {held.BatchId} by=cli:");
        StringAssert.Contains(audit, $"discard practice=ACME batch {future.BatchId} by=cli:");
    }
}
