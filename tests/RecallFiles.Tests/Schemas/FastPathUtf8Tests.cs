using System.Globalization;
using System.Text;
using RecallFiles.Schemas;
using RecallFiles.Schemas.Validation;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Schemas;

/// <summary>
/// FastPathUtf8 is FastPath on a row's UTF-8 values (issue 18: a clean row builds no string). It may say "not clean" more
/// often than the string check (then the string path decides), never "clean" where the string check does not; and the
/// validator's report through it must be the one-thread read's.
/// </summary>
[TestClass]
public sealed class FastPathUtf8Tests
{
    private const int Columns = 18;   // Schemas.Appointments.AllColumns

    // Per column: valid values first, then values that break a rule, with non-ASCII, white space and control characters.
    private static readonly string[][] Values =
    [
        ["A1", "Ñ-17", "x", "", "  ", new string('x', 50), new string('x', 51), new string('é', 50), new string('é', 26), "A\t1", "A\u00011", "A\0", "A\u007F", "例え"],
        ["24/11/2026", "29/02/2028", "31/02/2026", "2026-11-24", "", "4/11/2026", "24/11/202６", "24-11-2026", "00/11/2026", "24/13/2026"],
        ["09:30", "", "00:00", "23:59", "24:00", "9:30", "09:60", "0930", "09:3", "０9:30"],
        ["", "+34 600 123 456", "(91) 555-1234", "12345", "1234567890123456", "555 CALL", "600+123456", "+", "٦٠٠١٢٣٤٥٦", new string('1', 51)],
        ["+34 600 123 456", "", "600 12 09 63", "12345", "+", "+34 600 123 456 ext 1"],
        ["p1@example.org", "", "bad", "a@b", ".a@example.org", "a..b@example.org", "josé@example.org", "a@例え.jp", new string('e', 39) + "@example.org", "a@b.c\n"],
        ["DDS1", "", "D\tS", "Ø1"],
        ["Dr. Molina", "Dra. Ibáñez", "", "Dr.\tMolina", new string('n', 51), "Dr. \u001b[31m"],
        ["", "+34 600 000 101", "abc"],
        ["", "molina@example.com", "molina@", "müller@example.de"],
        ["CEN", "", "C\tN", new string('l', 51), "C\0N"],
        ["Clínica Dental Centro", "", "Main\tclinic", "Main\u0007", new string('ó', 51), "\0"],
        ["", "10:00", "09:30", "09:00", "00:00", "24:00", "9:5", "10:0"],
        ["", "91 555 6838", "x"],
        ["", "es", "spa", "pt-BR", "pt_BR", "e", "english", "en-", "en-123456", "én", "es-ÉS"],
        ["", "101", "000", "12", "1011", "abc", "1O1"],
        ["", "1", "0", "Y", "n", "yes", "2", "Ｙ"],
        ["", "APPROVED", "PENDING", "COMPLETED", "completed", "cancelled  by user", "CANCELLED by USER", "CANCELED", "MAYBE", "APPROVED\u00A0"],
    ];

    // Padding around a raw value: ASCII and non-ASCII white space, and characters that are not white space.
    private static readonly string[] Pads = ["", "", "", " ", "  ", "\t", "\u00A0", "\u2003", "\u0085", "\u3000", "\u200B", "\uFEFF", "\r"];

    private static string? Trimmed(string raw) => raw.Trim() is { Length: > 0 } t ? t : null;

    // The span check on the raw values, as the reader runs it: trim each, then check; false when a trimming is for the string.
    private static bool SpanClean(string[] raw)
    {
        var bytes = new List<byte>();
        var bounds = new int[2 * Columns];
        for (var c = 0; c < Columns; c++)
        {
            if (!FastPathUtf8.TryTrim(Encoding.UTF8.GetBytes(raw[c]), out var value))
            {
                return false;
            }

            (bounds[2 * c], bounds[(2 * c) + 1]) = (bytes.Count, value.Length);
            bytes.AddRange(value.ToArray());
        }

        return FastPathUtf8.IsCertainlyClean(new Utf8Values(bytes.ToArray(), bounds));
    }

