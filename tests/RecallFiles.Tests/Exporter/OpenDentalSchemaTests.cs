using RecallFiles.Exporter;
using RecallFiles.Exporter.OpenDental;

namespace RecallFiles.Tests.Exporter;

/// <summary>The Open Dental knowledge shared by the source and the status target.</summary>
[TestClass]
public sealed class OpenDentalSchemaTests
{
    [TestMethod]
    [DataRow(0L, 1042L, false, "1042")]
    [DataRow(3L, 1042L, true, "3-1042")]
    [DataRow(0L, 7L, true, "0-7")]
    public void FormatAppLid_RoundTripsThroughTryParseAppLid(long clinic, long aptNum, bool prefix, string expected)
    {
        var appLid = OpenDentalSchema.FormatAppLid(clinic, aptNum, prefix);

        Assert.AreEqual(expected, appLid);
        Assert.IsTrue(OpenDentalSchema.TryParseAppLid(appLid, prefix, out var parsedApt, out var parsedClinic));
        Assert.AreEqual(aptNum, parsedApt);
        Assert.AreEqual(prefix ? clinic : null, parsedClinic);
    }

    [TestMethod]
    [DataRow("3-1042", false)]
    [DataRow("1042", true)]
    [DataRow("-1042", true)]
    [DataRow("0", false)]
    [DataRow("+12", false)]
    [DataRow("", false)]
    public void TryParseAppLid_ReturnsFalse_OnAnAppLidThePracticeCannotHaveWritten(string appLid, bool prefix) =>
        Assert.IsFalse(OpenDentalSchema.TryParseAppLid(appLid, prefix, out _, out _));

    [TestMethod]
    [DataRow(ResourceChoice.HygienistForHygieneVisits, 0)]
    [DataRow(ResourceChoice.Dentist, 1)]
    [DataRow(ResourceChoice.Hygienist, 2)]
    public void ResourceParameter_MatchesTheResourceSql(ResourceChoice choice, int expected)
    {
        Assert.AreEqual(expected, OpenDentalSchema.ResourceParameter(choice));
        StringAssert.Contains(OpenDentalSchema.ResourceSql, $"@resource = {expected}");
    }

    [TestMethod]
    [DataRow(1, "Scheduled")]
    [DataRow(2, "Complete")]
    [DataRow(4, "ASAP")]
    [DataRow(5, "Broken")]
    [DataRow(8, "PtNoteCompleted")]
    [DataRow(9, "unknown")]
    [DataRow(-1, "unknown")]
    public void Name_NamesTheAptStatus(int aptStatus, string expected) =>
        Assert.AreEqual(expected, OpenDentalSchema.Name(aptStatus));

    [TestMethod]
    public void CreateConnection_SetsTheZeroDateFlags_AndAShorterConnectTimeout()
    {
        using var connection = OpenDentalSchema.CreateConnection("Server=127.0.0.1;Database=opendental;User ID=od;Password=x");
        var builder = new MySqlConnector.MySqlConnectionStringBuilder(connection.ConnectionString);

        Assert.IsTrue(builder.ConvertZeroDateTime);
        Assert.IsFalse(builder.AllowZeroDateTime);
        Assert.AreEqual(10u, builder.ConnectionTimeout);
    }

    [TestMethod]
    public void CreateConnection_ThrowsArgumentException_OnAStringThatIsNotMySql() =>
        Assert.ThrowsExactly<ArgumentException>(() => OpenDentalSchema.CreateConnection("Nonsense Key=1"));
}
