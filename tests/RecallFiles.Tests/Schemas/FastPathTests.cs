using RecallFiles.Schemas;
using RecallFiles.Schemas.Validation;
using RecallFiles.Tests.SampleData;

namespace RecallFiles.Tests.Schemas;

/// <summary>The fast path may only say "clean" when the FluentValidation rules find nothing at all.</summary>
[TestClass]
public sealed class FastPathTests
{
    // Values that pass and values that break each rule, including the edges (50/51 characters, 00:00/24:00).
    private static readonly string?[] Ids = ["", "A1", "  ", new string('x', 50), new string('x', 51)];
    private static readonly string?[] Dates = ["31/02/2026", "24/11/2026", "2026-11-24", "", "29/02/2028", "4/11/2026"];
    private static readonly string?[] Times = [null, "09:30", "00:00", "23:59", "24:00", "9:30", "09:60", "0930"];
    private static readonly string?[] EndTimes = [null, "10:00", "09:30", "09:00", "00:00", "24:00", "9:5"];
    private static readonly string?[] Phones = [null, "+34 600 123 456", "(91) 555-1234", "12345", "1234567890123456", "555 CALL", "600+123456", "+", new string('1', 51)];
    private static readonly string?[] Emails = [null, "a@example.org", "bad", "a@b", ".a@example.org", "a..b@example.org", new string('e', 39) + "@example.org"];
    private static readonly string?[] Texts = [null, "Main", new string('y', 50), new string('y', 51)];
    private static readonly string?[] Languages = [null, "en", "spa", "pt-BR", "pt_BR", "e", "english", "en-", "en-123456", "én"];
    private static readonly string?[] Preferences = [null, "101", "000", "12", "1011", "abc"];
    private static readonly string?[] Privacies = [null, "1", "0", "Y", "n", "yes", "2"];
    private static readonly string?[] Statuses = [null, "APPROVED", "cancelled  by user", "CANCELED", "MAYBE"];

    private static string? Pick(Random random, string?[] values) => values[random.Next(values.Length)];

    [TestMethod]
    public void IsCertainlyClean_NeverClaimsClean_WhenTheValidatorReportsAnything()
    {
        var random = new Random(7);
        int clean = 0, checkedRecords = 0;
        for (var i = 0; i < 200_000; i++)
        {
            // Half the records are mostly valid (the second value of every list is a valid one), so both answers are
            // exercised often; any field may still take any value, valid or not.
            var chaos = random.Next(2) == 0 ? 0.03 : 0.4;
            string? Field(string?[] values) => random.NextDouble() < chaos ? Pick(random, values) : values[Math.Min(1, values.Length - 1)];
            var record = new AppointmentRecord
            {
                AppLid = Field(Ids)!, AppDate = Field(Dates)!, AppStartTime = Field(Times), UserLandlinePhone = Field(Phones), UserMobilePhone = Field(Phones),
                UserEmail = Field(Emails), ResourceLid = Field(Ids)!, ResourceName = Field(Ids)!, ResourceMobilePhone = Field(Phones), ResourceEmail = Field(Emails),
                LocationLid = Field(Texts), LocationName = Field(Texts), AppEndTime = Field(EndTimes), UserWorkPhone = Field(Phones), UserLanguage = Field(Languages),
                CommunicationPreferences = Field(Preferences), Privacy = Field(Privacies), Status = Field(Statuses),
            };
            var fast = FastPath.IsCertainlyClean(record);
            var result = AppointmentRecordValidator.Instance.Validate(record);
            checkedRecords++;
            if (fast)
            {
                clean++;
                Assert.IsEmpty(result.Errors, $"the fast path called a record clean that the validator rejects: {record} → {string.Join("; ", result.Errors)}");
            }
        }

        Assert.IsGreaterThan(checkedRecords / 20, clean, "the generator must produce clean records too, or the test proves nothing");
        Assert.IsLessThan(checkedRecords, clean, "and records with problems");
    }

    [TestMethod]
    public void IsCertainlyClean_AcceptsEveryCleanRowOfTheSampleFile()
    {
        var path = Path.Combine(RepoPaths.SampleData, "appointments", "APPOINTMENTS_DEMO-01_20261123T080000Z.csv");
        using var reader = ContractReader.OpenAppointments(File.OpenRead(path), Path.GetFileName(path));
        var rows = reader.ReadRows().ToList();

        foreach (var row in rows)
        {
            Assert.AreEqual(row.Problems.Count == 0, FastPath.IsCertainlyClean(row.Record), $"line {row.Line}: {string.Join("; ", row.Problems)}");
        }
    }
}
