using RecallFiles.Schemas;

namespace RecallFiles.Tests.Schemas;

[TestClass]
public sealed class ContractFileNameTests
{
    [TestMethod]
    [DataRow(FileKind.Appointments, "APPOINTMENTS_ACME-01_20261123T080000Z.csv")]
    [DataRow(FileKind.Status, "STATUS_ACME-01_20261123T080000Z.csv")]
    [DataRow(FileKind.StatusResult, "STATUS_RESULT_ACME-01_20261123T080000Z.csv")]
    public void Create_FormatsTheName_AndParseReadsItBack(FileKind kind, string expected)
    {
        var name = ContractFileName.Create(kind, "ACME-01", new DateTimeOffset(2026, 11, 23, 9, 0, 0, 456, TimeSpan.FromHours(1)));

        Assert.AreEqual(expected, name.ToString());
        Assert.AreEqual(name, ContractFileName.Parse(expected));
    }

    [TestMethod]
    public void Parse_ReadsPracticeIdsWithUnderscores_AndTellsStatusFromStatusResult()
    {
        var status = ContractFileName.Parse("STATUS_my_practice_20261123T080000Z.csv");
        var result = ContractFileName.Parse("STATUS_RESULT_X_20261123T080000Z.csv");

        Assert.AreEqual(FileKind.Status, status.Kind);
        Assert.AreEqual("my_practice", status.PracticeId);
        Assert.AreEqual(FileKind.StatusResult, result.Kind);
        Assert.AreEqual("X", result.PracticeId);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("APPOINTMENTS_ACME_20261123T080000Z.txt")]
    [DataRow("appointments_ACME_20261123T080000Z.csv")]
    [DataRow("APPOINTMENTS_ACME_20261123T080000.csv")]
    [DataRow("APPOINTMENTS_ACME_20261323T080000Z.csv")]
    [DataRow("APPOINTMENTS_ACME_20261123T250000Z.csv")]
    [DataRow("APPOINTMENTS__20261123T080000Z.csv")]
    [DataRow("APPOINTMENTS_AC.ME_20261123T080000Z.csv")]
    [DataRow("APPOINTMENTS_AC ME_20261123T080000Z.csv")]
    [DataRow("../APPOINTMENTS_ACME_20261123T080000Z.csv")]
    [DataRow("x/APPOINTMENTS_ACME_20261123T080000Z.csv")]
    [DataRow("x\\APPOINTMENTS_ACME_20261123T080000Z.csv")]
    [DataRow("APPOINTMENTS_..._20261123T080000Z.csv")]
    [DataRow("APPOINTMENTS_ACME_20261123T080000Z.csv.part")]
    [DataRow("REPORT_ACME_20261123T080000Z.csv")]
    public void TryParse_Refuses_AnythingButAContractName(string name)
    {
        Assert.IsFalse(ContractFileName.TryParse(name, out var parsed, out var error));
        Assert.IsNull(parsed);
        Assert.IsFalse(string.IsNullOrEmpty(error));
    }

    [TestMethod]
    public void TryParse_Refuses_A41CharacterPracticeId_AndAccepts40()
    {
        Assert.IsTrue(ContractFileName.TryParse($"STATUS_{new string('p', 40)}_20261123T080000Z.csv", out _, out _));
        Assert.IsFalse(ContractFileName.TryParse($"STATUS_{new string('p', 41)}_20261123T080000Z.csv", out _, out _));
    }

    [TestMethod]
    [DataRow("ACME-01", true)]
    [DataRow("a_b-C9", true)]
    [DataRow("", false)]
    [DataRow("..", false)]
    [DataRow("a/b", false)]
    [DataRow("a\\b", false)]
    [DataRow("añ", false)]
    [DataRow("a b", false)]
    [DataRow("a\nb", false)]
    public void PracticeId_IsValid_OnlyForTheAllowedAlphabet(string id, bool valid)
    {
        Assert.AreEqual(valid, PracticeId.IsValid(id));
        if (!valid)
        {
            Assert.ThrowsExactly<ArgumentException>(() => ContractFileName.Create(FileKind.Status, id, DateTimeOffset.UnixEpoch));
        }
    }
}
