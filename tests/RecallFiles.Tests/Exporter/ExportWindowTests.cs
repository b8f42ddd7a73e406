using RecallFiles.Exporter;
using RecallFiles.Exporter.Sources;

namespace RecallFiles.Tests.Exporter;

[TestClass]
public sealed class ExportWindowTests
{
    private static readonly TimeZoneInfo Madrid = TimeZoneInfo.FindSystemTimeZoneById("Europe/Madrid");

    [TestMethod]
    public void Around_IsStartInclusive_EndExclusive()
    {
        var now = new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);
        var window = ExportWindow.Around(now, TimeSpan.FromHours(24), TimeSpan.FromHours(72), Madrid);

        Assert.IsTrue(window.Contains(now.AddHours(-24)));
        Assert.IsFalse(window.Contains(now.AddHours(-24).AddTicks(-1)));
        Assert.IsTrue(window.Contains(now.AddHours(72).AddTicks(-1)));
        Assert.IsFalse(window.Contains(now.AddHours(72)));
        Assert.AreEqual(new DateTime(2026, 11, 22, 9, 0, 0), window.LocalStart);
        Assert.AreEqual(new DateTime(2026, 11, 26, 9, 0, 0), window.LocalEnd);
    }

    [TestMethod]
    public void ToInstant_TakesTheFirstOccurrence_OfTheRepeatedHour()
    {
        var instant = ExportWindow.ToInstant(new DateTime(2026, 10, 25, 2, 30, 0), Madrid);

        Assert.AreEqual(new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero), instant.ToUniversalTime());
    }

    [TestMethod]
    public void ToInstant_MovesASkippedTimeForwardByTheGap()
    {
        // 29 March 2026: Madrid jumps from 02:00 to 03:00; 02:30 reads as 03:30 CEST = 01:30Z.
        var instant = ExportWindow.ToInstant(new DateTime(2026, 3, 29, 2, 30, 0), Madrid);

        Assert.AreEqual(new DateTimeOffset(2026, 3, 29, 1, 30, 0, TimeSpan.Zero), instant.ToUniversalTime());
    }

    [TestMethod]
    public void Window_Spans72Hours_AcrossTheDstChange_ButLocalHoursDiffer()
    {
        var window = ExportWindow.Around(new DateTimeOffset(2026, 10, 24, 10, 0, 0, TimeSpan.Zero), TimeSpan.FromHours(24), TimeSpan.FromHours(72), Madrid);

        Assert.AreEqual(TimeSpan.FromHours(96), window.EndUtc - window.StartUtc);
        Assert.AreEqual(TimeSpan.FromHours(95), window.LocalEnd - window.LocalStart, "one local hour repeats inside the window");
    }

    [TestMethod]
    [DataRow("Europe/Madrid", true)]
    [DataRow("Romance Standard Time", true)]
    [DataRow("Mars/Olympus", false)]
    [DataRow("", false)]
    public void TryFindTimeZone_AcceptsIanaAndWindowsIds(string id, bool found)
    {
        Assert.AreEqual(found, ExportWindow.TryFindTimeZone(id, out var zone));
        Assert.AreEqual(found, zone is not null, "no zone (never UTC) when the id is unknown");
    }

    [TestMethod]
    public void FindTimeZone_ThrowsNamingTheKey_WhenTheIdIsUnknown()
    {
        var error = Assert.ThrowsExactly<ExportException>(() => ExportWindow.FindTimeZone("Mars/Olympus", "RecallFiles:Agent:Practices:0:TimeZone"));

        StringAssert.Contains(error.Message, "RecallFiles:Agent:Practices:0:TimeZone 'Mars/Olympus' is not a known time zone");
    }

    [TestMethod]
    public void FindTimeZone_ReturnsTheZone_ForAnIanaId() =>
        Assert.AreEqual(Madrid.Id, ExportWindow.FindTimeZone(" Europe/Madrid ", "RecallFiles:Agent:Practices:0:TimeZone").Id);

    [TestMethod]
    [DataRow("(91) 555-1234", "34", "+34915551234")]
    [DataRow("0034 600 123 457", "34", "+34600123457")]
    [DataRow("+44 7700 900123", "34", "+447700900123")]
    [DataRow("07700 900123", "44", "+447700900123")]
    [DataRow("(212) 555-0101", "1", "+12125550101")]
    [DataRow("1 212 555 0101", "1", "+12125550101")]
    [DataRow("555.123.4567 ext 2", null, "5551234567")]
    [DataRow("555-123-4567 x12", null, "5551234567")]
    [DataRow("call mum", "34", null)]
    [DataRow("", "34", null)]
    public void ContactNormalizer_Phone_NormalisesOrDrops(string raw, string? country, string? expected)
    {
        var normalizer = new ContactNormalizer(country);

        Assert.AreEqual(expected, normalizer.Phone(raw));
        Assert.AreEqual(expected is null && raw.Length > 0 ? 1 : 0, normalizer.DroppedPhones);
    }

    [TestMethod]
    public void ContactNormalizer_Email_DropsImplausibleAndOverlongAddresses()
    {
        var normalizer = new ContactNormalizer(null);

        Assert.AreEqual("a@example.org", normalizer.Email(" a@example.org "));
        Assert.IsNull(normalizer.Email("no at sign"));
        Assert.IsNull(normalizer.Email(new string('a', 40) + "@example.org"));
        Assert.AreEqual(2, normalizer.DroppedEmails);
    }
}