    private static bool StringClean(string[] raw) => FastPath.IsCertainlyClean(RecallFiles.Schemas.Internal.Schemas.Appointments.Create([.. raw.Select(Trimmed)]));

    private static string TrimAsciiWhiteSpace(string value) => value.Trim(' ', '\t', '\n', '\v', '\f', '\r');

    // Where the span check may leave the decision to the string one (see FastPathUtf8's summary).
    private static bool LeftToTheString(string[] raw)
    {
        var values = raw.Select(v => Trimmed(v) ?? "").ToArray();
        static bool Exact(string v, int length, char separator, params int[] at) =>
            v.Length == length && v.Select((ch, i) => at.Contains(i) ? ch == separator : char.IsAsciiDigit(ch)).All(ok => ok);
        static bool NonAsciiWhiteSpaceAtAnEnd(string v) => TrimAsciiWhiteSpace(v) is { Length: > 0 } inner && (char.IsWhiteSpace(inner[0]) || char.IsWhiteSpace(inner[^1]));
        static bool ForTheStringEmail(string v) => !Ascii.IsValid(v) || v.Contains('\n');
        return raw.Any(NonAsciiWhiteSpaceAtAnEnd)
            || ForTheStringEmail(values[5]) || ForTheStringEmail(values[9])
            || !Exact(values[1], 10, '/', 2, 5) || (values[2].Length > 0 && !Exact(values[2], 5, ':', 2)) || (values[12].Length > 0 && !Exact(values[12], 5, ':', 2))
            || (values[17].Length > 0 && !AppointmentStatuses.WireNames.Append(AppointmentStatuses.Completed).Contains(values[17]));
    }

    [TestMethod]
    public void IsCertainlyClean_NeverClaimsClean_WhenTheStringCheckDoesNot()
    {
        var random = new Random(19);
        int spanClean = 0, stringClean = 0, leftToString = 0;
        for (var i = 0; i < 300_000; i++)
        {
            // Half the rows mostly valid (the first value of every column is valid), so that both answers come often.
            var chaos = random.Next(2) == 0 ? 0.03 : 0.4;
            var raw = new string[Columns];
            for (var c = 0; c < Columns; c++)
            {
                var value = random.NextDouble() < chaos ? Values[c][random.Next(Values[c].Length)] : Values[c][0];
                raw[c] = random.NextDouble() < chaos ? Pads[random.Next(Pads.Length)] + value + Pads[random.Next(Pads.Length)] : value;
            }

            var fast = SpanClean(raw);
            var reference = StringClean(raw);
            var row = string.Join("|", raw);
            if (fast)
            {
                spanClean++;
                Assert.IsTrue(reference, $"the UTF-8 check called a row clean that the string check does not: {row}");
            }
            else if (reference)
            {
                leftToString++;
                Assert.IsTrue(LeftToTheString(raw), $"the UTF-8 check left a row to the string check without a reason: {row}");
            }

            stringClean += reference ? 1 : 0;
        }

        Assert.IsGreaterThan(30_000, spanClean, "the generator must produce clean rows, or the test proves nothing");
        Assert.IsGreaterThan(30_000, 300_000 - stringClean, "and rows with problems");
        Assert.IsGreaterThan(100, leftToString, "and rows that only the string check calls clean");
    }

    [TestMethod]
    public void Date_AgreesWithTryParseDate_ForEveryDayMonthAndYearShape()
    {
        foreach (var year in new[] { 0, 1, 99, 1900, 2000, 2024, 2026, 2028, 2100, 9999 })
        {
            for (var month = 0; month <= 99; month++)
            {
                for (var day = 0; day <= 99; day++)
                {
                    var value = string.Create(CultureInfo.InvariantCulture, $"{day:00}/{month:00}/{year:0000}");
                    Assert.AreEqual(ContractFormats.TryParseDate(value, out _), FastPathUtf8.Date(Encoding.UTF8.GetBytes(value)), value);
                }
            }
        }
    }

