using FluentValidation;
using RecallFiles.Schemas.Validation;

namespace RecallFiles.Schemas.Internal;

/// <summary>
/// How one file format maps columns to a record. The column set of a file is dynamic (optional
/// extension columns, in any order), so the mapping is an explicit table rather than a
/// source-generated map: values arrive in <see cref="AllColumns"/> order.
/// </summary>
internal sealed class RecordSchema<T> : IRecordSchema where T : class
{
    public required FileKind Kind { get; init; }
    public required IReadOnlyList<string> RequiredColumns { get; init; }
    public required IReadOnlyList<string> OptionalColumns { get; init; }
    public required Func<string?[], T> Create { get; init; }
    /// <summary>Puts the record's values, in <see cref="AllColumns"/> order, into an array of that length (reused by the writer row after row).</summary>
    public required Action<T, string?[]> Fill { get; init; }
    public required Func<T, string> Key { get; init; }
    /// <summary>
    /// Creates the format's FluentValidation rules, once, on first use (<see cref="Validator"/>): issue 18, building them compiles
    /// a few dozen expression trees at start-up, which a file whose rows are all certainly clean never needs.
    /// </summary>
    public required Func<IValidator<T>> CreateValidator { get; init; }

    public IValidator<T> Validator => field ??= CreateValidator();

    /// <summary>A fast "no problem at all" check that lets the validator be skipped (see <see cref="Validation.FastPath"/>); null when there is none.</summary>
    public Func<T, bool>? CertainlyClean { get; init; }

    /// <summary>
    /// <see cref="CertainlyClean"/> on the row's trimmed UTF-8 values, before any string or record is built (see
    /// <see cref="FastPathUtf8"/>); null when there is none. The key is column 0 in every format.
    /// </summary>
    public Utf8Check? Utf8CertainlyClean { get; init; }

    /// <summary>Canonicalises a valid record (status spellings); identity for most formats.</summary>
    public Func<T, T> Normalize { get; init; } = static r => r;

    public IReadOnlyList<string> AllColumns => field ??= [.. RequiredColumns, .. OptionalColumns];

    /// <summary>The optional contact columns whose invalid value is a warning unless contacts are strict (issue 15); none by default.</summary>
    public IReadOnlySet<string> ContactColumns { get; init; } = new HashSet<string>();

    /// <summary>Clears the contact values that <see cref="ContactColumns"/>' rules refuse; identity by default.</summary>
    public Func<T, T> ClearInvalidContacts { get; init; } = static r => r;
}

/// <summary>A "no problem at all" check on a row's trimmed UTF-8 values.</summary>
internal delegate bool Utf8Check(Utf8Values values);

internal interface IRecordSchema
{
    FileKind Kind { get; }
    IReadOnlyList<string> RequiredColumns { get; }
    IReadOnlyList<string> OptionalColumns { get; }
    IReadOnlyList<string> AllColumns { get; }
}

