using System.Text;
using RecallFiles.Exporter.Sources;

namespace RecallFiles.Tests.Exporter;

[TestClass]
public sealed class RecentTextsTests
{
    [TestMethod]
    public void Decode_ReturnsTheSameInstance_ForRepeatedBytes()
    {
        var recent = new RecentTexts();
        var first = recent.Decode("23/11/2026"u8);
        var again = recent.Decode("23/11/2026"u8);
        var other = recent.Decode("24/11/2026"u8);

        Assert.AreEqual("23/11/2026", first);
        Assert.AreSame(first, again);
        Assert.AreEqual("24/11/2026", other);
        Assert.AreEqual(1, recent.Hits);
    }

    [TestMethod]
    public void Decode_GivesWhatUtf8Gives_ForEveryValue()
    {
        // Many distinct values through 16 slots (collisions, replacements), non-ASCII, invalid UTF-8, empty, long.
        var random = new Random(18);
        var pool = new List<byte[]>
        {
            Array.Empty<byte>(), "Clínica Peñalver"u8.ToArray(), "日本語"u8.ToArray(), new byte[] { 0xC3 }, new byte[] { 0xFF, 0x41 }, Encoding.UTF8.GetBytes(new string('x', 200)),
        };
        for (var i = 0; i < 60; i++)
        {
            pool.Add(Encoding.UTF8.GetBytes("Dr. Provider " + i));
        }

        var recent = new RecentTexts();
        for (var i = 0; i < 5_000; i++)
        {
            var bytes = pool[random.Next(pool.Count)];
            Assert.AreEqual(Encoding.UTF8.GetString(bytes), recent.Decode(bytes), $"value {i}");
        }

        Assert.IsGreaterThan(0, recent.Hits);
    }

    [TestMethod]
    public void Decode_StopsLooking_WhenValuesSeldomRepeat()
    {
        var recent = new RecentTexts();
        for (var i = 0; i < 600; i++)
        {
            recent.Decode(Encoding.UTF8.GetBytes("+3460000" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)));
        }

        var before = recent.Hits;
        var a = recent.Decode("same"u8);
        var b = recent.Decode("same"u8);

        Assert.AreEqual(before, recent.Hits, "a column of unique values stops looking");
        Assert.AreEqual(a, b);
        Assert.AreNotSame(a, b);
    }
}
