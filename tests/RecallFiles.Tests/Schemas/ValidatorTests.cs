using FluentValidation.TestHelper;
using RecallFiles.Schemas;
using RecallFiles.Schemas.Validation;

namespace RecallFiles.Tests.Schemas;

[TestClass]
public sealed class ValidatorTests
{
    private static readonly AppointmentRecord Valid = new()
    {
        AppLid = "A1",
        AppDate = "24/11/2026",
        AppStartTime = "09:30",
        UserMobilePhone = "+34 600 123 456",
        UserEmail = "p1@example.org",
        ResourceLid = "DDS1",
        ResourceName = "Dr. Molina",
    };

    private static void AssertOnly(AppointmentRecord record, string column, string code, FluentValidation.Severity severity = FluentValidation.Severity.Error)
    {
        var result = AppointmentRecordValidator.Instance.TestValidate(record);
        var failure = result.Errors.Single();
        Assert.AreEqual(column, failure.PropertyName);
        Assert.AreEqual(code, failure.ErrorCode);
        Assert.AreEqual(severity, failure.Severity);
    }

    [TestMethod]
    public void Validate_Passes_ForAValidRecord() =>
        Assert.IsTrue(AppointmentRecordValidator.Instance.Validate(Valid).IsValid);

    [TestMethod]
    [DataRow("AppLid", "APP_LID")]
    [DataRow("AppDate", "APP_DATE")]
    [DataRow("ResourceLid", "RESOURCE_LID")]
    [DataRow("ResourceName", "RESOURCE_NAME")]
    public void Validate_FailsRequired_WhenANotNullColumnIsEmpty(string property, string column)
    {
        var record = property switch
        {
            "AppLid" => Valid with { AppLid = "" },
            "AppDate" => Valid with { AppDate = "" },
            "ResourceLid" => Valid with { ResourceLid = "" },
            _ => Valid with { ResourceName = "" },
        };

        AssertOnly(record, column, ProblemCodes.Required);
    }

    [TestMethod]
    public void Validate_FailsMaxLength_At51Characters_AndPassesAt50()
    {
        Assert.IsTrue(AppointmentRecordValidator.Instance.Validate(Valid with { AppLid = new string('x', 50), LocationName = new string('y', 50) }).IsValid);
        AssertOnly(Valid with { AppLid = new string('x', 51) }, "APP_LID", ProblemCodes.MaxLength);
        AssertOnly(Valid with { LocationName = new string('y', 51) }, "LOCATION_NAME", ProblemCodes.MaxLength);
        AssertOnly(Valid with { UserEmail = new string('e', 39) + "@example.org" }, "USER_EMAIL", ProblemCodes.MaxLength);
    }

    [TestMethod]
    [DataRow("31/02/2026")]
    [DataRow("29/02/2027")]
    [DataRow("2026-11-24")]
    [DataRow("24/11/26")]
    [DataRow("4/11/2026")]
    [DataRow("24-11-2026")]
    [DataRow("00/11/2026")]
    public void Validate_FailsDate_ForUnrealOrWronglyFormattedDates(string date) =>
        AssertOnly(Valid with { AppDate = date }, "APP_DATE", ProblemCodes.Date);

    [TestMethod]
    [DataRow("29/02/2028")]
    [DataRow("01/01/2027")]
    [DataRow("31/12/2026")]
    public void Validate_PassesDate_ForRealDates(string date) =>
        Assert.IsTrue(AppointmentRecordValidator.Instance.Validate(Valid with { AppDate = date }).IsValid);

    [TestMethod]
    [DataRow("24:00")]
    [DataRow("9:30")]
    [DataRow("09:60")]
    [DataRow("0930")]
    [DataRow("09:30:00")]
    [DataRow("9:5")]
    public void Validate_FailsTime_OutsideHhMm(string time) =>
        AssertOnly(Valid with { AppStartTime = time }, "APP_START_TIME", ProblemCodes.Time);

    [TestMethod]
    [DataRow("00:00")]
    [DataRow("23:59")]
    public void Validate_PassesTime_AtTheEdgesOfTheDay(string time) =>
        Assert.IsTrue(AppointmentRecordValidator.Instance.Validate(Valid with { AppStartTime = time, AppEndTime = null }).IsValid);

