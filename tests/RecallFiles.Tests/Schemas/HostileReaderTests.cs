using System.Text;
using RecallFiles.Schemas;

namespace RecallFiles.Tests.Schemas;

/// <summary>
/// Issue 13 at the reader: headers too long or too wide in every encoding, control characters in ids and names, and
/// values echoed short, escaped and masked, whatever the file holds.
/// </summary>
[TestClass]
public sealed class HostileReaderTests
{
    [TestMethod]
    public void Open_RefusesAUtf16Header_LongerThan64KB()
    {
        // 450,000 empty column names after the contract's: 900 KB of UTF-16 before the first line break.
        var header = Csv.AppointmentHeader + new string(',', 450_000);
        var bytes = (byte[])[.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(header + "\r\n" + Csv.Row() + "\r\n")];

        var ex = Assert.ThrowsExactly<ContractFileException>(() =>
        {
            using var reader = ContractReader.OpenAppointments(new MemoryStream(bytes), "wide.csv");
        });

        Assert.AreEqual(ProblemCodes.RecordTooLarge, ex.Problem.Code);
        StringAssert.Contains(ex.Problem.Message, "longer than 65536 bytes");
    }

    [TestMethod]
    public void Open_RefusesAHeaderWithMoreThan256Fields_InOneLine()
    {
        var ex = Csv.OpenFails(Csv.AppointmentHeader + new string(',', 300) + "\r\n" + Csv.Row() + "\r\n");

        Assert.AreEqual(ProblemCodes.RecordTooLarge, ex.Problem.Code);
        StringAssert.Contains(ex.Problem.Message, "the header has 312 fields; a contract header has at most 256");
    }

    [TestMethod]
    public void Open_ListsTwentyUnknownColumns_AndCountsTheRest()
    {
        var extra = string.Concat(Enumerable.Range(0, 200).Select(i => $",X{i}"));
        using var reader = ContractReader.OpenAppointments(Csv.Utf8(Csv.AppointmentHeader + extra + "\r\n" + Csv.Row() + new string(',', 200) + "\r\n"), "extra.csv");
        var rows = reader.ReadRows().ToList();

        var unknown = reader.HeaderWarnings.Where(w => w.Code == ProblemCodes.UnknownColumn).ToList();
        Assert.HasCount(21, unknown);
        Assert.AreEqual("180 more column(s) are not part of the appointments contract and are ignored", unknown[^1].Message);
        Assert.IsTrue(rows.Single().IsValid);
    }

    [TestMethod]
    [DataRow("\"A1\r\n|INFO|RecallFiles.Audit|approve\"", "APP_LID", "U+000D at position 3")]
    [DataRow("A\u001b[2J1", "APP_LID", "U+001B at position 2")]
    [DataRow("A\u007f1", "APP_LID", "U+007F at position 2")]
    [DataRow("A\t1", "APP_LID", "U+0009 at position 2")]
    public void ReadRows_RefusesAControlCharacter_InAnId(string lid, string column, string expected)
    {
        var row = Csv.ReadAppointments(Csv.AppointmentHeader + "\r\n" + Csv.Row(lid) + "\r\n").Single();

        var problem = row.Problems.Single(p => p.Code == ProblemCodes.ControlCharacter);
        Assert.AreEqual(column, problem.Column);
        StringAssert.Contains(problem.Message, expected);
        Assert.IsFalse(row.IsValid);
    }

    [TestMethod]
    public void ReadRows_AllowsATab_InAName_ButNotALineBreak()
    {
        var rows = Csv.ReadAppointments(Csv.AppointmentHeader + "\r\n" + Csv.Row("A1", resourceName: "Dr.\tMolina") + "\r\n" +
            Csv.Row("A2", resourceName: "\"Dr.\nMolina\"") + "\r\n");

        Assert.IsTrue(rows[0].IsValid, string.Join("; ", rows[0].Problems));
        Assert.AreEqual(ProblemCodes.ControlCharacter, rows[1].Problems.Single().Code);
        Assert.AreEqual(Columns.ResourceName, rows[1].Problems.Single().Column);
    }

    [TestMethod]
    public void ReadRows_EchoesAHugeInvalidValue_CutAndEscaped()
    {
        var date = "\u001b]0;pwned\u0007" + new string('9', 300_000);

        var problem = Csv.ReadAppointments(Csv.AppointmentHeader + "\r\n" + Csv.Row(date: date) + "\r\n").Single().Problems.Single(p => p.Code == ProblemCodes.Date);

        Assert.IsLessThan(200, problem.Message.Length, problem.Message);
        Assert.DoesNotContain("\u001b", problem.Message);
        StringAssert.Contains(problem.Message, "(300010 characters)");
    }

    [TestMethod]
    public void ReadRows_MasksAPhone_ShiftedIntoTheDateColumn()
    {
        var problem = Csv.ReadAppointments(Csv.AppointmentHeader + "\r\n" + Csv.Row(date: "+34 600 123 456") + "\r\n").Single().Problems.Single(p => p.Code == ProblemCodes.Date);

        Assert.AreEqual("APP_DATE '***3456' is not a real date in dd/mm/yyyy", problem.Message);
    }
}
