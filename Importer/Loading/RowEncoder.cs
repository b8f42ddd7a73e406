using System.Buffers;
using System.Globalization;
using System.IO.Hashing;
using System.Text.Encodings.Web;
using System.Text.Json;
using RecallFiles.Schemas;

namespace RecallFiles.Importer.Loading;

/// <summary>
/// Turns one valid appointment row into binary COPY fields for <see cref="BatchLoader"/>: the stored values in
/// the order of the staging columns (BatchLoader.StagingColumns), their 128-bit content hash (XxHash128 of exactly those bytes, so a
/// row whose stored values would not change hashes the same), and, for a new appointment, the <c>appointments</c> row
/// and its <c>added</c> event with the same payload the server builds for the other kinds (see
/// <see cref="BatchLoader"/>'s payload SQL; a test holds the two equal).
/// </summary>
internal sealed class RowEncoder
{
    /// <summary>Bumped whenever the encoding of the content changes: stored hashes of another version never match.</summary>
    private const long HashVersion = 1;

    // Fields of an appointments row: practice, content (19), row_hash, removed, first_batch_id, last_batch_id, last_change.
    public const short AppointmentFields = 1 + ContentFields + 5;

    // Fields of an appointment_events row: practice_id, app_lid, kind, payload, batch_id.
    public const short EventFields = 5;

    // Fields of a staging row: content (19), row_hash.
    public const short StagingFields = ContentFields + 1;

    private const short ContentFields = 19;

    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    private readonly CopyBuffer _content = new(1024);
    private readonly CopyBuffer _prefix = new(64); // practice field
    private readonly CopyBuffer _suffix = new(64); // removed = false, first/last batch, 'added'
    private readonly CopyBuffer _eventSuffix = new(64); // batch_id
    private readonly ArrayBufferWriter<byte> _json = new(512);
    private readonly Utf8JsonWriter _jsonWriter;
    private readonly byte[] _hash = new byte[16];
    private int _appLidLength;

    public RowEncoder(string practiceId, long batchId)
    {
        _prefix.Text(practiceId);
        _suffix.Bool(false);
        _suffix.Int64(batchId);
        _suffix.Int64(batchId);
        _suffix.Text("added");
        _eventSuffix.Int64(batchId);
        _jsonWriter = new Utf8JsonWriter(_json, JsonOptions);
    }

    /// <summary>The content hash of the row last encoded.</summary>
    public UInt128 Hash { get; private set; }

    /// <summary>The UTF-8 APP_LID of the row last encoded.</summary>
    public ReadOnlySpan<byte> AppLid => _content.Written.Slice(4, _appLidLength);

    /// <summary>Encodes a valid row's stored values and hashes them.</summary>
    public void Encode(AppointmentRecord r, DateOnly date, TimeOnly? start, TimeOnly? end)
    {
        _content.Clear();
        _content.Text(r.AppLid);
        _appLidLength = _content.Length - 4;
        _content.Timestamp(date.ToDateTime(start ?? TimeOnly.MinValue));
        _content.Date(date);
        _content.Time(start);
        _content.Time(end);
        _content.Text(r.UserLandlinePhone);
        _content.Text(r.UserMobilePhone);
        _content.Text(r.UserWorkPhone);
        _content.Text(r.UserEmail);
        _content.Text(r.UserLanguage);
        _content.Text(r.CommunicationPreferences);
        _content.Text(r.Privacy);
        _content.Text(r.Status);
        _content.Text(r.ResourceLid);
        _content.Text(r.ResourceName);
        _content.Text(r.ResourceMobilePhone);
        _content.Text(r.ResourceEmail);
        _content.Text(r.LocationLid);
        _content.Text(r.LocationName);
        XxHash128.Hash(_content.Written, _hash, HashVersion);
        Hash = System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(_hash);
    }

    /// <summary>Appends the last encoded row to the staging COPY (a changed appointment).</summary>
    public void WriteStaging(CopyBuffer staging)
    {
        staging.StartRow(StagingFields);
        staging.Raw(_content.Written);
        staging.Uuid(_hash);
    }

    /// <summary>Appends the last encoded row as a new appointment, and its <c>added</c> event.</summary>
    public void WriteNew(CopyBuffer appointments, CopyBuffer events, AppointmentRecord r, DateOnly date, TimeOnly? start, TimeOnly? end)
    {
        appointments.StartRow(AppointmentFields);
        appointments.Raw(_prefix.Written);
        appointments.Raw(_content.Written);
        appointments.Uuid(_hash);
        appointments.Raw(_suffix.Written);

        events.StartRow(EventFields);
        events.Raw(_prefix.Written);
        events.Raw(_content.Written[..(4 + _appLidLength)]);
        events.Text("added");
        events.Utf8(Payload(r, date, start, end));
        events.Raw(_eventSuffix.Written);
    }

    // The same keys and value forms as json_build_object in BatchLoader's payload SQL: timestamp as
    // yyyy-MM-ddTHH:mm:ss, time as HH:mm:ss, text as strings, nulls as null.
    private ReadOnlySpan<byte> Payload(AppointmentRecord r, DateOnly date, TimeOnly? start, TimeOnly? end)
    {
        _json.ResetWrittenCount();
        _jsonWriter.Reset(_json);
        var w = _jsonWriter;
        w.WriteStartObject();
        Span<byte> text = stackalloc byte[32];
        date.ToDateTime(start ?? TimeOnly.MinValue).TryFormat(text, out var n, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        w.WriteString("starts_at"u8, text[..n]);
        if (end is { } e)
        {
            e.TryFormat(text, out n, "HH:mm:ss", CultureInfo.InvariantCulture);
            w.WriteString("end"u8, text[..n]);
        }
        else
        {
            w.WriteNull("end"u8);
        }

        String(w, "mobile"u8, r.UserMobilePhone);
        String(w, "landline"u8, r.UserLandlinePhone);
        String(w, "email"u8, r.UserEmail);
        String(w, "language"u8, r.UserLanguage);
        String(w, "preferences"u8, r.CommunicationPreferences);
        String(w, "status"u8, r.Status);
        String(w, "resource"u8, r.ResourceLid);
        String(w, "location"u8, r.LocationLid);
        w.WriteEndObject();
        w.Flush();
        return _json.WrittenSpan;
    }

    private static void String(Utf8JsonWriter w, ReadOnlySpan<byte> name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }
}
