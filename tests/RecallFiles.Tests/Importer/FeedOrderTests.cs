using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using RecallFiles.Importer.Feed;
using RecallFiles.Importer.Loading;
using RecallFiles.SampleData;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Transport.Internal;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Importer;

/// <summary>
/// Issue 18: no practice waits for another's load, and the feed still hands out every event exactly once, an
/// appointment's events in the order their loads committed.
/// </summary>
[TestClass]
public sealed class FeedOrderTests
{
    private static readonly DateTimeOffset Stamp = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task SmallLoad_CommitsAndIsReadByTheFeed_WhileAnotherPracticeLoadsAMillionRowSnapshot()
    {
        await using var store = await CreateAsync("feedhol", Practice("BIG"), Practice("SMALL"));
        var loader = new BatchLoader(store.DataSource) { Time = new ManualTimeProvider(Stamp) };
        using (var big = new MemoryStream())
        {
            Assert.AreEqual(1_000_000, BigFile.Write(big, 1_000_000));
            var bigBatch = await store.StageAsync("BIG", Name("BIG"), big.ToArray());
            using var inProgress = new ManualResetEventSlim();
            using var release = new ManualResetEventSlim();
            var large = Task.Run(async () =>
            {
                // The large load stops in the middle of its second chunk: its first chunk's appointments and events are
                // written, in its open transaction (the old design held the feed lock from there to its commit).
                var copies = 0;
                FaultPoints.Hook = point =>
                {
                    if (point == FaultPoints.DuringCopy && ++copies == 2)
                    {
                        inProgress.Set();
                        Assert.IsTrue(release.Wait(TimeSpan.FromMinutes(5)), "the test releases the large load");
                    }
                };
                return await loader.LoadAsync(bigBatch, "test", cancellationToken: TestContext.CancellationToken);
            }, TestContext.CancellationToken);

            try
            {
                Assert.IsTrue(inProgress.Wait(TimeSpan.FromMinutes(5), TestContext.CancellationToken), "the large load reached its second chunk");
                Assert.IsGreaterThan(0L, await store.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle' AND query LIKE 'COPY appointments%'"),
                    "the large load is in the middle of a COPY");

                var clock = Stopwatch.StartNew();
                var smallBatch = await store.StageAsync("SMALL", Name("SMALL"), File(Enumerable.Range(1, 300).Select(i => Row("S" + i.ToString(CultureInfo.InvariantCulture))).ToArray()));
                var small = loader.LoadAsync(smallBatch, "test", cancellationToken: TestContext.CancellationToken);
                var finished = await Task.WhenAny(small, Task.Delay(TimeSpan.FromMinutes(2), TestContext.CancellationToken)) == small;
                Assert.IsTrue(finished, "the small load committed while the large one was still in progress (no lock held across a load)");
                Assert.AreEqual("applied", (await small).State);
                await using var feed = new EventFeed(store.DataSource, "reminders");
                var seen = new List<AppointmentEvent>();
                Assert.AreEqual(300, await feed.ProcessNextAsync((events, _, _, _) =>
                {
                    seen.AddRange(events);
                    return Task.CompletedTask;
                }, max: 1000, TestContext.CancellationToken));
                var readable = clock.Elapsed;
                TestContext.WriteLine($"small file: staged, applied and read by the feed in {readable.TotalMilliseconds:0} ms while the 1M-row load was in progress");
                Assert.IsTrue(seen.All(e => e.PracticeId == "SMALL"), "only the committed load's events are readable");
                Assert.AreEqual("downloaded", await store.StateAsync(bigBatch), "the large load has not committed yet: the small one committed first");
            }
            finally
            {
                release.Set();
            }

            var result = await large;
            Assert.AreEqual("applied", result.State);
            Assert.AreEqual(1_000_000L, result.Inserted);
        }

        // The large load's events follow, each once, in id order.
        await using var reader = new EventFeed(store.DataSource, "reminders");
        long count = 0, last = 0;
        int handled;
        while ((handled = await reader.ProcessNextAsync((events, _, _, _) =>
        {
            foreach (var e in events)
            {
                Assert.AreEqual("BIG", e.PracticeId);
                Assert.IsGreaterThan(last, e.Id, "in id order, never twice");
                last = e.Id;
            }

            return Task.CompletedTask;
        }, max: 100_000, TestContext.CancellationToken)) > 0)
        {
            count += handled;
        }

        Assert.AreEqual(1_000_000L, count);
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task Feed_HandsEveryCommittedEventOnceInCommitOrder_UnderConcurrentLoadsAndCrashes()
    {
        string[] practices = ["P1", "P2", "P3"];
        await using var store = await CreateAsync("feedorder", practices.Select(p => Practice(p) with { MaxRemovalShare = 1.0 }).ToArray());
        await using (var table = store.DataSource.CreateCommand("CREATE TABLE consumed (event_id bigint PRIMARY KEY, handled bigserial)"))
        {
            await table.ExecuteNonQueryAsync(TestContext.CancellationToken);
        }

        var loadsDone = 0;
        Task? allLoads = null;
        var crashes = 0;
        var random = new Random(18);
        // Two workers share P1 (its loads are serialized by the practice's row lock); P2 and P3 have one each.
        var workers = new[] { "P1", "P1", "P2", "P3" }.Select((practice, w) => (Practice: practice, Seed: random.Next(), Worker: w)).Select(x => Task.Run(async () =>
        {
            var rng = new Random(x.Seed);
            var loader = new BatchLoader(store.DataSource) { Time = new ManualTimeProvider(Stamp.AddHours(1)) };
            for (var k = 0; k < 6; k++)
            {
                var stamp = Stamp.AddMinutes(k * 10 + x.Worker).ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
                var rows = Enumerable.Range(1, 3_000).Where(_ => rng.NextDouble() < 0.7)
                    .Select(i => Row("L" + i.ToString(CultureInfo.InvariantCulture), date: $"{23 + rng.Next(3)}/11/2026", time: $"{9 + rng.Next(9):00}:{rng.Next(2) * 30:00}"))
                    .ToArray();
                var batch = await store.StageAsync(x.Practice, Name(x.Practice, stamp), File(rows));
                if (rng.NextDouble() < 0.3)
                {
                    // A crash in the middle of the load: its transaction is rolled back; the next attempt loads it. (A file
                    // superseded by the other P1 worker's newer one ends before any COPY: no crash then.)
                    var crashed = false;
                    FaultPoints.Hook = point =>
                    {
                        if (point == FaultPoints.DuringCopy)
                        {
                            crashed = true;
                            throw new IOException("simulated crash during the load");
                        }
                    };
                    try
                    {
                        await loader.LoadAsync(batch, "test", cancellationToken: TestContext.CancellationToken);
                    }
                    catch (IOException) when (crashed)
                    {
                        Interlocked.Increment(ref crashes);
                    }
                    finally
                    {
                        FaultPoints.Hook = null;
                    }
                }

                await loader.LoadAsync(batch, "test", cancellationToken: TestContext.CancellationToken);
                Interlocked.Increment(ref loadsDone);
            }
        }, TestContext.CancellationToken)).ToArray();

        // Two instances of one consumer read while the loads run; a third of their handlers crash after writing.
        async Task Consume(int seed)
        {
            var rng = new Random(seed);
            await using var feed = new EventFeed(store.DataSource, "consumer");
            // Until every load ended (a failed worker ends the loop too: its exception surfaces below), then until drained.
            while (!allLoads!.IsCompleted || await Drain(feed) > 0)
            {
                var crash = rng.NextDouble() < 0.33;
                var max = 1 + rng.Next(700);
                Task<int> Next() => feed.ProcessNextAsync(async (events, connection, transaction, ct) =>
                {
                    await using var insert = new NpgsqlCommand("INSERT INTO consumed (event_id) SELECT unnest($1::bigint[])", connection, transaction);
                    insert.Parameters.Add(new() { Value = events.Select(e => e.Id).ToArray() });
                    await insert.ExecuteNonQueryAsync(ct);
                    if (crash)
                    {
                        // The consumer's transaction is rolled back: its writes and the cursor with it. It reads again.
                        throw new InvalidDataException("simulated consumer crash after writing");
                    }
                }, max, TestContext.CancellationToken);
                if (crash)
                {
                    await Assert.ThrowsExactlyAsync<InvalidDataException>(async () =>
                    {
                        if (await Next() == 0)
                        {
                            throw new InvalidDataException("nothing to handle");
                        }
                    });
                }
                else if (await Next() == 0)
                {
                    await Task.Delay(20, TestContext.CancellationToken);
                }
            }
        }

        async Task<int> Drain(EventFeed feed) => await feed.ProcessNextAsync(async (events, connection, transaction, ct) =>
        {
            await using var insert = new NpgsqlCommand("INSERT INTO consumed (event_id) SELECT unnest($1::bigint[])", connection, transaction);
            insert.Parameters.Add(new() { Value = events.Select(e => e.Id).ToArray() });
            await insert.ExecuteNonQueryAsync(ct);
        }, max: 5_000, TestContext.CancellationToken);

        allLoads = Task.WhenAll(workers);
        await Task.WhenAll(Consume(1), Consume(2));
        await allLoads;
        Assert.AreEqual(workers.Length * 6, loadsDone);
        TestContext.WriteLine($"{loadsDone} loads, {crashes} crashed once and were loaded again");
        Assert.IsGreaterThan(0, crashes, "some loads crashed");

        var events = await store.ScalarAsync<long>("SELECT count(*) FROM appointment_events");
        Assert.IsGreaterThan(10_000L, events, "the loads wrote added, changed and removed events");
        Assert.AreEqual(0L, await store.ScalarAsync<long>("SELECT count(*) FROM appointment_events e WHERE NOT EXISTS (SELECT 1 FROM consumed c WHERE c.event_id = e.id)"),
            "no committed event was skipped");
        Assert.AreEqual(events, await store.ScalarAsync<long>("SELECT count(*) FROM consumed"), "each event handled once (consumed has a primary key on the event)");
        Assert.AreEqual(0L, await store.ScalarAsync<long>("""
            SELECT count(*) FROM (
                SELECT e.id, lag(e.id) OVER (PARTITION BY e.practice_id, e.app_lid ORDER BY c.handled) AS previous
                FROM consumed c JOIN appointment_events e ON e.id = c.event_id) x
            WHERE x.previous > x.id
            """), "an appointment's events are handled in the order of their loads");
        Assert.IsGreaterThan(0L, await store.ScalarAsync<long>("SELECT count(*) FROM appointment_events WHERE kind = 'removed'"));
        Assert.IsGreaterThan(0L, await store.ScalarAsync<long>("SELECT count(*) FROM appointment_events WHERE kind = 'changed'"));
    }
}
