using System.Text;
using Npgsql;
using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Loading;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Importer;

/// <summary>
/// Issue 18: for a large file the loader reads the practice's appointments on a second connection, in its own
/// transaction's snapshot, while it parses the file (<see cref="BatchLoader.ConcurrentReadFileBytes"/>). These tests
/// hold that path to the sequential one: the same snapshots loaded into two practices, one read each way, must end in
/// the same outcomes, the same stored rows and the same events (the added ones in the file's order).
/// </summary>
[TestClass]
public sealed class ConcurrentReadLoadTests
{
    [TestMethod]
    [DataRow(50_000, false, DisplayName = "practice read whole, rows in the stored order")]
    [DataRow(50_000, true, DisplayName = "practice read whole, rows shuffled: the parse waits for rows still arriving")]
    [DataRow(0, true, DisplayName = "history longer than is read: unknown rows go through the merge")]
    public async Task Load_WritesWhatTheSequentialReadWrites_WhenThePracticeIsReadConcurrently(int maxHistoryRows, bool shuffled)
    {
        await using var store = await CreateAsync("load_concurrent", Practice("SEQ"), Practice("CON"));
        var sequential = new BatchLoader(store.DataSource) { MaxHistoryRows = maxHistoryRows, ConcurrentReadFileBytes = long.MaxValue };
        var concurrent = new BatchLoader(store.DataSource) { MaxHistoryRows = maxHistoryRows, ConcurrentReadFileBytes = 0 };
        var random = new Random(20261202);
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        var next = 0;

        // Three weeks before the others: outside their windows, so with maxHistoryRows 0 the practice is not read whole.
        var history = new[] { Row("H1", "01/11/2026"), Row("H2", "02/11/2026") };
        foreach (var snapshot in Enumerable.Range(0, 5))
        {
            var stamp = snapshot == 0 ? "20261101T080000Z" : $"20261123T{8 + snapshot:D2}0000Z";
            string[] lines;
            if (snapshot == 0)
            {
                lines = history;
            }
            else
            {
                foreach (var lid in rows.Keys.ToList())
                {
                    var roll = random.NextDouble();
                    if (roll < 0.08)
                    {
                        rows.Remove(lid); // removed by this snapshot
                    }
                    else if (roll < 0.25)
                    {
                        rows[lid] = Row(lid, random.Next(2) == 0 ? "24/11/2026" : "25/11/2026", $"{8 + random.Next(10):D2}:{random.Next(4) * 15:D2}", $"+34 6{random.Next(10_000_000, 99_999_999)}");
                    }
                }

                for (var i = 0; i < (snapshot == 1 ? 12_000 : 500); i++)
                {
                    var lid = $"M{next++:D6}";
                    rows[lid] = Row(lid, random.Next(2) == 0 ? "24/11/2026" : "25/11/2026", $"{8 + random.Next(10):D2}:00", $"+34 6{random.Next(10_000_000, 99_999_999)}");
                }

                // A rejected row naming a stored appointment: the snapshot does not remove it.
                var invalid = rows.Keys.Skip(random.Next(rows.Count)).First();
                lines = [.. (shuffled ? rows.OrderBy(_ => random.Next()) : rows.OrderBy(r => r.Key, StringComparer.Ordinal))
                    .Select(r => r.Key == invalid ? Row(r.Key, "31/02/2026") : r.Value)];
            }

            var one = await sequential.LoadAsync(await store.StageAsync("SEQ", Name("SEQ", stamp), File(lines)), "test");
            var two = await concurrent.LoadAsync(await store.StageAsync("CON", Name("CON", stamp), File(lines)), "test");

            Assert.AreEqual(BatchStates.Applied, one.State, $"snapshot {snapshot}: {one.Reason}");
            Assert.AreEqual(one with { BatchId = 0 }, two with { BatchId = 0 }, $"snapshot {snapshot}: the outcome");
            CollectionAssert.AreEqual(await StoredAsync(store, "SEQ"), await StoredAsync(store, "CON"), $"snapshot {snapshot}: the stored appointments");
            // The added events of new rows are COPYed in the file's order; the merge's and the removal's follow the
            // rows' places in the table, which differ between two practices: those are compared as sets.
            var (first, second) = (await EventsAsync(store, one.BatchId), await EventsAsync(store, two.BatchId));
            CollectionAssert.AreEqual(first.Where(e => e.Contains(" added ", StringComparison.Ordinal)).ToList(),
                second.Where(e => e.Contains(" added ", StringComparison.Ordinal)).ToList(), $"snapshot {snapshot}: the added events, in order");
            CollectionAssert.AreEqual(first.Order(StringComparer.Ordinal).ToList(), second.Order(StringComparer.Ordinal).ToList(), $"snapshot {snapshot}: the events");
            if (snapshot > 1)
            {
                Assert.IsGreaterThan(0L, two.Unchanged, $"snapshot {snapshot}: unchanged rows");
                Assert.IsGreaterThan(0L, two.Removed, $"snapshot {snapshot}: removed rows");
            }
        }
    }

    [TestMethod]
    public async Task Load_FailsTheFileAndEndsTheRead_WhenTheFileStopsInTheMiddle()
    {
        await using var store = await CreateAsync("load_concurrent_stop", Practice("CON"));
        var loader = new BatchLoader(store.DataSource) { ConcurrentReadFileBytes = 0 };
        var lines = Enumerable.Range(0, 5_000).Select(i => Row($"A{i:D5}")).ToArray();
        Assert.AreEqual(BatchStates.Applied, (await loader.LoadAsync(await store.StageAsync("CON", Name("CON", "20261123T080000Z"), File(lines)), "test")).State);

        // A byte that is not UTF-8 half-way through ends the file's reading with a file error while rows are classified.
        byte[] broken = [.. Encoding.UTF8.GetBytes(File(lines.Take(2_500).ToArray())), .. Encoding.UTF8.GetBytes("A99999,24/11/2026,09:30,,"), 0xFF,
            .. Encoding.UTF8.GetBytes(",x@example.org,DDS1,Dr. Molina,,,L1,Main clinic\r\n" + string.Concat(lines.Skip(2_500).Select(r => r + "\r\n")))];
        var result = await loader.LoadAsync(await store.StageAsync("CON", Name("CON", "20261123T090000Z"), broken), "test");

        Assert.AreEqual(BatchStates.Failed, result.State, result.Reason);
        Assert.AreEqual(0L, await store.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'"),
            "the read's transaction ended with the load");
        Assert.AreEqual(5_000L, await store.ScalarAsync<long>("SELECT count(*) FROM appointments WHERE practice_id = 'CON' AND NOT removed"));
    }

    private static async Task<List<string>> StoredAsync(ImporterStore store, string practice) =>
        await TextsAsync(store, """
            SELECT (to_jsonb(a) - 'practice_id' - 'first_batch_id' - 'last_batch_id' - 'updated_at')::text
            FROM appointments a WHERE practice_id = $1 ORDER BY app_lid
            """, practice);

    private static async Task<List<string>> EventsAsync(ImporterStore store, long batchId) =>
        await TextsAsync(store, "SELECT app_lid || ' ' || kind || ' ' || payload::text FROM appointment_events WHERE batch_id = $1 ORDER BY id", batchId);

    private static async Task<List<string>> TextsAsync(ImporterStore store, string sql, object value)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new() { Value = value });
        var texts = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            texts.Add(reader.GetString(0));
        }

        return texts;
    }
}
