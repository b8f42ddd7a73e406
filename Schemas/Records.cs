namespace RecallFiles.Schemas;

/// <summary>
/// One appointment row (tuOtempO A.1.1 plus optional TT_RESERVATIONS extensions). Values are the
/// trimmed text of the file; empty fields are <see langword="null"/>. A record read from a file is
/// only trustworthy when its row had no errors (see <see cref="ContractRow.IsValid"/>).
/// </summary>
public sealed record AppointmentRecord
{
    /// <summary>APP_LID: the appointment's id in the PMS, unique per practice (the key).</summary>
    public string AppLid { get; init; } = "";

    /// <summary>APP_DATE: <c>dd/mm/yyyy</c>.</summary>
    public string AppDate { get; init; } = "";

    /// <summary>APP_START_TIME: <c>hh:mm</c>, 24-hour.</summary>
    public string? AppStartTime { get; init; }

    /// <summary>USER_LANDLINE_PHONE.</summary>
    public string? UserLandlinePhone { get; init; }

    /// <summary>USER_MOBILE_PHONE.</summary>
    public string? UserMobilePhone { get; init; }

    /// <summary>USER_EMAIL.</summary>
    public string? UserEmail { get; init; }

    /// <summary>RESOURCE_LID: the doctor or chair. Not unique in a file (see docs/file-formats.md).</summary>
    public string ResourceLid { get; init; } = "";

    /// <summary>RESOURCE_NAME.</summary>
    public string ResourceName { get; init; } = "";

    /// <summary>RESOURCE_MOBILE_PHONE.</summary>
    public string? ResourceMobilePhone { get; init; }

    /// <summary>RESOURCE_EMAIL.</summary>
    public string? ResourceEmail { get; init; }

    /// <summary>LOCATION_LID.</summary>
    public string? LocationLid { get; init; }

    /// <summary>LOCATION_NAME.</summary>
    public string? LocationName { get; init; }

    /// <summary>Extension APP_END_TIME: <c>hh:mm</c>.</summary>
    public string? AppEndTime { get; init; }

    /// <summary>Extension USER_WORK_PHONE.</summary>
    public string? UserWorkPhone { get; init; }

    /// <summary>Extension USER_LANGUAGE: the language for messages, such as <c>en</c> or <c>es-ES</c>.</summary>
    public string? UserLanguage { get; init; }

    /// <summary>Extension COMMUNICATION_PREFERENCES: three 0/1 flags for SMS, e-mail and landline (<c>101</c>).</summary>
    public string? CommunicationPreferences { get; init; }

    /// <summary>Extension PRIVACY: one character, <c>1</c>/<c>Y</c> accepted, <c>0</c>/<c>N</c> not.</summary>
    public string? Privacy { get; init; }

    /// <summary>Extension STATUS, in the exact spelling of <see cref="AppointmentStatuses.WireNames"/> once read.</summary>
    public string? Status { get; init; }

    /// <summary>APP_DATE and APP_START_TIME as a local date and time, when both parse (time 00:00 when absent).</summary>
    public DateTime? LocalStart => ContractFormats.TryParseDate(AppDate, out var date)
        ? date.ToDateTime(ContractFormats.TryParseTime(AppStartTime, out var time) ? time : TimeOnly.MinValue)
        : null;
}

/// <summary>One status row (tuOtempO A.1.2.1): what the patient or the practice decided.</summary>
public sealed record StatusRecord
{
    /// <summary>APP_LID.</summary>
    public string AppLid { get; init; } = "";

    /// <summary>USER_LANDLINE_PHONE.</summary>
    public string? UserLandlinePhone { get; init; }

    /// <summary>USER_MOBILE_PHONE.</summary>
    public string? UserMobilePhone { get; init; }

    /// <summary>USER_EMAIL.</summary>
    public string? UserEmail { get; init; }

    /// <summary>RESOURCE_LID.</summary>
    public string ResourceLid { get; init; } = "";

    /// <summary>STATUS, in the exact wire spelling once read (see <see cref="AppointmentStatuses"/>).</summary>
    public string Status { get; init; } = "";

    /// <summary>Extension APP_DATE (<c>dd/mm/yyyy</c>): the appointment's date as the cloud knew it, for conflict detection.</summary>
    public string? AppDate { get; init; }

    /// <summary>Extension APP_START_TIME (<c>hh:mm</c>): the start time as the cloud knew it, for conflict detection.</summary>
    public string? AppStartTime { get; init; }

    /// <summary>The parsed <see cref="Status"/>, or null when it is not one of the four values.</summary>
    public AppointmentStatus? ParsedStatus => AppointmentStatuses.TryParse(Status, out var s) ? s : null;
}

/// <summary>One status result row: the outcome of applying one status row in the PMS.</summary>
public sealed record StatusResultRecord
{
    /// <summary>APP_LID.</summary>
    public string AppLid { get; init; } = "";

    /// <summary>RESULT: OK, ERROR, CONFLICT or NOT_FOUND.</summary>
    public string Result { get; init; } = "";

    /// <summary>MESSAGE: free text for support (no contact data).</summary>
    public string? Message { get; init; }

    /// <summary>The parsed <see cref="Result"/>, or null when it is not a known code.</summary>
    public StatusResultCode? ParsedResult => StatusResultCodes.TryParse(Result, out var r) ? r : null;
}
