using System.Globalization;
using System.Text;
using Npgsql;
using RecallFiles.Importer.Feed;

namespace RecallFiles.Bench.Importer;

internal static partial class SimulationBench
{
    /// <summary>What the run was: command, machine, schedule, and the CPU the processes spent while it ran.</summary>
    private sealed record RunFacts(string CommandLine, string LoadAtStart, int Practices, TimeSpan Period, int Minutes, int BigRows, string PollCron,
        DateTime DropStart, DateTime DropEnd, DateTime? Drained, double[] ServerCpu, double PostgresCpu, double SshdCpu);

    /// <summary>What PostgreSQL says happened to the dropped files.</summary>
    private sealed record Outcome(int Dropped, int Applied, IReadOnlyDictionary<string, int> States, IReadOnlyDictionary<string, int> AppliedBy,
        IReadOnlyList<double> Latencies, IReadOnlyList<double> WhileBig, IReadOnlyList<double> Others, DateTime? BigClaimed, DateTime? BigCommitted, string? BigState,
        long ClaimedTwice, long EventsTwice, long FeedDuplicates, long FeedRead, long EventCount, IReadOnlyList<string> LostFiles, IReadOnlyList<string> WrongPractices,
        int Superseded, int NoFeedCommit, IReadOnlyList<double> ClaimWaits, IReadOnlyList<double> LoadTimes, IReadOnlyList<double> WhileBigLoadTimes)
    {
        /// <summary>Files claimed twice, events written twice by one batch, events the feed handed out twice or more events read than stored.</summary>
        public long Duplicates => ClaimedTwice + EventsTwice + FeedDuplicates + Math.Max(0, FeedRead - FeedDuplicates - EventCount);

        /// <summary>Dropped files never applied (nor superseded), practices whose appointments are not their last file, events the feed never handed out.</summary>
        public long Losses => LostFiles.Count + WrongPractices.Count + Math.Max(0, EventCount - (FeedRead - FeedDuplicates));
    }

