using FluentValidation;

namespace RecallFiles.Schemas.Validation;

/// <summary>
/// Row rules of an appointment file (tuOtempO A.1.1, A.2.1). Property names are the contract's
/// column names and error codes are <see cref="ProblemCodes"/>. Build it once and reuse it: it is
/// thread-safe. Duplicate APP_LIDs are found by the reader, which sees the whole file.
/// </summary>
public sealed class AppointmentRecordValidator : AbstractValidator<AppointmentRecord>
{
    /// <summary>The shared instance.</summary>
    public static AppointmentRecordValidator Instance { get; } = new();

    /// <summary>Builds the rules.</summary>
    public AppointmentRecordValidator()
    {
        RuleFor(x => x.AppLid).Key(Columns.AppLid);
        RuleFor(x => x.AppDate).RequiredDate(Columns.AppDate);
        RuleFor(x => x.AppStartTime).OptionalTime(Columns.AppStartTime);
        RuleFor(x => x.UserLandlinePhone).Phone(Columns.UserLandlinePhone);
        RuleFor(x => x.UserMobilePhone).Phone(Columns.UserMobilePhone);
        RuleFor(x => x.UserEmail).Email(Columns.UserEmail);
        RuleFor(x => x.ResourceLid).Key(Columns.ResourceLid);
        RuleFor(x => x.ResourceName).RequiredText(Columns.ResourceName, 50).NoControl(Columns.ResourceName, allowTab: true);
        RuleFor(x => x.ResourceMobilePhone).Phone(Columns.ResourceMobilePhone);
        RuleFor(x => x.ResourceEmail).Email(Columns.ResourceEmail);
        RuleFor(x => x.LocationLid).OptionalText(Columns.LocationLid, 50).NoControl(Columns.LocationLid, allowTab: false);
        RuleFor(x => x.LocationName).OptionalText(Columns.LocationName, 50).NoControl(Columns.LocationName, allowTab: true);

        // Extensions (TT_RESERVATIONS, tuOtempO A.2.1).
        RuleFor(x => x.AppEndTime).OptionalTime(Columns.AppEndTime);
        RuleFor(x => x.AppEndTime)
            .Must((record, end) => string.CompareOrdinal(end, record.AppStartTime) > 0)
            .When(x => ContractFormats.TryParseTime(x.AppStartTime, out _) && ContractFormats.TryParseTime(x.AppEndTime, out _))
            .OverridePropertyName(Columns.AppEndTime)
            .WithErrorCode(ProblemCodes.EndBeforeStart)
            .WithSeverity(Severity.Warning)
            .WithMessage(x => $"APP_END_TIME {x.AppEndTime} is not after APP_START_TIME {x.AppStartTime}; the end time is ignored");
        RuleFor(x => x.UserWorkPhone).Phone(Columns.UserWorkPhone);
        RuleFor(x => x.UserLanguage)
            .Matches("^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,4})?$")
            .When(x => x.UserLanguage is not null)
            .OverridePropertyName(Columns.UserLanguage)
            .WithErrorCode(ProblemCodes.Language)
            .WithMessage(x => $"USER_LANGUAGE '{Mask.Echo(x.UserLanguage)}' is not a language code such as 'en', 'spa' or 'pt-BR' (2-3 letters, optionally '-' and a 2-4 character region)");
        RuleFor(x => x.CommunicationPreferences)
            .Matches("^[01]{3}$")
            .When(x => x.CommunicationPreferences is not null)
            .OverridePropertyName(Columns.CommunicationPreferences)
            .WithErrorCode(ProblemCodes.CommunicationPreferences)
            .WithMessage(x => $"COMMUNICATION_PREFERENCES '{Mask.Echo(x.CommunicationPreferences)}' must be three 0/1 flags for SMS, e-mail and landline, such as 101");
        RuleFor(x => x.Privacy)
            .Must(p => p is "0" or "1" or "Y" or "N" or "y" or "n")
            .When(x => x.Privacy is not null)
            .OverridePropertyName(Columns.Privacy)
            .WithErrorCode(ProblemCodes.PrivacyFlag)
            .WithMessage(x => $"PRIVACY '{Mask.Echo(x.Privacy)}' must be one character: 1 or Y (accepted), 0 or N (not accepted)");
        RuleFor(x => x.Status).OptionalStatus();

        // A row nobody can be reminded on is legal (the PMS may simply not know), but worth a warning.
        RuleFor(x => x)
            .Must(x => x.UserMobilePhone is not null || x.UserLandlinePhone is not null || x.UserEmail is not null || x.UserWorkPhone is not null)
            .OverridePropertyName("")
            .WithErrorCode(ProblemCodes.Unreachable)
            .WithSeverity(Severity.Warning)
            .WithMessage("no phone and no e-mail: the patient is unreachable and gets no reminder");
    }
}

