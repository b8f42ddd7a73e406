using System.Diagnostics;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Transport;

namespace RecallFiles.Tests.Transport;

[TestClass]
public sealed class SafePickupTests
{
    private static readonly DateTime T0 = new(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc);

    [TestMethod]
    [DataRow(".APPOINTMENTS.csv.part")]
    [DataRow("APPOINTMENTS.csv.part")]
    [DataRow("APPOINTMENTS.csv.tmp")]
    [DataRow("APPOINTMENTS.csv.filepart")]
    [DataRow("~APPOINTMENTS.csv")]
    [DataRow(".hidden")]
    public void Evaluate_NeverOffersFile_WhenNameIsTemporary(string name)
    {
        var clock = new ManualTimeProvider();
        var pickup = new SafePickup(TimeSpan.FromSeconds(30), false, 10, clock);
        pickup.Evaluate([new RemoteFileInfo(name, 10, T0)]);
        clock.Advance(TimeSpan.FromHours(1));

        var result = pickup.Evaluate([new RemoteFileInfo(name, 10, T0)]);

        Assert.IsEmpty(result.Eligible);
        Assert.IsEmpty(result.Waiting);
        Assert.IsEmpty(result.Rejected);
    }

    [TestMethod]
    [DataRow("a\\b.csv", "path separator")]
    [DataRow("a/b.csv", "path separator")]
    [DataRow("..", "'..'")]
    [DataRow("x..csv", "'..'")]
    [DataRow("bell\u0007.csv", "control character")]
    [DataRow("tab\t.csv", "control character")]
    public void Evaluate_RejectsAndReports_WhenNameIsNeverOpened(string name, string reason)
    {
        var pickup = new SafePickup(TimeSpan.Zero, false, 10);

        var result = pickup.Evaluate([new RemoteFileInfo(name, 1, T0), new RemoteFileInfo("ok.csv", 1, T0)]);

        Assert.AreEqual(name, result.Rejected.Single().Name);
        Assert.Contains(reason, result.Rejected.Single().Reason);
        Assert.AreEqual("ok.csv", result.Eligible.Single().Name);
    }

    [TestMethod]
    public void Evaluate_RejectsName_WhenLongerThan255Bytes()
    {
        var name = new string('é', 128) + ".csv"; // 256 + 4 UTF-8 bytes, only 132 characters
        var pickup = new SafePickup(TimeSpan.Zero, false, 10);

        var result = pickup.Evaluate([new RemoteFileInfo(name, 1, T0)]);

        Assert.Contains("260 bytes", result.Rejected.Single().Reason);
        Assert.IsEmpty(result.Eligible);
    }

    [TestMethod]
    public void Evaluate_WaitsAgain_WhenModificationTimeChangesWithSameSize()
    {
        var clock = new ManualTimeProvider();
        var pickup = new SafePickup(TimeSpan.FromSeconds(30), false, 10, clock);
        pickup.Evaluate([new RemoteFileInfo("f.csv", 10, T0)]);
        clock.Advance(TimeSpan.FromSeconds(25));
        pickup.Evaluate([new RemoteFileInfo("f.csv", 10, T0.AddSeconds(20))]);
        clock.Advance(TimeSpan.FromSeconds(25));

        var result = pickup.Evaluate([new RemoteFileInfo("f.csv", 10, T0.AddSeconds(20))]);

        Assert.IsEmpty(result.Eligible, "rewritten in place: 25 s of quiet is not 30");
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.AreEqual("f.csv", pickup.Evaluate([new RemoteFileInfo("f.csv", 10, T0.AddSeconds(20))]).Eligible.Single().Name);
    }

    [TestMethod]
    public void Evaluate_WaitsForMarker_WhenDoneFileRequiredAndFileIsOld()
    {
        var clock = new ManualTimeProvider();
        var pickup = new SafePickup(TimeSpan.FromSeconds(30), true, 10, clock);
        pickup.Evaluate([new RemoteFileInfo("f.csv", 10, T0)]);
        clock.Advance(TimeSpan.FromHours(2));

        var result = pickup.Evaluate([new RemoteFileInfo("f.csv", 10, T0), new RemoteFileInfo("other.csv.done", 0, T0)]);

        Assert.IsEmpty(result.Eligible, "stability alone does not count when markers are required");
        Assert.AreEqual("f.csv", result.Waiting.Single().Name);
    }

    [TestMethod]
    public void Evaluate_ReturnsOldestFirstBoundedByMaxFilesPerPoll_WhenFolderHas100000Files()
    {
        var listing = Enumerable.Range(0, 100_000)
            .Select(i => new RemoteFileInfo($"APPOINTMENTS_{i:D6}.csv", 100, T0.AddSeconds(-((i * 7919) % 100_000))))
            .ToList();
        var pickup = new SafePickup(TimeSpan.Zero, false, 500);

        var watch = Stopwatch.StartNew();
        var result = pickup.Evaluate(listing);
        watch.Stop();

        Assert.HasCount(500, result.Eligible);
        Assert.AreEqual(99_500, result.Deferred);
        var expectedOldest = listing.OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.Name, StringComparer.Ordinal).Take(500).Select(f => f.Name).ToList();
        CollectionAssert.AreEqual(expectedOldest, result.Eligible.Select(f => f.Name).ToList());
        Assert.IsLessThan(TimeSpan.FromSeconds(2), watch.Elapsed, $"a poll of 100,000 names took {watch.Elapsed}");
    }

    [TestMethod]
    public void Forget_RestartsWait_WhenSameNameReappears()
    {
        var clock = new ManualTimeProvider();
        var pickup = new SafePickup(TimeSpan.FromSeconds(30), false, 10, clock);
        pickup.Evaluate([new RemoteFileInfo("f.csv", 10, T0)]);
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.HasCount(1, pickup.Evaluate([new RemoteFileInfo("f.csv", 10, T0)]).Eligible);

        pickup.Forget("f.csv");

        Assert.IsEmpty(pickup.Evaluate([new RemoteFileInfo("f.csv", 10, T0)]).Eligible);
    }
}
