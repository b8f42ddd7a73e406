using System.Globalization;
using MySqlConnector;

namespace RecallFiles.Exporter.OpenDental;

/// <summary>appointment.AptStatus (OpenDentBusiness/Db/Enumerations.cs; shared/reference/opendental.md).</summary>
internal enum AptStatus
{
    None = 0,
    Scheduled = 1,
    Complete = 2,
    UnschedList = 3,
    Asap = 4,
    Broken = 5,
    Planned = 6,
    PtNote = 7,
    PtNoteCompleted = 8,
}

/// <summary>
/// What RecallFiles knows about Open Dental, in one place for the source (export) and the status target (apply):
/// the tables it needs, the codes it reads, the resource rule, the APP_LID codec and the connection flags
/// (layout: shared/reference/opendental.md).
/// </summary>
internal static class OpenDentalSchema
{
    /// <summary>The tables the exporter reads; <c>CheckAsync</c> names the missing ones.</summary>
    public static IReadOnlyList<string> RequiredTables { get; } = ["appointment", "patient", "provider", "operatory", "clinic"];

    /// <summary>patient.PatStatus values that are never exported: 4 Deleted, 5 Deceased.</summary>
    public const int PatStatusDeleted = 4;

    /// <summary>See <see cref="PatStatusDeleted"/>.</summary>
    public const int PatStatusDeceased = 5;

    /// <summary>patient.TxtMsgOk (YN): 2 No blanks the mobile.</summary>
    public const int TxtMsgNo = 2;

    /// <summary>patient.PreferConfirmMethod (ContactMethod): 1 DoNotCall blanks the landline and the work phone.</summary>
    public const int ContactDoNotCall = 1;

    /// <summary>definition.Category of the confirmation states that appointment.Confirmed points to (ApptConfirmed).</summary>
    public const int ConfirmationCategory = 2;

    /// <summary>appointment.Pattern: one character per slot of this many minutes.</summary>
    public const int PatternSlotMinutes = 5;

    /// <summary>
    /// The appointment's resource as SQL over <c>appointment a</c> with the parameter <c>@resource</c>
    /// (<see cref="ResourceParameter"/>): the dentist, the hygienist, or the hygienist for hygiene visits. The exporter
    /// and the status applier use this one expression so RESOURCE_LID compares like for like.
    /// </summary>
    public const string ResourceSql = """
        CASE WHEN @resource = 1 THEN a.ProvNum
             WHEN @resource = 2 AND a.ProvHyg <> 0 THEN a.ProvHyg
             WHEN @resource = 0 AND a.IsHygiene = 1 AND a.ProvHyg <> 0 THEN a.ProvHyg
             ELSE a.ProvNum END
        """;

    /// <summary>The value of <c>@resource</c> in <see cref="ResourceSql"/>.</summary>
    public static int ResourceParameter(ResourceChoice choice) => choice switch
    {
        ResourceChoice.HygienistForHygieneVisits => 0,
        ResourceChoice.Dentist => 1,
        _ => 2,
    };

    /// <summary>The name of an AptStatus value for messages ("Complete"), or "unknown".</summary>
    public static string Name(int aptStatus) => Enum.IsDefined((AptStatus)aptStatus)
        ? aptStatus == (int)AptStatus.Asap ? "ASAP" : ((AptStatus)aptStatus).ToString()
        : "unknown";

    /// <summary>APP_LID of an appointment: the AptNum, prefixed with the ClinicNum ("3-1042") when configured.</summary>
    public static string FormatAppLid(long clinicNum, long aptNum, bool prefixWithClinic)
    {
        var apt = aptNum.ToString(CultureInfo.InvariantCulture);
        return prefixWithClinic ? $"{clinicNum.ToString(CultureInfo.InvariantCulture)}-{apt}" : apt;
    }

    /// <summary>The inverse of <see cref="FormatAppLid"/>; false for an APP_LID this practice cannot have written.</summary>
    public static bool TryParseAppLid(string appLid, bool prefixWithClinic, out long aptNum, out long? clinicNum)
    {
        clinicNum = null;
        aptNum = 0;
        if (prefixWithClinic)
        {
            var dash = appLid.IndexOf('-', StringComparison.Ordinal);
            if (dash <= 0 || !long.TryParse(appLid.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var clinic))
            {
                return false;
            }

            clinicNum = clinic;
            appLid = appLid[(dash + 1)..];
        }

        return long.TryParse(appLid, NumberStyles.None, CultureInfo.InvariantCulture, out aptNum) && aptNum > 0;
    }

    /// <summary>
    /// A connection to the Open Dental database with the flags it needs. Throws <see cref="ArgumentException"/> when the
    /// configured string is not a MySQL connection string; the caller names the key.
    /// </summary>
    public static MySqlConnection CreateConnection(string connectionString)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString)
        {
            // Open Dental stores empty dates as 0001-01-01, some tables as 0000-00-00.
            ConvertZeroDateTime = true,
            AllowZeroDateTime = false,
        };
        if (builder.ConnectionTimeout == 15)
        {
            // MySqlConnector's default of 15 s: an unreachable PMS fails the run sooner.
            builder.ConnectionTimeout = 10;
        }

        return new MySqlConnection(builder.ConnectionString);
    }
}
