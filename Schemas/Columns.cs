namespace RecallFiles.Schemas;

/// <summary>Column names of the contract, exactly as tuOtempO spells them in the header row.</summary>
public static class Columns
{
#pragma warning disable CS1591 // The names are their own documentation.
    public const string AppLid = "APP_LID";
    public const string AppDate = "APP_DATE";
    public const string AppStartTime = "APP_START_TIME";
    public const string AppEndTime = "APP_END_TIME";
    public const string UserLandlinePhone = "USER_LANDLINE_PHONE";
    public const string UserMobilePhone = "USER_MOBILE_PHONE";
    public const string UserWorkPhone = "USER_WORK_PHONE";
    public const string UserEmail = "USER_EMAIL";
    public const string UserLanguage = "USER_LANGUAGE";
    public const string CommunicationPreferences = "COMMUNICATION_PREFERENCES";
    public const string Privacy = "PRIVACY";
    public const string ResourceLid = "RESOURCE_LID";
    public const string ResourceName = "RESOURCE_NAME";
    public const string ResourceMobilePhone = "RESOURCE_MOBILE_PHONE";
    public const string ResourceEmail = "RESOURCE_EMAIL";
    public const string LocationLid = "LOCATION_LID";
    public const string LocationName = "LOCATION_NAME";
    public const string Status = "STATUS";
    public const string Result = "RESULT";
    public const string Message = "MESSAGE";
#pragma warning restore CS1591

    /// <summary>The 12 columns of tuOtempO A.1.1, in the order RecallFiles writes them. All must be in the header.</summary>
    public static IReadOnlyList<string> AppointmentRequired { get; } =
    [
        AppLid, AppDate, AppStartTime, UserLandlinePhone, UserMobilePhone, UserEmail,
        ResourceLid, ResourceName, ResourceMobilePhone, ResourceEmail, LocationLid, LocationName,
    ];

    /// <summary>
    /// Optional extension columns from TT_RESERVATIONS (tuOtempO A.2.1) that carry no patient identity,
    /// in the order RecallFiles writes them after the required ones.
    /// </summary>
    public static IReadOnlyList<string> AppointmentExtensions { get; } =
    [
        AppEndTime, UserWorkPhone, UserLanguage, CommunicationPreferences, Privacy, Status,
    ];

    /// <summary>The columns of tuOtempO A.1.2.1, all required.</summary>
    public static IReadOnlyList<string> StatusColumns { get; } =
    [
        AppLid, UserLandlinePhone, UserMobilePhone, UserEmail, ResourceLid, Status,
    ];

    /// <summary>
    /// Optional status file columns: the appointment's date and start time as the cloud knew them when
    /// the status was issued, so the PMS side can refuse to cancel an appointment that has moved since.
    /// </summary>
    public static IReadOnlyList<string> StatusExtensions { get; } = [AppDate, AppStartTime];

    /// <summary>The status result columns; MESSAGE may be left out of the header.</summary>
    public static IReadOnlyList<string> StatusResult { get; } = [AppLid, Result, Message];

    /// <summary>
    /// Columns that identify the patient. tuOtempO A.2.2: "the name of the patient should not be
    /// transmitted". They are dropped when read, with a privacy warning, and never reach a store or a log.
    /// </summary>
    public static IReadOnlySet<string> PatientIdentifying { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "USER_FIRST_NAME", "USER_SECOND_NAME", "USER_THIRD_NAME", "USER_NAME", "USER_FULL_NAME",
        "USER_ID_NUMBER", "USER_DATE_OF_BIRTH", "USER_LID", "USER_TID", "USER_GENDER", "USER_ZIP_CODE",
        "USER_ADDRESS", "NOTES", "ACTIVITY_LID", "INSURANCE_LID",
        "PATIENT_NAME", "PATIENT_FIRST_NAME", "PATIENT_LAST_NAME", "PATIENT_ID", "PATIENT_DOB",
        "FIRST_NAME", "LAST_NAME", "FIRSTNAME", "LASTNAME", "SURNAME", "NAME", "FULL_NAME",
        "DOB", "DATE_OF_BIRTH", "BIRTHDATE", "SSN", "NHS_NUMBER",
    };
}