    [TestMethod]
    [DataRow("plainaddress")]
    [DataRow("a@b")]
    [DataRow("a b@example.org")]
    [DataRow("a@@example.org")]
    [DataRow(".a@example.org")]
    [DataRow("a..b@example.org")]
    [DataRow("a@example.")]
    [DataRow("a@-例え.jp")]
    [DataRow("a@例え")]
    public void Validate_FailsEmail_ForBadSyntax(string email) =>
        AssertOnly(Valid with { UserEmail = email }, "USER_EMAIL", ProblemCodes.Email);

    [TestMethod]
    [DataRow("a@example.org")]
    [DataRow("first.last+tag@mail.example.co.uk")]
    [DataRow("a@例え.jp")]
    [DataRow("info@münchen.de")]
    public void Validate_PassesEmail_ForPlausibleAddresses(string email) =>
        Assert.IsTrue(AppointmentRecordValidator.Instance.Validate(Valid with { UserEmail = email }).IsValid);

    [TestMethod]
    [DataRow("12345")]
    [DataRow("1234567890123456")]
    [DataRow("555-CALL-NOW")]
    [DataRow("555.123.4567 ext 2")]
    [DataRow("600+123456")]
    [DataRow("#600123456")]
    public void Validate_FailsPhone_ForImplausibleNumbers(string phone) =>
        AssertOnly(Valid with { UserMobilePhone = phone }, "USER_MOBILE_PHONE", ProblemCodes.Phone);

    [TestMethod]
    [DataRow("123456")]
    [DataRow("123456789012345")]
    [DataRow("+34 600 12 34 56")]
    [DataRow("(555) 123-4567")]
    [DataRow("555.123.4567")]
    [DataRow("91/555 12 34")]
    public void Validate_PassesPhone_WithFormatting(string phone) =>
        Assert.IsTrue(AppointmentRecordValidator.Instance.Validate(Valid with { UserMobilePhone = phone, UserLandlinePhone = phone }).IsValid);

    [TestMethod]
    public void Validate_MasksThePhoneAndEmail_InMessages()
    {
        var result = AppointmentRecordValidator.Instance.Validate(Valid with { UserMobilePhone = "600 123 45x7", UserEmail = "jane.roe@example" });
        var text = string.Join(" | ", result.Errors.Select(e => e.ErrorMessage));

        Assert.IsFalse(text.Contains("600 123", StringComparison.Ordinal), text);
        Assert.IsFalse(text.Contains("jane.roe", StringComparison.Ordinal), text);
        StringAssert.Contains(text, "***3457");
        StringAssert.Contains(text, "j***@example");
    }

    [TestMethod]
    public void Validate_WarnsUnreachable_WhenNoContactChannel()
    {
        AssertOnly(Valid with { UserMobilePhone = null, UserEmail = null }, "", ProblemCodes.Unreachable, FluentValidation.Severity.Warning);
        Assert.IsTrue(AppointmentRecordValidator.Instance.Validate(Valid with { UserMobilePhone = null, UserEmail = null, UserWorkPhone = "912345678" }).IsValid);
    }

    [TestMethod]
    public void Validate_ChecksExtensionColumns()
    {
        AssertOnly(Valid with { CommunicationPreferences = "12" }, "COMMUNICATION_PREFERENCES", ProblemCodes.CommunicationPreferences);
        AssertOnly(Valid with { CommunicationPreferences = "1011" }, "COMMUNICATION_PREFERENCES", ProblemCodes.CommunicationPreferences);
        AssertOnly(Valid with { Privacy = "yes" }, "PRIVACY", ProblemCodes.PrivacyFlag);
        AssertOnly(Valid with { UserLanguage = "english please" }, "USER_LANGUAGE", ProblemCodes.Language);
        AssertOnly(Valid with { Status = "MAYBE" }, "STATUS", ProblemCodes.StatusValue);
        AssertOnly(Valid with { AppEndTime = "25:00" }, "APP_END_TIME", ProblemCodes.Time);
        AssertOnly(Valid with { AppEndTime = "09:00" }, "APP_END_TIME", ProblemCodes.EndBeforeStart, FluentValidation.Severity.Warning);
        AssertOnly(Valid with { UserWorkPhone = "12" }, "USER_WORK_PHONE", ProblemCodes.Phone);
        Assert.IsTrue(AppointmentRecordValidator.Instance.Validate(Valid with
        {
            CommunicationPreferences = "101", Privacy = "Y", UserLanguage = "pt-BR", Status = "cancelled by user", AppEndTime = "10:15",
        }).IsValid);
    }

