using Npgsql;
using RecallFiles.Importer.Database;
using RecallFiles.Importer.Feed;
using RecallFiles.Importer.Loading;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Importer;

/// <summary>
/// The store's pool hands its connections out without resetting them (<see cref="StoreConnection.Tuned"/>, issue 18), so
/// nothing the product does may leave session state on a connection: advisory locks, LISTEN, temporary tables, cursors,
/// settings. One pooled connection (Maximum Pool Size=1) goes through loads that add, change (the staging table), fail
/// and remove, a feed that listens and reads, and a session advisory lock; then it must look like a fresh session.
/// </summary>
[TestClass]
public sealed class StoreConnectionTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Tuned_TurnsResetOffAndAutoPrepareOn_UnlessTheConnectionStringSaysOtherwise()
    {
        var tuned = new NpgsqlConnectionStringBuilder(StoreConnection.Tuned("Host=127.0.0.1;Database=x"));
        Assert.IsTrue(tuned.NoResetOnClose);
        Assert.AreEqual(64, tuned.MaxAutoPrepare);

        var kept = new NpgsqlConnectionStringBuilder(StoreConnection.Tuned("Host=127.0.0.1;Database=x;No Reset On Close=false;Max Auto Prepare=0"));
        Assert.IsFalse(kept.NoResetOnClose);
        Assert.AreEqual(0, kept.MaxAutoPrepare);
    }

    [TestMethod]
    public async Task PooledConnection_CarriesNoSessionState_AfterLoadsFeedAndLocks()
    {
        await using var store = await CreateAsync("rf_store_conn", Practice("ACME"));
        await using var pool = NpgsqlDataSource.Create(StoreConnection.Tuned(store.ConnectionString) + ";Maximum Pool Size=1");
        int backend;
        await using (var first = await pool.OpenConnectionAsync(TestContext.CancellationToken))
        {
            backend = first.ProcessID;
        }

        var loader = new BatchLoader(pool);
        var added = await store.StageAsync("ACME", Name("ACME", "20261123T080000Z"), File(Row("A1"), Row("A2"), Row("A3")));
        Assert.AreEqual("applied", (await loader.LoadAsync(added, "test", cancellationToken: TestContext.CancellationToken)).State);
        // A changed row goes through the staging table; A3 is gone from the window.
        var changed = await store.StageAsync("ACME", Name("ACME", "20261123T090000Z"), File(Row("A1", time: "10:30"), Row("A2")));
        var result = await loader.LoadAsync(changed, "test", cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual("applied", result.State);
        Assert.AreEqual(1, result.Updated);
        Assert.AreEqual(1, result.Removed);
        // A file whose every row is wrong fails, rolled back to the load's savepoint.
        var failed = await store.StageAsync("ACME", Name("ACME", "20261123T100000Z"), File("B1,99/99/2026,09:30,,,,DDS1,Dr. Molina,,,L1,Main clinic"));
        Assert.AreEqual("failed", (await loader.LoadAsync(failed, "test", cancellationToken: TestContext.CancellationToken)).State);

        await using (var listening = new EventFeed(pool, "store-connection-test"))
        {
            await listening.ListenAsync(TestContext.CancellationToken); // the pool's only connection, given back when the feed is disposed
        }

        var read = 0;
        await using (var feed = new EventFeed(pool, "store-connection-test"))
        {
            for (int n; (n = await feed.ProcessNextAsync((_, _, _, _) => Task.CompletedTask, cancellationToken: TestContext.CancellationToken)) > 0;)
            {
                read += n;
            }
        }

        Assert.AreEqual(5, read, "3 added, 1 changed, 1 removed");

        await using (var held = await AdvisoryLock.TryAcquireAsync(pool, "store-connection-test", TestContext.CancellationToken))
        {
            Assert.IsNotNull(held);
        }

        await using var connection = await pool.OpenConnectionAsync(TestContext.CancellationToken);
        Assert.AreEqual(backend, connection.ProcessID, "the same pooled session throughout");
        await using var state = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()),
                   (SELECT count(*) FROM pg_listening_channels()),
                   (SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()),
                   (SELECT count(*) FROM pg_cursors WHERE name <> ''),  -- this query's own portal is unnamed
                   (SELECT count(*) FROM pg_settings WHERE source = 'session')
            """, connection);
        await using var reader = await state.ExecuteReaderAsync(TestContext.CancellationToken);
        Assert.IsTrue(await reader.ReadAsync(TestContext.CancellationToken));
        Assert.AreEqual(0L, reader.GetInt64(0), "advisory locks held");
        Assert.AreEqual(0L, reader.GetInt64(1), "channels listened to");
        Assert.AreEqual(0L, reader.GetInt64(2), "temporary tables");
        Assert.AreEqual(0L, reader.GetInt64(3), "open cursors");
        Assert.AreEqual(0L, reader.GetInt64(4), "session settings");
    }
}
