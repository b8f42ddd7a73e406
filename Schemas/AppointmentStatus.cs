namespace RecallFiles.Schemas;

/// <summary>
/// The appointment status values of tuOtempO A.1.2.1. On the wire they are spelled exactly
/// <c>PENDING</c>, <c>APPROVED</c>, <c>CANCELLED by USER</c> and <c>CANCELLED by ADMIN</c>.
/// </summary>
public enum AppointmentStatus
{
    /// <summary><c>PENDING</c>: no answer from the patient yet.</summary>
    Pending,

    /// <summary><c>APPROVED</c>: the patient confirmed.</summary>
    Approved,

    /// <summary><c>CANCELLED by USER</c>: the patient cancelled.</summary>
    CancelledByUser,

    /// <summary><c>CANCELLED by ADMIN</c>: the practice cancelled.</summary>
    CancelledByAdmin,
}

/// <summary>Reads and writes <see cref="AppointmentStatus"/> in the spec's spelling.</summary>
public static class AppointmentStatuses
{
    /// <summary>The exact wire spellings, in enum order.</summary>
    public static IReadOnlyList<string> WireNames { get; } = ["PENDING", "APPROVED", "CANCELLED by USER", "CANCELLED by ADMIN"];

    /// <summary>The exact spelling written to files.</summary>
    public static string ToWire(this AppointmentStatus status) => WireNames[(int)status];

    /// <summary>
    /// <c>COMPLETED</c>: an extension value of an appointments file's STATUS (never of a status file) saying the PMS reports
    /// the visit happened (Open Dental AptStatus 2). Only such a visit is thanked (issue 15); it is no status anyone issues.
    /// </summary>
    public const string Completed = "COMPLETED";

    /// <summary>Whether <paramref name="value"/> reads as <see cref="Completed"/> (case-insensitive, spaces trimmed).</summary>
    public static bool IsCompleted(string? value) => value is not null && string.Equals(value.Trim(), Completed, StringComparison.OrdinalIgnoreCase);

    /// <summary>An appointments file's STATUS: one of the four values or <see cref="Completed"/>, in its exact spelling; null when neither.</summary>
    public static string? NormalizeAppointmentStatus(string? value) =>
        TryParse(value, out var status) ? status.ToWire() : IsCompleted(value) ? Completed : null;

    /// <summary>
    /// Parses a status leniently: case-insensitive, surrounding spaces trimmed and inner runs of
    /// white space collapsed (<c>" cancelled  BY user"</c> reads as <see cref="AppointmentStatus.CancelledByUser"/>).
    /// </summary>
    public static bool TryParse(string? value, out AppointmentStatus status)
    {
        status = default;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var collapsed = string.Join(' ', value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        for (var i = 0; i < WireNames.Count; i++)
        {
            if (string.Equals(collapsed, WireNames[i], StringComparison.OrdinalIgnoreCase))
            {
                status = (AppointmentStatus)i;
                return true;
            }
        }

        return false;
    }
}

/// <summary>What the PMS side reports for one status row.</summary>
public enum StatusResultCode
{
    /// <summary><c>OK</c>: applied, or the appointment was already in the target state.</summary>
    Ok,

    /// <summary><c>ERROR</c>: the PMS rejected the change; <c>MESSAGE</c> says why.</summary>
    Error,

    /// <summary><c>CONFLICT</c>: the appointment changed since the status was issued; nothing applied.</summary>
    Conflict,

    /// <summary><c>NOT_FOUND</c>: no appointment with that APP_LID in the PMS.</summary>
    NotFound,
}

/// <summary>Reads and writes <see cref="StatusResultCode"/> as <c>OK</c>, <c>ERROR</c>, <c>CONFLICT</c>, <c>NOT_FOUND</c>.</summary>
public static class StatusResultCodes
{
    /// <summary>The exact wire spellings, in enum order.</summary>
    public static IReadOnlyList<string> WireNames { get; } = ["OK", "ERROR", "CONFLICT", "NOT_FOUND"];

    /// <summary>The exact spelling written to files.</summary>
    public static string ToWire(this StatusResultCode code) => WireNames[(int)code];

    /// <summary>Parses a result code, case-insensitive, spaces trimmed; <c>NOT FOUND</c> reads as <c>NOT_FOUND</c>.</summary>
    public static bool TryParse(string? value, out StatusResultCode code)
    {
        code = default;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var normalized = string.Join('_', value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        for (var i = 0; i < WireNames.Count; i++)
        {
            if (string.Equals(normalized, WireNames[i], StringComparison.OrdinalIgnoreCase))
            {
                code = (StatusResultCode)i;
                return true;
            }
        }

        return false;
    }
}
