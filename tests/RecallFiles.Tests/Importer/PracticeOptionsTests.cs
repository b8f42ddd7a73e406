using RecallFiles.Importer.Practices;

namespace RecallFiles.Tests.Importer;

/// <summary>The cloud's practice settings: the one time-zone lookup, which never falls back to UTC.</summary>
[TestClass]
public sealed class PracticeOptionsTests
{
    [TestMethod]
    [DataRow("Mars/Olympus")]
    [DataRow("")]
    public void FindTimeZone_ThrowsNamingTheKey_WhenTheIdIsUnknown(string id)
    {
        var error = Assert.ThrowsExactly<TimeZoneNotFoundException>(() => PracticeOptions.FindTimeZone(id, "RecallFiles:Practices:ACME-01:TimeZone"));

        StringAssert.Contains(error.Message, $"RecallFiles:Practices:ACME-01:TimeZone '{id}' is not a known time zone");
    }

    [TestMethod]
    [DataRow("Europe/Madrid")]
    [DataRow("Romance Standard Time")]
    public void FindTimeZone_ReturnsTheZone_ForIanaAndWindowsIds(string id)
    {
        var zone = PracticeOptions.FindTimeZone(id, "RecallFiles:Practices:ACME-01:TimeZone");

        Assert.AreEqual(TimeSpan.FromHours(1), zone.GetUtcOffset(new DateTime(2026, 1, 15, 12, 0, 0, DateTimeKind.Utc)));
    }

    [TestMethod]
    public void Validate_NamesTheTimeZoneKey_WhenTheZoneIsUnknown()
    {
        var problems = new PracticeOptions { Id = "ACME-01", TimeZone = "Mars/Olympus" }.Validate("RecallFiles:Practices:ACME-01");

        StringAssert.Contains(problems.Single(), "RecallFiles:Practices:ACME-01:TimeZone 'Mars/Olympus' is not a known time zone");
    }
}
