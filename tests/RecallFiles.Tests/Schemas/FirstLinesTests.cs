using RecallFiles.Schemas.Internal;

namespace RecallFiles.Tests.Schemas;

/// <summary>The duplicate-APP_LID index (issue 18: an open-addressing table instead of a dictionary).</summary>
[TestClass]
public sealed class FirstLinesTests
{
    [TestMethod]
    public void FirstLineOrAdd_ReturnsTheFirstLine_ForEveryRepeatedKey_AcrossGrowth()
    {
        var index = new FirstLines();
        var random = new Random(18);
        var keys = Enumerable.Range(0, 300_000).Select(_ => (ulong)random.NextInt64() ^ ((ulong)random.Next() << 40)).Distinct().ToArray();
        for (var i = 0; i < keys.Length; i++)
        {
            Assert.AreEqual(-1L, index.FirstLineOrAdd(keys[i], i + 2));
        }

        for (var i = 0; i < keys.Length; i += 7)
        {
            Assert.AreEqual(i + 2L, index.FirstLineOrAdd(keys[i], 999_999_999));
        }

        Assert.AreEqual(-1L, index.FirstLineOrAdd(0, 5), "key 0 is a key like any other");
        Assert.AreEqual(5L, index.FirstLineOrAdd(0, 6));
    }

    [TestMethod]
    public void FirstLineOrAdd_KeepsLinesBeyondFourBillion()
    {
        var index = new FirstLines();
        const long far = 5_000_000_000;

        Assert.AreEqual(-1L, index.FirstLineOrAdd(42, far));
        Assert.AreEqual(-1L, index.FirstLineOrAdd(43, 7));

        Assert.AreEqual(far, index.FirstLineOrAdd(42, far + 1));
        Assert.AreEqual(7L, index.FirstLineOrAdd(43, far + 2));
    }
}
