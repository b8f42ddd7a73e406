using RecallFiles.Exporter;

namespace RecallFiles.Tests.Exporter;

/// <summary>
/// Issue 18: <see cref="ContactNormalizer.Phone"/> makes the common phone (no letters or '#', a country code of digits) in
/// one pass; every other phone takes the general path (extension pattern, ContactRules.NormalizePhone, ToE164,
/// IsPlausiblePhone), as before. Both must give the same value and the same dropped count for any input.
/// </summary>
[TestClass]
public sealed class ContactNormalizerTests
{
    private static readonly string?[] CountryCodes = [null, "34", "1", "44", "351", "0", "12345678", "123456789", "", "+34", "3 4", "ab"];

    [TestMethod]
    public void Phone_EqualsTheGeneralPath_ForGeneratedPhones()
    {
        var random = new Random(18);
        const string alphabet = "0000111223456789 -.()/++#xXtE\t\u00a0\u2007_[";
        var compared = 0;
        var kept = 0;
        foreach (var country in CountryCodes)
        {
            var fast = new ContactNormalizer(country);
            var general = new ContactNormalizer(country);
            for (var n = 0; n < 40_000; n++)
            {
                var length = random.Next(0, n % 10 == 0 ? 80 : 22);
                var chars = new char[length];
                for (var i = 0; i < length; i++)
                {
                    // Mostly digits, so that many values are plausible and both kept and dropped values are compared.
                    chars[i] = random.Next(3) == 0 ? alphabet[random.Next(alphabet.Length)] : (char)('0' + random.Next(10));
                }

                var raw = new string(chars);
                var expected = general.PhoneGeneral(raw);
                Assert.AreEqual(expected, fast.Phone(raw), $"country {country ?? "(none)"}, phone '{raw}'");
                Assert.AreEqual(general.DroppedPhones, fast.DroppedPhones, $"dropped count, country {country ?? "(none)"}, phone '{raw}'");
                compared++;
                kept += expected is null ? 0 : 1;
            }
        }

        Assert.IsGreaterThan(compared / 20, kept, "enough generated phones are plausible for the comparison to mean something");
    }

    [TestMethod]
    [DataRow("(91) 555-0001", "34")]
    [DataRow(" 600 000 001 ", "34")]
    [DataRow("0034 600 000 001", "34")]
    [DataRow("+34 600 000 001", "34")]
    [DataRow("0600000001", "34")]
    [DataRow("1 212 555 0101", "1")]
    [DataRow("0212 555 0101", "1")]
    [DataRow("(+34) 600000001", "34")]
    [DataRow("600+000001", "34")]
    [DataRow("12345", "34")]
    [DataRow("1234567890123456", null)]
    [DataRow("123456789012345", "34")]
    [DataRow("00123456", "34")]
    [DataRow("555.123.4567 ext 2", "1")]
    [DataRow("600 000 001 #3", "34")]
    [DataRow("600 000 001", "")]
    [DataRow("600 000 001", "+34")]
    [DataRow("600\u00a0000\u00a0001", "34")]
    public void Phone_EqualsTheGeneralPath_ForTypicalPhones(string raw, string? country)
    {
        var expected = new ContactNormalizer(country).PhoneGeneral(raw);

        Assert.AreEqual(expected, new ContactNormalizer(country).Phone(raw));
    }
}
