using System.Globalization;
using System.Text.Json;
using RecallFiles.Importer.Feed;
using RecallFiles.Schemas;

namespace RecallFiles.Importer.Loading;

/// <summary>The value of a content column: which field of a file row fills it.</summary>
internal enum AppointmentField
{
    AppLid,
    StartsAt,
    AppDate,
    AppStartTime,
    AppEndTime,
    UserLandlinePhone,
    UserMobilePhone,
    UserWorkPhone,
    UserEmail,
    UserLanguage,
    CommunicationPreferences,
    Privacy,
    Status,
    ResourceLid,
    ResourceName,
    ResourceMobilePhone,
    ResourceEmail,
    LocationLid,
    LocationName,
}

/// <summary>A valid file row with its parsed date and times: what the descriptor's columns read.</summary>
internal readonly record struct LoadRow(AppointmentRecord Record, DateOnly Date, TimeOnly? Start, TimeOnly? End)
{
    /// <summary>The local start: APP_DATE + APP_START_TIME (midnight without a time).</summary>
    public DateTime StartsAt => Date.ToDateTime(Start ?? TimeOnly.MinValue);

    /// <summary>
    /// A text field's value. A switch rather than a delegate per column: it compiles to a jump table, and a load calls it
    /// 15 times per row (a delegate per column cost a third more CPU per row, measured with the bench's encode loop).
    /// </summary>
    public string? Text(AppointmentField field) => field switch
    {
        AppointmentField.AppLid => Record.AppLid,
        AppointmentField.UserLandlinePhone => Record.UserLandlinePhone,
        AppointmentField.UserMobilePhone => Record.UserMobilePhone,
        AppointmentField.UserWorkPhone => Record.UserWorkPhone,
        AppointmentField.UserEmail => Record.UserEmail,
        AppointmentField.UserLanguage => Record.UserLanguage,
        AppointmentField.CommunicationPreferences => Record.CommunicationPreferences,
        AppointmentField.Privacy => Record.Privacy,
        AppointmentField.Status => Record.Status,
        AppointmentField.ResourceLid => Record.ResourceLid,
        AppointmentField.ResourceName => Record.ResourceName,
        AppointmentField.ResourceMobilePhone => Record.ResourceMobilePhone,
        AppointmentField.ResourceEmail => Record.ResourceEmail,
        AppointmentField.LocationLid => Record.LocationLid,
        AppointmentField.LocationName => Record.LocationName,
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, "not a text field"),
    };

    /// <summary>A time field's value.</summary>
    public TimeOnly? Time(AppointmentField field) => field switch
    {
        AppointmentField.AppStartTime => Start,
        AppointmentField.AppEndTime => End,
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, "not a time field"),
    };
}

/// <summary>The PostgreSQL type of a content column.</summary>
internal enum ColumnType
{
    Text,
    Timestamp,
    Date,
    Time,
}

/// <summary>One content column of <c>appointments</c>: its name, type, whether it is required, its payload key and how a row fills it.</summary>
internal sealed record AppointmentColumn(string Name, ColumnType Type, bool NotNull, string? PayloadKey, AppointmentField Field)
{
    /// <summary>The payload key, encoded once.</summary>
    public JsonEncodedText Key { get; } = JsonEncodedText.Encode(PayloadKey ?? Name);

    /// <summary>The column's PostgreSQL type, as the migration declares it.</summary>
    public string PgType => Type switch
    {
        ColumnType.Text => "text",
        ColumnType.Timestamp => "timestamp",
        ColumnType.Date => "date",
        _ => "time",
    };

