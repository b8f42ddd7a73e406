using System.Text;
using RecallFiles.Schemas;

namespace RecallFiles.Tests.Schemas;

/// <summary>Builds contract files in memory for the Schemas tests.</summary>
internal static class Csv
{
    public const string AppointmentHeader =
        "APP_LID,APP_DATE,APP_START_TIME,USER_LANDLINE_PHONE,USER_MOBILE_PHONE,USER_EMAIL,RESOURCE_LID,RESOURCE_NAME,RESOURCE_MOBILE_PHONE,RESOURCE_EMAIL,LOCATION_LID,LOCATION_NAME";

    /// <summary>A valid appointment row for <see cref="AppointmentHeader"/>.</summary>
    public static string Row(string lid = "A1", string date = "24/11/2026", string time = "09:30", string landline = "",
        string mobile = "+34 600 123 456", string email = "p1@example.org", string resource = "DDS1", string resourceName = "Dr. Molina") =>
        $"{lid},{date},{time},{landline},{mobile},{email},{resource},{resourceName},,,L1,Main clinic";

    public static Stream Utf8(string text, bool bom = false) =>
        new MemoryStream([.. (bom ? Encoding.UTF8.GetPreamble() : []), .. Encoding.UTF8.GetBytes(text)]);

    public static List<ContractRow<AppointmentRecord>> ReadAppointments(string text, bool bom = false)
    {
        using var reader = ContractReader.OpenAppointments(Utf8(text, bom), "test.csv");
        return [.. reader.ReadRows()];
    }

    public static ContractFileException OpenFails(string text) =>
        Assert.ThrowsExactly<ContractFileException>(() =>
        {
            using var reader = ContractReader.OpenAppointments(Utf8(text), "test.csv");
            _ = reader.ReadRows().ToList();
        });

    public static FileValidationReport Validate(string text, FileKind? kind = null, string name = "test.csv") =>
        FileValidator.Validate(Utf8(text), name, kind);
}