internal static class Schemas
{
    public static RecordSchema<AppointmentRecord> Appointments { get; } = new()
    {
        Kind = FileKind.Appointments,
        RequiredColumns = Columns.AppointmentRequired,
        OptionalColumns = Columns.AppointmentExtensions,
        Create = static v => new AppointmentRecord
        {
            AppLid = v[0] ?? "",
            AppDate = v[1] ?? "",
            AppStartTime = v[2],
            UserLandlinePhone = v[3],
            UserMobilePhone = v[4],
            UserEmail = v[5],
            ResourceLid = v[6] ?? "",
            ResourceName = v[7] ?? "",
            ResourceMobilePhone = v[8],
            ResourceEmail = v[9],
            LocationLid = v[10],
            LocationName = v[11],
            AppEndTime = v[12],
            UserWorkPhone = v[13],
            UserLanguage = v[14],
            CommunicationPreferences = v[15],
            Privacy = v[16],
            Status = v[17],
        },
        Fill = static (r, v) =>
        {
            (v[0], v[1], v[2], v[3], v[4], v[5]) = (r.AppLid, r.AppDate, r.AppStartTime, r.UserLandlinePhone, r.UserMobilePhone, r.UserEmail);
            (v[6], v[7], v[8], v[9], v[10], v[11]) = (r.ResourceLid, r.ResourceName, r.ResourceMobilePhone, r.ResourceEmail, r.LocationLid, r.LocationName);
            (v[12], v[13], v[14], v[15], v[16], v[17]) = (r.AppEndTime, r.UserWorkPhone, r.UserLanguage, r.CommunicationPreferences, r.Privacy, r.Status);
        },
        Key = static r => r.AppLid,
        CreateValidator = static () => AppointmentRecordValidator.Instance,
        CertainlyClean = FastPath.IsCertainlyClean,
        Utf8CertainlyClean = FastPathUtf8.IsCertainlyClean,
        Normalize = static r => r.Status is not null && AppointmentStatuses.NormalizeAppointmentStatus(r.Status) is { } s && r.Status != s
            ? r with { Status = s }
            : r,
        ContactColumns = new HashSet<string>(StringComparer.Ordinal)
        {
            Columns.UserLandlinePhone, Columns.UserMobilePhone, Columns.UserWorkPhone, Columns.UserEmail, Columns.ResourceMobilePhone, Columns.ResourceEmail,
        },
        ClearInvalidContacts = static r => r with
        {
            UserLandlinePhone = ContactRules.ValidPhoneOrNull(r.UserLandlinePhone),
            UserMobilePhone = ContactRules.ValidPhoneOrNull(r.UserMobilePhone),
            UserWorkPhone = ContactRules.ValidPhoneOrNull(r.UserWorkPhone),
            UserEmail = ContactRules.ValidEmailOrNull(r.UserEmail),
            ResourceMobilePhone = ContactRules.ValidPhoneOrNull(r.ResourceMobilePhone),
            ResourceEmail = ContactRules.ValidEmailOrNull(r.ResourceEmail),
        },
    };

    public static RecordSchema<StatusRecord> Status { get; } = new()
    {
        Kind = FileKind.Status,
        RequiredColumns = Columns.StatusColumns,
        OptionalColumns = Columns.StatusExtensions,
        Create = static v => new StatusRecord
        {
            AppLid = v[0] ?? "",
            UserLandlinePhone = v[1],
            UserMobilePhone = v[2],
            UserEmail = v[3],
            ResourceLid = v[4] ?? "",
            Status = v[5] ?? "",
            AppDate = v[6],
            AppStartTime = v[7],
        },
        Fill = static (r, v) => (v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]) =
            (r.AppLid, r.UserLandlinePhone, r.UserMobilePhone, r.UserEmail, r.ResourceLid, r.Status, r.AppDate, r.AppStartTime),
        Key = static r => r.AppLid,
        CreateValidator = static () => StatusRecordValidator.Instance,
        Normalize = static r => AppointmentStatuses.TryParse(r.Status, out var s) && r.Status != s.ToWire() ? r with { Status = s.ToWire() } : r,
    };

    public static RecordSchema<StatusResultRecord> StatusResult { get; } = new()
    {
        Kind = FileKind.StatusResult,
        RequiredColumns = [Columns.AppLid, Columns.Result],
        OptionalColumns = [Columns.Message],
        Create = static v => new StatusResultRecord { AppLid = v[0] ?? "", Result = v[1] ?? "", Message = v[2] },
        Fill = static (r, v) => (v[0], v[1], v[2]) = (r.AppLid, r.Result, r.Message),
        Key = static r => r.AppLid,
        CreateValidator = static () => StatusResultRecordValidator.Instance,
        Normalize = static r => StatusResultCodes.TryParse(r.Result, out var c) && r.Result != c.ToWire() ? r with { Result = c.ToWire() } : r,
    };

    public static IRecordSchema For(FileKind kind) => kind switch
    {
        FileKind.Appointments => Appointments,
        FileKind.Status => Status,
        FileKind.StatusResult => StatusResult,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
