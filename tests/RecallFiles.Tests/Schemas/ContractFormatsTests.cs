using System.Globalization;
using RecallFiles.Schemas;

namespace RecallFiles.Tests.Schemas;

/// <summary>
/// ContractFormats decides values of the exact shape itself (issue 18: speed); the BCL's exact parsers stay the
/// definition, so both must give the same answer for every value.
/// </summary>
[TestClass]
public sealed class ContractFormatsTests
{
    private static bool BclDate(string? value, out DateOnly date) =>
        DateOnly.TryParseExact(value, ContractFormats.DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    private static bool BclTime(string? value, out TimeOnly time) =>
        TimeOnly.TryParseExact(value, ContractFormats.TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out time);

    [TestMethod]
    public void TryParseDate_AgreesWithTheBclParser_ForEveryDayMonthAndYearShape()
    {
        var checkedValues = 0;
        foreach (var year in new[] { 0, 1, 99, 1900, 2000, 2024, 2026, 2028, 2100, 9999 })
        {
            for (var month = 0; month <= 13; month++)
            {
                for (var day = 0; day <= 33; day++)
                {
                    var value = string.Create(CultureInfo.InvariantCulture, $"{day:00}/{month:00}/{year:0000}");
                    Assert.AreEqual(BclDate(value, out var expected), ContractFormats.TryParseDate(value, out var actual), value);
                    Assert.AreEqual(expected, actual, value);
                    checkedValues++;
                }
            }
        }

        Assert.AreEqual(10 * 14 * 34, checkedValues);
        Assert.IsTrue(ContractFormats.TryParseDate("29/02/2028", out var leap));
        Assert.AreEqual(new DateOnly(2028, 2, 29), leap);
        Assert.IsFalse(ContractFormats.TryParseDate("29/02/2026", out _));
    }

    [TestMethod]
    public void TryParseTime_AgreesWithTheBclParser_ForEveryHourAndMinuteShape()
    {
        for (var hour = 0; hour <= 99; hour++)
        {
            for (var minute = 0; minute <= 99; minute++)
            {
                var value = string.Create(CultureInfo.InvariantCulture, $"{hour:00}:{minute:00}");
                Assert.AreEqual(BclTime(value, out var expected), ContractFormats.TryParseTime(value, out var actual), value);
                Assert.AreEqual(expected, actual, value);
            }
        }

        Assert.IsTrue(ContractFormats.TryParseTime("23:59", out _));
        Assert.IsFalse(ContractFormats.TryParseTime("24:00", out _));
    }

    [TestMethod]
    public void TryParseDateAndTime_AgreeWithTheBclParsers_OnMangledValues()
    {
        // Near misses of the shape: other digits (Arabic-Indic, full-width), separators, spaces, NUL, signs, lengths.
        string[] pieces = ["0", "1", "2", "9", "/", ":", "-", ".", " ", "\0", "\u0663", "\uFF11", "+", "a", "\t", "\n"];
        var random = new Random(18);
        string?[] fixedCases = [null, "", " 24/11/2026", "24/11/2026 ", "24/11/2026\0", "09:30\0", " 09:30", "09:30 ", "9:30", "24/11/26", "2026-11-24"];
        var values = fixedCases.Concat(Enumerable.Range(0, 200_000).Select(_ =>
        {
            var template = random.Next(2) == 0 ? "24/11/2026" : "09:30";
            var chars = template.ToCharArray().Select(c => c.ToString()).ToList();
            for (var edits = random.Next(1, 3); edits > 0; edits--)
            {
                var at = random.Next(chars.Count);
                switch (random.Next(3))
                {
                    case 0: chars[at] = pieces[random.Next(pieces.Length)]; break;
                    case 1: chars.Insert(at, pieces[random.Next(pieces.Length)]); break;
                    default: chars.RemoveAt(at); break;
                }
            }

            return string.Concat(chars);
        }));

        foreach (var value in values)
        {
            Assert.AreEqual(BclDate(value, out var expectedDate), ContractFormats.TryParseDate(value, out var date), value);
            Assert.AreEqual(expectedDate, date, value);
            Assert.AreEqual(BclTime(value, out var expectedTime), ContractFormats.TryParseTime(value, out var time), value);
            Assert.AreEqual(expectedTime, time, value);
        }
    }
}
