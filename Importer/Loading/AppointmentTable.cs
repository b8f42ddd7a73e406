using System.Globalization;
using System.Text.Json;
using RecallFiles.Importer.Feed;
using RecallFiles.Schemas;

namespace RecallFiles.Importer.Loading;

/// <summary>A valid file row with its parsed date and times: what the descriptor's columns read.</summary>
internal readonly record struct LoadRow(AppointmentRecord Record, DateOnly Date, TimeOnly? Start, TimeOnly? End)
{
    /// <summary>The local start: APP_DATE + APP_START_TIME (midnight without a time).</summary>
    public DateTime StartsAt => Date.ToDateTime(Start ?? TimeOnly.MinValue);
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
internal sealed record AppointmentColumn(string Name, ColumnType Type, bool NotNull, string? PayloadKey, Func<LoadRow, string?>? Text = null,
    Func<LoadRow, TimeOnly?>? Time = null)
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

    /// <summary>Appends the row's value as one binary COPY field.</summary>
    public void Encode(in LoadRow row, CopyBuffer buffer)
    {
        switch (Type)
        {
            case ColumnType.Text:
                buffer.Text(Text!(row));
                break;
            case ColumnType.Timestamp:
                buffer.Timestamp(row.StartsAt);
                break;
            case ColumnType.Date:
                buffer.Date(row.Date);
                break;
            default:
                buffer.Time(Time!(row));
                break;
        }
    }

    /// <summary>Writes the row's value under <see cref="PayloadKey"/>, in the form PostgreSQL's json_build_object gives it.</summary>
    public void WritePayload(in LoadRow row, Utf8JsonWriter writer, Span<byte> scratch)
    {
        switch (Type)
        {
            case ColumnType.Text when Text!(row) is { } text:
                writer.WriteString(Key, text);
                break;
            case ColumnType.Timestamp:
                row.StartsAt.TryFormat(scratch, out var n, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
                writer.WriteString(Key, scratch[..n]);
                break;
            case ColumnType.Date:
                row.Date.TryFormat(scratch, out n, "yyyy-MM-dd", CultureInfo.InvariantCulture);
                writer.WriteString(Key, scratch[..n]);
                break;
            case ColumnType.Time when Time!(row) is { } time:
                time.TryFormat(scratch, out n, "HH:mm:ss", CultureInfo.InvariantCulture);
                writer.WriteString(Key, scratch[..n]);
                break;
            default:
                writer.WriteNull(Key);
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
        new("app_lid", ColumnType.Text, true, null, Text: r => r.Record.AppLid),
        new("starts_at", ColumnType.Timestamp, true, AppointmentPayload.Keys.StartsAt),
        new("app_date", ColumnType.Date, true, null),
        new("app_start_time", ColumnType.Time, false, null, Time: r => r.Start),
        new("app_end_time", ColumnType.Time, false, AppointmentPayload.Keys.End, Time: r => r.End),
        new("user_landline_phone", ColumnType.Text, false, AppointmentPayload.Keys.Landline, Text: r => r.Record.UserLandlinePhone),
        new("user_mobile_phone", ColumnType.Text, false, AppointmentPayload.Keys.Mobile, Text: r => r.Record.UserMobilePhone),
        new("user_work_phone", ColumnType.Text, false, null, Text: r => r.Record.UserWorkPhone),
        new("user_email", ColumnType.Text, false, AppointmentPayload.Keys.Email, Text: r => r.Record.UserEmail),
        new("user_language", ColumnType.Text, false, AppointmentPayload.Keys.Language, Text: r => r.Record.UserLanguage),
        new("communication_preferences", ColumnType.Text, false, AppointmentPayload.Keys.Preferences, Text: r => r.Record.CommunicationPreferences),
        new("privacy", ColumnType.Text, false, null, Text: r => r.Record.Privacy),
        new("status", ColumnType.Text, false, AppointmentPayload.Keys.Status, Text: r => r.Record.Status),
        new("resource_lid", ColumnType.Text, true, AppointmentPayload.Keys.Resource, Text: r => r.Record.ResourceLid),
        new("resource_name", ColumnType.Text, true, null, Text: r => r.Record.ResourceName),
        new("resource_mobile_phone", ColumnType.Text, false, null, Text: r => r.Record.ResourceMobilePhone),
        new("resource_email", ColumnType.Text, false, null, Text: r => r.Record.ResourceEmail),
        new("location_lid", ColumnType.Text, false, AppointmentPayload.Keys.Location, Text: r => r.Record.LocationLid),
        new("location_name", ColumnType.Text, false, null, Text: r => r.Record.LocationName),
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
