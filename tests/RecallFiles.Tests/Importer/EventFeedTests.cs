using RecallFiles.Importer.Feed;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Importer;

[TestClass]
public sealed class EventFeedTests
{
    [TestMethod]
    public async Task ProcessNext_HandsEachEventOnceInIdOrder_AndIsWokenByNotify()
    {
        await using var store = await CreateAsync("feed");
        await using var feed = new EventFeed(store.DataSource, "reminders");
        await feed.ListenAsync();
        var seen = new List<AppointmentEvent>();
        Task Handle(IReadOnlyList<AppointmentEvent> events, Npgsql.NpgsqlConnection c, Npgsql.NpgsqlTransaction t, CancellationToken ct)
        {
            seen.AddRange(events);
            return Task.CompletedTask;
        }

        Assert.AreEqual(0, await feed.ProcessNextAsync(Handle));
        var waiting = feed.WaitAsync(TimeSpan.FromSeconds(20));
        await store.StageAndLoadAsync("ACME", Name("ACME"), File(Row("A1"), Row("A2"), Row("A3")));
        Assert.IsTrue(await waiting, "the load's NOTIFY wakes the consumer");

        Assert.AreEqual(2, await feed.ProcessNextAsync(Handle, max: 2));
        Assert.AreEqual(1, await feed.ProcessNextAsync(Handle, max: 2));
        Assert.AreEqual(0, await feed.ProcessNextAsync(Handle));
        CollectionAssert.AreEqual(seen.Select(e => e.Id).Order().ToArray(), seen.Select(e => e.Id).ToArray());
        CollectionAssert.AreEquivalent(new[] { "A1", "A2", "A3" }, seen.Select(e => e.AppLid).ToArray());
        StringAssert.Contains(seen[0].Payload, "\"starts_at\"");

        await store.StageAndLoadAsync("ACME", Name("ACME", "20261123T120000Z"), File(Row("A1"), Row("A2"), Row("A3"), Row("A4")));
        await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => feed.ProcessNextAsync((_, _, _, _) => throw new InvalidOperationException("handler failed")));
        Assert.AreEqual(1, await feed.ProcessNextAsync(Handle), "a failed handler does not move the cursor");
        Assert.AreEqual("A4", seen[^1].AppLid);
    }
}
