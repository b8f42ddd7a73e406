using System.Globalization;
using RecallFiles.Importer.Batches;
using RecallFiles.Scheduler.Dashboards;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Importer;

[TestClass]
public sealed class SupportQueriesTests
{
    [TestMethod]
    public async Task Practices_CountsTheAppointmentsInWindow_WithoutTheRemovedOnes()
    {
        await using var store = await CreateAsync("dash_window");
        // The dashboard's window is around now (practice time zone UTC): a snapshot taken now, for tomorrow.
        var now = DateTime.UtcNow;
        var tomorrow = now.AddDays(1).ToString("dd/MM/yyyy", CultureInfo.InvariantCulture);
        var first = await store.StageAndLoadAsync("ACME", Name("ACME", now.AddMinutes(-2).ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)),
            File(Row("A1", date: tomorrow), Row("A2", date: tomorrow), Row("A3", date: tomorrow)));
        var second = await store.StageAndLoadAsync("ACME", Name("ACME", now.AddMinutes(-1).ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)),
            File(Row("A1", date: tomorrow), Row("A2", date: tomorrow)));

        Assert.AreEqual((BatchStates.Applied, BatchStates.Applied, 1L), (first.State, second.State, second.Removed));
        var practice = (await SupportQueries.PracticesAsync(store.DataSource, CancellationToken.None)).Single(p => p.PracticeId == "ACME");
        Assert.AreEqual(2, practice.AppointmentsInWindow, "the removed appointment is no longer in the practice's window");
    }
}
