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

    [TestMethod]
    [DataRow("31/11/2026", "31/11/2026", DisplayName = "a date is shown: the vendor needs it to fix the row")]
    [DataRow("2026-11-31T10:00:00", "2026-11-31T10:00:00", DisplayName = "a date and time is shown")]
    [DataRow("+34 600 123 456", "***3456", DisplayName = "a phone in the wrong column (a shifted row) is masked")]
    [DataRow("600-123-456", "***3456", DisplayName = "a phone written with dashes is not a date")]
    [DataRow("612 3456 7890", "***7890", DisplayName = "groups of four that are not a year")]
    [DataRow("ana.lopez@example.org", "a***@example.org", DisplayName = "an e-mail in any column is masked")]
    [DataRow("a\r\nb|RecallFiles.Audit|approve", "a\\r\\nb|RecallFiles.Audit|approve", DisplayName = "line breaks are written out, never forged into a log")]
    [DataRow("\u001b[2Jx\u0000", "\\u001B[2Jx\\u0000", DisplayName = "escape sequences and NUL are written out")]
    [DataRow("Dr. Smith", "Dr. Smith")]
    public void Echo_ShowsAValueSafely(string value, string expected) => Assert.AreEqual(expected, Mask.Echo(value));

    [TestMethod]
    public void Echo_CutsALongValue_AndSaysHowLongItWas()
    {
        var echoed = Mask.Echo(new string('x', 300_000));

        Assert.AreEqual(new string('x', Mask.MaxEcho) + "… (300000 characters)", echoed);
    }

    [TestMethod]
    public void Echo_NeverCutsACharacterInHalf()
    {
        var value = new string('x', Mask.MaxEcho - 1) + "😀😀";

        var echoed = Mask.Echo(value);

        StringAssert.StartsWith(echoed, new string('x', Mask.MaxEcho - 1) + "…");
        Assert.IsFalse(echoed.Any(char.IsSurrogate), "no lone surrogate");
    }
}