    [TestMethod]
    public void Time_AgreesWithTryParseTime_ForEveryHourAndMinuteShape()
    {
        for (var hour = 0; hour <= 99; hour++)
        {
            for (var minute = 0; minute <= 99; minute++)
            {
                var value = string.Create(CultureInfo.InvariantCulture, $"{hour:00}:{minute:00}");
                Assert.AreEqual(ContractFormats.TryParseTime(value, out _), FastPathUtf8.Time(Encoding.UTF8.GetBytes(value)), value);
            }
        }
    }

    // Values changed at 1-3 random places, from seeds, with pieces that break each rule.
    private static IEnumerable<string> Mangled(string[] seeds, string[] pieces, int seed, int count) => Mangler.Mangled(seeds, pieces, seed, count);

    [TestMethod]
    public void Email_AgreesWithIsPlausibleEmail_OnMangledAddresses()
    {
        string[] pieces = ["a", "Z", "0", "9", ".", "..", "@", "-", "_", "+", " ", "\n", "\t", "é", "例", "\0", "!", "`", "[", "x1", "co", "-a", new string('x', 30)];
        string[] seeds = ["p1@example.org", "first.last@mail.example.co.uk", "a@b.cd", "x-y@a-b.c-d.ef", "coral_4851@example.org"];
        int agreed = 0, plausible = 0;
        foreach (var value in Mangled(seeds, pieces, 18, 100_000))
        {
            var expected = value.Length <= 50 && ContactRules.IsPlausibleEmail(value);
            var actual = FastPathUtf8.Email(Encoding.UTF8.GetBytes(value));
            // Non-ASCII and line breaks are for the string check (false here); everything else must agree.
            Assert.AreEqual(Ascii.IsValid(value) && !value.Contains('\n') && expected, actual, value);
            agreed++;
            plausible += actual ? 1 : 0;
        }

        Assert.AreEqual(100_000, agreed);
        Assert.IsGreaterThan(1_000, plausible);
    }

    [TestMethod]
    public void Phone_AgreesWithIsPlausiblePhone_OnMangledNumbers()
    {
        string[] pieces = ["1", "+", " ", "-", ".", "(", ")", "/", "#", "x", "٦", "\0", "\t", "00", new string('1', 40)];
        string[] seeds = ["+34 600 123 456", "(91) 555-1234", "600.128.289", "0034 600 111 747", "123456"];
        var plausible = 0;
        foreach (var value in Mangled(seeds, pieces, 17, 100_000))
        {
            var trimmed = value.Trim();
            var expected = trimmed.Length == 0 || (trimmed.Length <= 50 && ContactRules.IsPlausiblePhone(trimmed));
            Assert.AreEqual(expected, FastPathUtf8.Phone(Encoding.UTF8.GetBytes(trimmed)), value);
            plausible += expected ? 1 : 0;
        }

        Assert.IsGreaterThan(1_000, plausible);
    }

    [TestMethod]
    public void TryTrim_TrimsAsStringTrim_OrLeavesTheValueToTheString()
    {
        var pieces = Pads.Concat(["a", "é", "例", "😀", "\0", "\u0001", "\v", "\f", "\n"]).ToArray();
        string[] seeds = ["a", " a ", "é", "\u00A0a\u00A0", "Dra. Ibáñez", "\t"];
        int trimmed = 0, left = 0;
        foreach (var value in Mangled(seeds, pieces, 16, 100_000))
        {
            if (FastPathUtf8.TryTrim(Encoding.UTF8.GetBytes(value), out var span))
            {
                Assert.AreEqual(value.Trim(), Encoding.UTF8.GetString(span), value);
                trimmed++;
            }
            else
            {
                // Only a non-ASCII white space left at an end after the ASCII white space is trimmed.
                var inner = TrimAsciiWhiteSpace(value);
                Assert.IsTrue(char.IsWhiteSpace(inner[0]) || char.IsWhiteSpace(inner[^1]), value);
                left++;
            }
        }

        Assert.IsGreaterThan(10_000, trimmed);
        Assert.IsGreaterThan(1_000, left);
    }