/// <summary>Row rules of a status file (tuOtempO A.1.2.1). Build once; thread-safe.</summary>
public sealed class StatusRecordValidator : AbstractValidator<StatusRecord>
{
    /// <summary>The shared instance.</summary>
    public static StatusRecordValidator Instance { get; } = new();

    /// <summary>Builds the rules.</summary>
    public StatusRecordValidator()
    {
        RuleFor(x => x.AppLid).Key(Columns.AppLid);
        RuleFor(x => x.UserLandlinePhone).Phone(Columns.UserLandlinePhone);
        RuleFor(x => x.UserMobilePhone).Phone(Columns.UserMobilePhone);
        RuleFor(x => x.UserEmail).Email(Columns.UserEmail);
        RuleFor(x => x.ResourceLid).Key(Columns.ResourceLid);
        RuleFor(x => x.Status)
            .Cascade(CascadeMode.Stop)
            .NotEmpty().OverridePropertyName(Columns.Status).WithErrorCode(ProblemCodes.Required)
            .WithMessage("STATUS is required: one of " + string.Join(", ", AppointmentStatuses.WireNames))
            .Must(s => AppointmentStatuses.TryParse(s, out _)).OverridePropertyName(Columns.Status).WithErrorCode(ProblemCodes.StatusValue)
            .WithMessage(x => $"STATUS '{Mask.Echo(x.Status)}' is not one of " + string.Join(", ", AppointmentStatuses.WireNames));
        RuleFor(x => x.AppDate)
            .Must(v => v is null || ContractFormats.TryParseDate(v, out _)).OverridePropertyName(Columns.AppDate).WithErrorCode(ProblemCodes.Date)
            .WithMessage((_, v) => $"APP_DATE '{Mask.Echo(v)}' is not a real date in dd/mm/yyyy");
        RuleFor(x => x.AppStartTime).OptionalTime(Columns.AppStartTime);
    }
}

/// <summary>Row rules of a status result file. Build once; thread-safe.</summary>
public sealed class StatusResultRecordValidator : AbstractValidator<StatusResultRecord>
{
    /// <summary>The shared instance.</summary>
    public static StatusResultRecordValidator Instance { get; } = new();

    /// <summary>Builds the rules.</summary>
    public StatusResultRecordValidator()
    {
        RuleFor(x => x.AppLid).Key(Columns.AppLid);
        RuleFor(x => x.Result)
            .Cascade(CascadeMode.Stop)
            .NotEmpty().OverridePropertyName(Columns.Result).WithErrorCode(ProblemCodes.Required)
            .WithMessage("RESULT is required: one of " + string.Join(", ", StatusResultCodes.WireNames))
            .Must(s => StatusResultCodes.TryParse(s, out _)).OverridePropertyName(Columns.Result).WithErrorCode(ProblemCodes.ResultValue)
            .WithMessage(x => $"RESULT '{Mask.Echo(x.Result)}' is not one of " + string.Join(", ", StatusResultCodes.WireNames));
        RuleFor(x => x.Message).OptionalText(Columns.Message, 4000);
    }
}
