using RecallFiles.Importer.Batches;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Importer;

/// <summary>Issue 15: a snapshot covers its whole window, the last day included, whatever days its rows happen to fall on.</summary>
[TestClass]
public sealed class SnapshotWindowTests
{
    // The second snapshot is stamped 23/11/2026 08:00 UTC with the default 72 h ahead: its window ends 26/11 09:00 in
    // Madrid (UTC+1) and 26/11 03:00 in New York (UTC-5). LAST starts at the window's last minute, EDGE at its (exclusive) end.
    [TestMethod]
    [DataRow("Europe/Madrid", "08:59", "09:00")]
    [DataRow("America/New_York", "02:59", "03:00")]
    public async Task Load_RemovesTheAppointmentAtTheWindowsLastMinute_WhenTheFileHasNoOtherRowThatDay(string zone, string lastMinute, string end)
    {
        await using var store = await CreateAsync("window_last_" + zone[..6].ToLowerInvariant(), Practice("ACME") with { TimeZone = zone });
        string[] others = [Row("A1", date: "24/11/2026"), Row("A2", date: "24/11/2026", time: "10:00"), Row("A3", date: "25/11/2026")];
        await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T040000Z"),
            File([.. others, Row("LAST", date: "26/11/2026", time: lastMinute), Row("EDGE", date: "26/11/2026", time: end)]));

        // LAST was cancelled in the PMS: the next file's rows all fall on earlier days.
        var result = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T080000Z"), File(others));

        Assert.AreEqual(BatchStates.Applied, result.State, result.Reason);
        var rows = await store.AppointmentsAsync("ACME");
        Assert.IsTrue(rows["LAST"].Removed, "the window's last minute is covered by the snapshot");
        Assert.IsFalse(rows["EDGE"].Removed, "the window's end is exclusive");
        Assert.AreEqual(1, result.Removed);
    }

    [TestMethod]
    public async Task Load_KeepsThePastItDidNotSend_WhenTheFileStartsAfterTheSnapshotDay()
    {
        await using var store = await CreateAsync("window_past", Practice("ACME") with { TimeZone = "Europe/Madrid" });
        await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T040000Z"),
            File(Row("PAST", date: "23/11/2026", time: "06:00"), Row("A1", date: "24/11/2026"), Row("A2", date: "25/11/2026")));

        // A vendor that exports no past: PAST (before the snapshot time) is not the file's business.
        var result = await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T080000Z"),
            File(Row("A1", date: "24/11/2026"), Row("A2", date: "25/11/2026")));

        Assert.AreEqual(BatchStates.Applied, result.State, result.Reason);
        Assert.IsFalse((await store.AppointmentsAsync("ACME"))["PAST"].Removed);
        Assert.AreEqual(0, result.Removed);
    }
}