    [TestMethod]
    public void KeyHash_IsTheHashOfTheKeyString()
    {
        foreach (var key in new[] { "A1", "1000000", "Ñ-17", "例え", "😀x", new string('é', 50), "a\u00A0b" })
        {
            Assert.AreEqual(RecordChecker.Fnv1a64(key), FastPathUtf8.KeyHash(Encoding.UTF8.GetBytes(key)), key);
        }
    }

    [TestMethod]
    public void Validate_ReportsWhatTheOneThreadReadFinds_OnMangledValues()
    {
        // Every column, values valid and not, padded, sometimes quoted (with doubled quotes), keys repeated (non-ASCII ones
        // too), a field too many or too few, blank lines: the report through the UTF-8 check must be the string path's.
        var random = new Random(20);
        var header = string.Join(",", RecallFiles.Schemas.Columns.AppointmentRequired.Concat(RecallFiles.Schemas.Columns.AppointmentExtensions));
        var text = new StringBuilder(header + "\r\n");
        var spanClean = 0;
        for (var i = 1; i <= 6000; i++)
        {
            var chaos = random.Next(2) == 0 ? 0.02 : 0.3;
            var raw = new string[Columns];
            for (var c = 0; c < Columns; c++)
            {
                var value = random.NextDouble() < chaos ? Values[c][random.Next(Values[c].Length)] : Values[c][0];
                raw[c] = random.NextDouble() < chaos ? Pads[random.Next(Pads.Length)] + value + Pads[random.Next(Pads.Length)] : value;
            }

            raw[0] = random.Next(10) switch
            {
                0 => raw[0],
                1 => $"Ñ{random.Next(50)}",
                _ => $"K{i}",
            };
            spanClean += SpanClean(raw) ? 1 : 0;
            var fields = raw.Select(v => v.Contains(',') || v.Contains('"') || v.Contains('\r') || v.Contains('\n') || random.Next(20) == 0
                ? "\"" + v.Replace("\"", "\"\"") + "\""
                : v).ToList();
            switch (random.Next(100))
            {
                case 0: fields.Add("extra"); break;
                case 1: fields.RemoveAt(fields.Count - 1); break;
                case 2: text.Append("   \r\n"); break;
            }

            text.Append(string.Join(",", fields)).Append("\r\n");
        }

        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        var problems = new List<ContractProblem>();
        long rows = 0;
        using (var reader = ContractReader.Open(new MemoryStream(bytes), "APPOINTMENTS_T-1_20261202T080000Z.csv"))
        {
            foreach (var row in reader.ReadUntypedRows())
            {
                rows++;
                problems.AddRange(row.Problems);
            }
        }

        var report = FileValidator.Validate(new MemoryStream(bytes), "APPOINTMENTS_T-1_20261202T080000Z.csv");

        Assert.AreEqual(6000L, rows);
        Assert.AreEqual(rows, report.Rows);
        CollectionAssert.AreEqual(problems.Where(p => p.Severity == ProblemSeverity.Error).ToList(), report.Errors.ToList());
        CollectionAssert.AreEqual(problems.Where(p => p.Severity == ProblemSeverity.Warning).ToList(), report.Warnings.ToList());
        Assert.IsGreaterThan(1_500, spanClean, "many rows must take the UTF-8 path, or the test proves little");
        Assert.IsGreaterThan(1_000, report.ErrorCount, "and many must have problems");
        Assert.IsTrue(report.Errors.Any(e => e.Code == ProblemCodes.DuplicateKey && e.Message.Contains('Ñ')), "a repeated non-ASCII key is reported with its text");
    }
}