    [TestMethod]
    [DataRow("PENDING", AppointmentStatus.Pending)]
    [DataRow("APPROVED", AppointmentStatus.Approved)]
    [DataRow("CANCELLED by USER", AppointmentStatus.CancelledByUser)]
    [DataRow("CANCELLED by ADMIN", AppointmentStatus.CancelledByAdmin)]
    [DataRow("  cancelled   BY\tuser ", AppointmentStatus.CancelledByUser)]
    [DataRow("approved", AppointmentStatus.Approved)]
    public void StatusValidator_AcceptsEverySpelling_CaseAndSpaceInsensitive(string value, AppointmentStatus expected)
    {
        var record = new StatusRecord { AppLid = "A1", ResourceLid = "DDS1", Status = value };

        Assert.IsTrue(StatusRecordValidator.Instance.Validate(record).IsValid);
        Assert.AreEqual(expected, record.ParsedStatus);
    }

    [TestMethod]
    [DataRow("CANCELLED")]
    [DataRow("CANCELED by USER")]
    [DataRow("CANCELLED_by_USER")]
    [DataRow("CONFIRMED")]
    public void StatusValidator_RejectsOtherValues_ListingTheAllowedOnes(string value)
    {
        var failure = StatusRecordValidator.Instance.Validate(new StatusRecord { AppLid = "A1", ResourceLid = "DDS1", Status = value }).Errors.Single();

        Assert.AreEqual("STATUS", failure.PropertyName);
        Assert.AreEqual(ProblemCodes.StatusValue, failure.ErrorCode);
        StringAssert.Contains(failure.ErrorMessage, "CANCELLED by ADMIN");
    }

    [TestMethod]
    public void StatusValidator_RequiresStatusAppLidAndResource()
    {
        var errors = StatusRecordValidator.Instance.Validate(new StatusRecord()).Errors;

        CollectionAssert.AreEquivalent(new[] { "APP_LID", "RESOURCE_LID", "STATUS" }, errors.Select(e => e.PropertyName).ToArray());
        Assert.IsTrue(errors.All(e => e.ErrorCode == ProblemCodes.Required));
    }

    [TestMethod]
    [DataRow("OK", true)]
    [DataRow("not found", true)]
    [DataRow("NOT_FOUND", true)]
    [DataRow("conflict", true)]
    [DataRow("ERROR", true)]
    [DataRow("DONE", false)]
    [DataRow("", false)]
    public void StatusResultValidator_AcceptsOnlyTheFourResults(string value, bool valid) =>
        Assert.AreEqual(valid, StatusResultRecordValidator.Instance.Validate(new StatusResultRecord { AppLid = "A1", Result = value }).IsValid);

    [TestMethod]
    public void Reader_WritesStatusesInTheirExactSpelling_AfterReadingThemLeniently()
    {
        var text = "app_lid;user_landline_phone;user_mobile_phone;user_email;resource_lid;status\n" +
                   "A1;;600123456;;DDS1;cancelled  by user\nA2;;;;DDS1;approved\nA3;;;;DDS1;Cancelled by admin\nA4;;;;DDS1;pending\n";
        using var reader = ContractReader.OpenStatus(Csv.Utf8(text), "s.csv");

        CollectionAssert.AreEqual(new[] { "CANCELLED by USER", "APPROVED", "CANCELLED by ADMIN", "PENDING" },
            reader.ReadRows().Select(r => r.Record.Status).ToArray());
    }
}