    /// <summary>Writes a row's field under <paramref name="key"/>, in the form PostgreSQL's json_build_object gives it.</summary>
    public static void WritePayload(AppointmentField field, JsonEncodedText key, in LoadRow row, Utf8JsonWriter writer, Span<byte> scratch)
    {
        switch (field)
        {
            case AppointmentField.StartsAt:
                row.StartsAt.TryFormat(scratch, out var n, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
                writer.WriteString(key, scratch[..n]);
                break;
            case AppointmentField.AppDate:
                row.Date.TryFormat(scratch, out n, "yyyy-MM-dd", CultureInfo.InvariantCulture);
                writer.WriteString(key, scratch[..n]);
                break;
            case AppointmentField.AppStartTime or AppointmentField.AppEndTime:
                if (row.Time(field) is { } time)
                {
                    time.TryFormat(scratch, out n, "HH:mm:ss", CultureInfo.InvariantCulture);
                    writer.WriteString(key, scratch[..n]);
                }
                else
                {
                    writer.WriteNull(key);
                }

                break;
            case var _ when row.Text(field) is { } text:
                writer.WriteString(key, text);
                break;
            default:
                writer.WriteNull(key);
                break;
        }
    }
}

/// <summary>
/// The appointment row layout, stated once: the content columns of <c>appointments</c> in COPY order, with their
/// PostgreSQL types, how a file row fills them and which payload key of <see cref="AppointmentPayload"/> they feed.
/// Every column list, the staging DDL, the COPY statements and the <c>added</c> payload (client and server side) are
/// produced from it; a test holds it equal to the migrations.
/// </summary>
internal static class AppointmentTable
{
    /// <summary>The content columns, APP_LID first (the key), in the order every COPY of them uses.</summary>
    public static IReadOnlyList<AppointmentColumn> Content { get; } =
    [
        new("app_lid", ColumnType.Text, true, null, AppointmentField.AppLid),
        new("starts_at", ColumnType.Timestamp, true, AppointmentPayload.Keys.StartsAt, AppointmentField.StartsAt),
        new("app_date", ColumnType.Date, true, null, AppointmentField.AppDate),
        new("app_start_time", ColumnType.Time, false, null, AppointmentField.AppStartTime),
        new("app_end_time", ColumnType.Time, false, AppointmentPayload.Keys.End, AppointmentField.AppEndTime),
        new("user_landline_phone", ColumnType.Text, false, AppointmentPayload.Keys.Landline, AppointmentField.UserLandlinePhone),
        new("user_mobile_phone", ColumnType.Text, false, AppointmentPayload.Keys.Mobile, AppointmentField.UserMobilePhone),
        new("user_work_phone", ColumnType.Text, false, null, AppointmentField.UserWorkPhone),
        new("user_email", ColumnType.Text, false, AppointmentPayload.Keys.Email, AppointmentField.UserEmail),
        new("user_language", ColumnType.Text, false, AppointmentPayload.Keys.Language, AppointmentField.UserLanguage),
        new("communication_preferences", ColumnType.Text, false, AppointmentPayload.Keys.Preferences, AppointmentField.CommunicationPreferences),
        new("privacy", ColumnType.Text, false, AppointmentPayload.Keys.Privacy, AppointmentField.Privacy),
        new("status", ColumnType.Text, false, AppointmentPayload.Keys.Status, AppointmentField.Status),
        new("resource_lid", ColumnType.Text, true, AppointmentPayload.Keys.Resource, AppointmentField.ResourceLid),
        new("resource_name", ColumnType.Text, true, null, AppointmentField.ResourceName),
        new("resource_mobile_phone", ColumnType.Text, false, null, AppointmentField.ResourceMobilePhone),
        new("resource_email", ColumnType.Text, false, null, AppointmentField.ResourceEmail),
        new("location_lid", ColumnType.Text, false, AppointmentPayload.Keys.Location, AppointmentField.LocationLid),
        new("location_name", ColumnType.Text, false, null, AppointmentField.LocationName),
    ];

    /// <summary>The columns that feed the payload, in the payload's key order (<see cref="AppointmentPayload.Keys.All"/>).</summary>
    public static IReadOnlyList<AppointmentColumn> Payload { get; } =
        [.. AppointmentPayload.Keys.All.Select(key => Content.Single(c => c.PayloadKey == key))];

    /// <summary><c>app_lid, starts_at, …</c>: the content columns, comma-separated.</summary>
    public static string ContentList { get; } = string.Join(", ", Content.Select(c => c.Name));

    /// <summary>The content columns a change is detected on (all but the key).</summary>
    public static IReadOnlyList<string> Compared { get; } = [.. Content.Skip(1).Select(c => c.Name)];

    /// <summary>The fields of a new <c>appointments</c> row: practice, content, row_hash, removed, first/last batch, last_change.</summary>
    public static short AppointmentFields => (short)(1 + Content.Count + 5);

    /// <summary>The fields of a staging row: content, row_hash.</summary>
    public static short StagingFields => (short)(Content.Count + 1);

    /// <summary>The fields of an <c>appointment_events</c> row (<see cref="EventsCopy"/>).</summary>
    public const short EventFields = 5;

    /// <summary>The binary COPY of new appointments (fields as <see cref="RowEncoder.WriteNew"/> writes them).</summary>
    public static string AppointmentsCopy { get; } =
        $"COPY appointments (practice_id, {ContentList}, row_hash, removed, first_batch_id, last_batch_id, last_change) FROM STDIN (FORMAT BINARY)";

    /// <summary>The binary COPY of events.</summary>
    public const string EventsCopy = "COPY appointment_events (practice_id, app_lid, kind, payload, batch_id) FROM STDIN (FORMAT BINARY)";

    /// <summary>The binary COPY of staged (changed or unknown) rows.</summary>
    public static string StagingCopy { get; } = $"COPY staging ({ContentList}, row_hash) FROM STDIN (FORMAT BINARY)";

    /// <summary>The per-load staging table: the content columns with their types, and the row hash.</summary>
    public static string StagingDdl { get; } =
        $"CREATE TEMP TABLE staging ({string.Join(", ", Content.Select(c => $"{c.Name} {c.PgType}{(c.NotNull ? " NOT NULL" : "")}"))}, row_hash uuid NOT NULL) ON COMMIT DROP";

    /// <summary>
    /// What a load reads of the practice's appointments, in this order (<see cref="ExistingAppointments"/> parses the
    /// binary COPY field by field): the key, the row hash, removed, the start.
    /// </summary>
    public const string ClassifyColumns = "app_lid, row_hash, removed, starts_at";

    /// <summary>The columns an event statement needs of a row alias: key, kind, and the payload's columns.</summary>
    public static string EventReturning(string alias) =>
        string.Join(", ", new[] { "app_lid", "last_change" }.Concat(Payload.Select(c => c.Name)).Select(c => $"{alias}.{c}"));

    /// <summary>The payload built on the server from a row alias: the same keys and forms as <see cref="RowEncoder"/> writes.</summary>
    public static string PayloadSql(string alias) =>
        $"json_build_object({string.Join(", ", Payload.Select(c => $"'{c.PayloadKey}', {alias}.{c.Name}"))})";
}
