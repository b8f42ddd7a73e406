using System.Text;
using RecallFiles.Schemas;

namespace RecallFiles.Tests.Schemas;

[TestClass]
public sealed class ContractWriterTests
{
    private static string Write(Action<Stream> write)
    {
        using var buffer = new MemoryStream();
        write(buffer);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    [TestMethod]
    public void ForAppointments_WritesTheStrictDialect()
    {
        var text = Write(s =>
        {
            using var w = ContractWriter.ForAppointments(s);
            w.Write(new AppointmentRecord
            {
                AppLid = "A1", AppDate = "24/11/2026", AppStartTime = "09:30", UserMobilePhone = "600123456",
                ResourceLid = "DDS1", ResourceName = "Dr. \"Pepe\", Molina", LocationName = "Main\nclinic",
            });
        });

        Assert.AreEqual(
            Csv.AppointmentHeader + "\r\n" +
            "A1,24/11/2026,09:30,,600123456,,DDS1,\"Dr. \"\"Pepe\"\", Molina\",,,,\"Main\nclinic\"\r\n", text);
    }

    [TestMethod]
    public void ForAppointments_WritesExtensionColumnsInContractOrder()
    {
        var text = Write(s =>
        {
            using var w = ContractWriter.ForAppointments(s, ["status", "APP_END_TIME"]);
            CollectionAssert.AreEqual(Columns.AppointmentRequired.Concat(["APP_END_TIME", "STATUS"]).ToArray(), w.Columns.ToArray());
        });

        Assert.IsTrue(text.StartsWith(Csv.AppointmentHeader + ",APP_END_TIME,STATUS\r\n", StringComparison.Ordinal));
    }

    [TestMethod]
    public void ForAppointments_Refuses_AnUnknownOrPatientIdentifyingColumn()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ContractWriter.ForAppointments(new MemoryStream(), ["USER_FIRST_NAME"]));

        StringAssert.Contains(ex.Message, "USER_FIRST_NAME");
    }

    [TestMethod]
    public void ForStatus_AndForStatusResults_WriteTheirHeaders()
    {
        var status = Write(s =>
        {
            using var w = ContractWriter.ForStatus(s);
            w.Write(new StatusRecord { AppLid = "A1", ResourceLid = "DDS1", Status = AppointmentStatus.CancelledByUser.ToWire() });
        });
        var results = Write(s =>
        {
            using var w = ContractWriter.ForStatusResults(s);
            w.Write(new StatusResultRecord { AppLid = "A1", Result = StatusResultCode.NotFound.ToWire(), Message = "no appointment A1" });
        });

        Assert.AreEqual("APP_LID,USER_LANDLINE_PHONE,USER_MOBILE_PHONE,USER_EMAIL,RESOURCE_LID,STATUS\r\nA1,,,,DDS1,CANCELLED by USER\r\n", status);
        Assert.AreEqual("APP_LID,RESULT,MESSAGE\r\nA1,NOT_FOUND,no appointment A1\r\n", results);
    }
}

[TestClass]
public sealed class StatusScheduleColumnsTests
{
    [TestMethod]
    public void ForStatus_WithSchedule_WritesAndReadsBackTheDateAndTimeTheCloudKnew()
    {
        using var buffer = new MemoryStream();
        using (var writer = ContractWriter.ForStatus(buffer, leaveOpen: true, withSchedule: true))
        {
            writer.Write(new StatusRecord { AppLid = "A1", ResourceLid = "DDS1", Status = "APPROVED", AppDate = "24/11/2026", AppStartTime = "09:30" });
        }

        buffer.Position = 0;
        using var reader = ContractReader.OpenStatus(buffer, "s.csv");
        var row = reader.ReadRows().Single();

        CollectionAssert.AreEqual(Columns.StatusColumns.Concat(Columns.StatusExtensions).ToArray(), reader.Columns.ToArray());
        Assert.AreEqual("24/11/2026", row.Record.AppDate);
        Assert.AreEqual("09:30", row.Record.AppStartTime);
    }

    [TestMethod]
    public void StatusValidator_ChecksTheOptionalScheduleColumns()
    {
        var errors = RecallFiles.Schemas.Validation.StatusRecordValidator.Instance.Validate(
            new StatusRecord { AppLid = "A1", ResourceLid = "DDS1", Status = "APPROVED", AppDate = "31/02/2026", AppStartTime = "25:00" }).Errors;

        CollectionAssert.AreEquivalent(new[] { "APP_DATE", "APP_START_TIME" }, errors.Select(e => e.PropertyName).ToArray());
    }
}
