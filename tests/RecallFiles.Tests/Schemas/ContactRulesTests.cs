using System.Text;
using System.Text.RegularExpressions;
using RecallFiles.Schemas;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Schemas;

/// <summary>
/// ContactRules.IsPlausibleEmail matches ASCII values by hand (issue 18: speed); the regular expression it had stays
/// the definition here, and both must agree on every value.
/// </summary>
[TestClass]
public sealed class ContactRulesTests
{
    private static readonly Regex Pattern = new(
        @"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,}$",
        RegexOptions.CultureInvariant);

    private static readonly System.Globalization.IdnMapping Idn = new() { UseStd3AsciiRules = true };

    // IsPlausibleEmail as it was written before the hand matcher.
    private static bool Reference(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        if (!Pattern.IsMatch(value))
        {
            var at = value.LastIndexOf('@');
            if (at <= 0 || at == value.Length - 1 || Ascii.IsValid(value.AsSpan(at + 1)))
            {
                return false;
            }

            string domain;
            try
            {
                domain = Idn.GetAscii(value[(at + 1)..]);
            }
            catch (ArgumentException)
            {
                return false;
            }

            if (!Pattern.IsMatch(string.Concat(value.AsSpan(0, at + 1), domain)))
            {
                return false;
            }
        }

        var local = value.AsSpan(0, value.IndexOf('@'));
        return local[0] != '.' && local[^1] != '.' && !local.Contains("..", StringComparison.Ordinal);
    }

    [TestMethod]
    public void IsPlausibleEmail_AgreesWithThePattern_OnKnownCases()
    {
        string?[] values =
        [
            null, "", "a@example.org", "a.b+c@mail.example.co.uk", "a@b", "a@b.c", "a@b.cd", "@b.cd", "a@", "a@@b.cd", "a@b..cd", "a@.b.cd",
            "a@b.cd.", "a@-b.cd", "a@b-.cd", "a@b-c.cd", "a@1.cd", "a@b.c1", "a@b.c-d", ".a@b.cd", "a.@b.cd", "a..b@b.cd", "a b@b.cd",
            "a@b.cd\n", "a@b.cd\n\n", "a@b.cd ", " a@b.cd", "a@例え.jp", "ñ@b.cd", "a@b_c.cd", "a@" + new string('b', 63) + ".cd",
            "a@" + new string('b', 64) + ".cd", "a@b." + new string('c', 70), "{|}~^`@b.cd", "a@B.CD", "a@b.cD\r",
        ];
        foreach (var value in values)
        {
            Assert.AreEqual(Reference(value), ContactRules.IsPlausibleEmail(value), value ?? "(null)");
        }
    }

    [TestMethod]
    public void IsPlausibleEmail_AgreesWithThePattern_OnMangledAddresses()
    {
        string[] pieces = ["a", "Z", "0", "9", ".", "..", "@", "-", "_", "+", " ", "\n", "\t", "é", "例", "\0", "!", "`", "[", "x1", "co", "-a"];
        string[] seeds = ["p1@example.org", "first.last@mail.example.co.uk", "a@b.cd", "x-y@a-b.c-d.ef"];
        var agreed = 0;
        foreach (var value in Mangler.Mangled(seeds, pieces, 18, 100_000))
        {
            Assert.AreEqual(Reference(value), ContactRules.IsPlausibleEmail(value), value);
            agreed++;
        }

        Assert.AreEqual(100_000, agreed);
    }
}
