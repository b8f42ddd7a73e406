using System.Text.RegularExpressions;
using Npgsql;
using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Practices;
using RecallFiles.Scheduler.Dashboards;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Scheduler;

/// <summary>
/// Issue 17's pictures: <see cref="FileTimeline"/> counts a real store's batches per UTC day and hour (a practice or all),
/// every bucket present; <see cref="FileCharts"/> draws them as accessible inline SVG.
/// </summary>
[TestClass]
public sealed partial class PicturesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 10, 30, 0, TimeSpan.Zero);

    public TestContext TestContext { get; set; } = null!;

    /// <summary>Inserts a batch as the pickup would have claimed it.</summary>
    internal static async Task InsertBatchAsync(NpgsqlDataSource dataSource, string practice, string state, DateTimeOffset claimedAt, string name)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO batches (practice_id, remote_folder, remote_name, remote_size, remote_mtime, state, claimed_by, claimed_at)
            VALUES ($1, $1 || '/appointments', $2, 100, $3, $4, 'test', $3)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = practice });
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        command.Parameters.Add(new NpgsqlParameter { Value = claimedAt.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = state });
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<NpgsqlDataSource> StoreAsync()
    {
        var dataSource = NpgsqlDataSource.Create(await PostgresFixture.CreateDatabaseAsync("pictures"));
        await PracticeStore.MirrorAsync(dataSource, [new PracticeOptions { Id = "ACME-01" }, new PracticeOptions { Id = "BETA-01" }]);
        var i = 0;
        foreach (var (practice, state, at) in new[]
        {
            ("ACME-01", "applied", Now.AddHours(-1)), ("ACME-01", "applied", Now.AddHours(-2)), ("ACME-01", "failed", Now.AddMinutes(-5)),
            ("ACME-01", "needs_review", Now.AddDays(-3)), ("ACME-01", "superseded", Now.AddDays(-3)),
            ("ACME-01", "applied", Now.AddDays(-20)),   // outside the 14 days
            ("BETA-01", "applied", Now.AddMinutes(-10)),
        })
        {
            await InsertBatchAsync(dataSource, practice, state, at, $"APPOINTMENTS_{practice}_{i++}.csv");
        }

        return dataSource;
    }

    [TestMethod]
    public async Task DailyAndHourly_CountEachBucket_ForAPracticeOrAll()
    {
        await using var store = await StoreAsync();

        var acme = await FileTimeline.DailyAsync(store, "ACME-01", Now, 14, TestContext.CancellationToken);
        var all = await FileTimeline.DailyAsync(store, null, Now, 14, TestContext.CancellationToken);
        var hours = await FileTimeline.HourlyAsync(store, null, Now, 48, TestContext.CancellationToken);

        Assert.HasCount(14, acme);
        Assert.AreEqual(new DateTime(2026, 11, 19, 0, 0, 0, DateTimeKind.Utc), acme[0].Start, "13 days back to today, oldest first");
        Assert.AreEqual(new FileBucket(new DateTime(2026, 12, 2, 0, 0, 0, DateTimeKind.Utc), 3, 2, 1, 0), acme[^1]);
        Assert.AreEqual(new FileBucket(new DateTime(2026, 11, 29, 0, 0, 0, DateTimeKind.Utc), 2, 0, 0, 1), acme[^4]);
        Assert.AreEqual(1, acme[^4].Other, "the superseded one");
        Assert.AreEqual(5, acme.Sum(b => b.Arrived), "the batch of 20 days ago is outside");
        Assert.AreEqual(4, all[^1].Arrived, "BETA-01's file too");
        Assert.HasCount(48, hours);
        Assert.AreEqual(new DateTime(2026, 12, 2, 10, 0, 0, DateTimeKind.Utc), hours[^1].Start);
        Assert.AreEqual(2, hours[^1].Arrived, "10:00-11:00: the failed one and BETA-01's");
        Assert.AreEqual(4, hours.Sum(b => b.Arrived));
    }

    [TestMethod]
    public void Daily_DrawsABarSegmentPerStateAndCount_WithTitleDescAndLabels()
    {
        var days = Enumerable.Range(0, 14).Select(i => new FileBucket(new DateTime(2026, 11, 19, 0, 0, 0, DateTimeKind.Utc).AddDays(i), 0, 0, 0, 0)).ToList();
        days[13] = days[13] with { Arrived = 4, Applied = 2, Failed = 1, Held = 1 };
        days[10] = days[10] with { Arrived = 3, Applied = 3 };

        var svg = FileCharts.Daily("timeline", "Files of ACME-01, last 14 days", days);

        Assert.AreEqual(2, Count(svg, "<rect class=\"bar applied\""));
        Assert.AreEqual(1, Count(svg, "<rect class=\"bar failed\""));
        Assert.AreEqual(1, Count(svg, "<rect class=\"bar held\""));
        Assert.AreEqual(0, Count(svg, "<rect class=\"bar other\""));
        Assert.AreEqual(14, Count(svg, "<text class=\"label\""), "a day label under every bar");
        Assert.AreEqual(14, Count(svg, "<text class=\"count\""), "a count above every bar");
        StringAssert.Contains(svg, "role=\"img\" aria-labelledby=\"timeline-title timeline-desc\"");
        StringAssert.Contains(svg, "<title id=\"timeline-title\">Files of ACME-01, last 14 days</title>");
        StringAssert.Contains(svg, "7 file(s) arrived; 5 applied, 1 failed, 1 held for review, 0 other");
        StringAssert.Contains(svg, "<title>2026-12-02 UTC: 1 failed</title>");
        Assert.IsTrue(BarHeight().Match(svg).Success, "the tallest bar (4 files) fills the plot: 2 applied = 75 px of 150");
        Assert.DoesNotContain("<script", svg);
    }

    private static int Count(string text, string what) => Regex.Count(text, Regex.Escape(what));

    [GeneratedRegex("<rect class=\"bar applied\" data-count=\"2\" x=\"[0-9.]+\" y=\"[0-9.]+\" width=\"30\" height=\"75\"")]
    private static partial Regex BarHeight();
}
