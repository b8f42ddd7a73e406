using RecallFiles.Schemas.Internal;

namespace RecallFiles.Tests.Schemas;

/// <summary>Arrays advised to take huge pages (issue 18) are ordinary zeroed arrays of the asked length.</summary>
[TestClass]
public sealed class HugePagesTests
{
    [TestMethod]
    [DataRow(10)]
    [DataRow(1 << 22)]
    [DataRow((1 << 22) + 3)]
    public void NewArray_ReturnsAZeroedArray_OfTheLength(int length)
    {
        // Dirty memory first, so that a reused, uncleared block would show.
        for (var i = 0; i < 4; i++)
        {
            var dirty = GC.AllocateUninitializedArray<long>(length);
            Array.Fill(dirty, -1L);
        }

        var array = HugePages.NewArray<long>(length);

        Assert.HasCount(length, array);
        Assert.IsTrue(array.AsSpan().IndexOfAnyExcept(0L) < 0, "every element is zero");
    }
}