    private static async Task<Outcome> MeasureAsync(NpgsqlDataSource dataSource, List<Drop> drops, Dictionary<string, Dictionary<string, DateTime>> last, Drop? big, int bigRows)
    {
        // Every batch of a dropped file, with its feed commit (a load that wrote events records one).
        var batches = new List<(string Practice, string Name, string State, string? By, DateTime Claimed, DateTime? Committed)>();
        await using (var command = dataSource.CreateCommand(
            "SELECT b.practice_id, b.remote_name, b.state, b.claimed_by, b.claimed_at, f.committed_at FROM batches b LEFT JOIN feed_commits f ON f.batch_id = b.id"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                batches.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.GetDateTime(4), reader.IsDBNull(5) ? null : reader.GetDateTime(5)));
            }
        }

        var byFile = batches.ToLookup(b => (b.Practice, b.Name));
        var bigBatch = big is null ? default : byFile[(big.Practice, big.Name)].FirstOrDefault(b => b.State == "applied");
        DateTime? bigClaimed = big is null || bigBatch.Name is null ? null : bigBatch.Claimed;
        var bigCommitted = bigBatch.Name is null ? null : bigBatch.Committed;
        var latencies = new List<double>();
        var whileBig = new List<double>();
        var others = new List<double>();
        var lost = new List<string>();
        var claimWaits = new List<double>();
        var loadTimes = new List<double>();
        var whileBigLoadTimes = new List<double>();
        var superseded = 0;
        var noFeedCommit = 0;
        foreach (var drop in drops)
        {
            var applied = byFile[(drop.Practice, drop.Name)].Where(b => b.State == "applied").ToList();
            if (applied.Count == 0)
            {
                // A snapshot replaced by a newer one of the same practice before it was loaded is the product's rule, not a loss.
                if (byFile[(drop.Practice, drop.Name)].Any(b => b.State == "superseded"))
                {
                    superseded++;
                }
                else
                {
                    lost.Add($"{drop.Name}: {string.Join(", ", byFile[(drop.Practice, drop.Name)].Select(b => b.State).DefaultIfEmpty("no batch"))}");
                }

                continue;
            }

            if (applied[0].Committed is not { } committed)
            {
                noFeedCommit++;
                continue;
            }

            var seconds = (committed - drop.EligibleUtc).TotalSeconds;
            latencies.Add(seconds);
            if (drop.Practice != "BIG")
            {
                // Where the latency went: waiting for a poll to claim the file, then download + load to the feed commit.
                claimWaits.Add((applied[0].Claimed - drop.EligibleUtc).TotalSeconds);
                loadTimes.Add((committed - applied[0].Claimed).TotalSeconds);
            }

            if (drop.Practice != "BIG")
            {
                var duringBig = bigClaimed is { } c && bigCommitted is { } e && drop.EligibleUtc >= c && drop.EligibleUtc <= e;
                (duringBig ? whileBig : others).Add(seconds);
                if (duringBig)
                {
                    whileBigLoadTimes.Add((committed - applied[0].Claimed).TotalSeconds);
                }
            }
        }

        // The feed, read once from the start by a consumer of its own: every event once, as many as the table holds.
        var seen = new HashSet<long>();
        long feedDuplicates = 0;
        long feedRead = 0;
        await using (var feed = new EventFeed(dataSource, "simulation"))
        {
            while (await feed.ProcessNextAsync((events, _, _, _) =>
            {
                foreach (var e in events)
                {
                    feedRead++;
                    if (!seen.Add(e.Id))
                    {
                        feedDuplicates++;
                    }
                }

                return Task.CompletedTask;
            }, 10_000) > 0)
            {
            }
        }

        // Each practice's appointments against its last file (BIG: its row count).
        var stored = new Dictionary<string, Dictionary<string, DateTime>>(StringComparer.Ordinal);
        await using (var command = dataSource.CreateCommand("SELECT practice_id, app_lid, starts_at FROM appointments WHERE NOT removed AND practice_id <> 'BIG'"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var practice = reader.GetString(0);
                if (!stored.TryGetValue(practice, out var rows))
                {
                    stored[practice] = rows = new Dictionary<string, DateTime>(StringComparer.Ordinal);
                }

                rows[reader.GetString(1)] = reader.GetDateTime(2);
            }
        }

        var wrong = new List<string>();
        foreach (var (practice, rows) in last)
        {
            var have = stored.GetValueOrDefault(practice) ?? [];
            if (have.Count != rows.Count || rows.Any(r => !have.TryGetValue(r.Key, out var at) || at != r.Value))
            {
                wrong.Add($"{practice}: {have.Count} appointments, {rows.Count(r => !have.TryGetValue(r.Key, out var at) || at != r.Value)} of the last file's {rows.Count} rows missing or different");
            }
        }

        if (big is not null && await Scalar(dataSource, "SELECT count(*) FROM appointments WHERE practice_id = 'BIG' AND NOT removed") != bigRows)
        {
            wrong.Add($"BIG: {await Scalar(dataSource, "SELECT count(*) FROM appointments WHERE practice_id = 'BIG' AND NOT removed")} appointments, not {bigRows}");
        }

        var dropped = drops.Select(d => (d.Practice, d.Name)).ToHashSet();
        var ofDrops = batches.Where(b => dropped.Contains((b.Practice, b.Name))).ToList();
        return new Outcome(drops.Count, drops.Count(d => byFile[(d.Practice, d.Name)].Any(b => b.State == "applied")),
            ofDrops.GroupBy(b => b.State).ToDictionary(g => g.Key, g => g.Count()),
            ofDrops.Where(b => b.State == "applied").GroupBy(b => b.By ?? "?").ToDictionary(g => g.Key, g => g.Count()),
            latencies, whileBig, others, bigClaimed, bigCommitted, big is null ? null : string.Join(", ", byFile[(big.Practice, big.Name)].Select(b => b.State)),
            await Scalar(dataSource, "SELECT count(*) FROM (SELECT 1 FROM batches GROUP BY practice_id, remote_name HAVING count(*) > 1) d"),
            await Scalar(dataSource, "SELECT count(*) FROM (SELECT 1 FROM appointment_events GROUP BY batch_id, app_lid HAVING count(*) > 1) d"),
            feedDuplicates, feedRead, await Scalar(dataSource, "SELECT count(*) FROM appointment_events"), lost, wrong, superseded, noFeedCommit, claimWaits, loadTimes, whileBigLoadTimes);
    }

    private static async Task<long> Scalar(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
