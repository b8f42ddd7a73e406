using RecallFiles.Schemas;

namespace RecallFiles.Tests.Schemas;

[TestClass]
public sealed class MaskTests
{
    [TestMethod]
    [DataRow("+34 600 123 4567", "***4567")]
    [DataRow("(555) 123-4567", "***4567")]
    [DataRow("1234", "***")]
    [DataRow("", "")]
    public void Phone_KeepsOnlyTheLastFourDigits(string phone, string expected) => Assert.AreEqual(expected, Mask.Phone(phone));

    [TestMethod]
    [DataRow("alice@example.org", "a***@example.org")]
    [DataRow("no-at-sign", "***")]
    [DataRow("@example.org", "***")]
    public void Email_KeepsTheFirstCharacterAndTheDomain(string email, string expected) => Assert.AreEqual(expected, Mask.Email(email));

    [TestMethod]
    public void Value_MasksContactColumnsOnly()
    {
        Assert.AreEqual("***4567", Mask.Value(Columns.UserMobilePhone, "600 123 4567"));
        Assert.AreEqual("b***@example.org", Mask.Value(Columns.ResourceEmail, "bob@example.org"));
        Assert.AreEqual("A1", Mask.Value(Columns.AppLid, "A1"));
    }

    [TestMethod]
    [DataRow("+34 (600) 12-34-56", "+34600123456")]
    [DataRow("555.123.4567", "5551234567")]
    [DataRow("555.123.4567 ext 2", null)]
    [DataRow("+", null)]
    [DataRow("12 34 5", null)]
    public void NormalizePhone_StripsFormatting_OrRefuses(string phone, string? expected) =>
        Assert.AreEqual(expected, ContactRules.NormalizePhone(phone));
}
