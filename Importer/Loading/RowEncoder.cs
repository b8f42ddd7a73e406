using System.Buffers;
using System.IO.Hashing;
using System.Text.Encodings.Web;
using System.Text.Json;
using RecallFiles.Schemas;

namespace RecallFiles.Importer.Loading;

/// <summary>
/// Turns one valid appointment row into binary COPY fields for the load: the stored values in the order of
/// <see cref="AppointmentTable.Content"/>, their 128-bit content hash (XxHash128 of exactly those bytes, so a row whose
/// stored values would not change hashes the same), and, for a new appointment, the <c>appointments</c> row and its
/// <c>added</c> event with the same payload the server builds for the other kinds (<see cref="AppointmentTable.PayloadSql"/>;
/// a test holds the two equal).
/// </summary>
internal sealed class RowEncoder
{
    /// <summary>Bumped whenever the encoding of the content changes: stored hashes of another version never match.</summary>
    private const long HashVersion = 1;

    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
    // The descriptor's order, as plain arrays: the per-row loop switches on the field (a jump table) and writes it.
    private static readonly AppointmentField[] Fields = [.. AppointmentTable.Content.Select(c => c.Field)];
    private static readonly AppointmentField[] PayloadFields = [.. AppointmentTable.Payload.Select(c => c.Field)];
    private static readonly JsonEncodedText[] PayloadKeys = [.. AppointmentTable.Payload.Select(c => c.Key)];
    private static readonly short AppointmentFields = AppointmentTable.AppointmentFields;
    private static readonly short StagingFields = AppointmentTable.StagingFields;

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
    public void Encode(in LoadRow row)
    {
        _content.Clear();
        Write(Fields[0], row); // app_lid, the key
        _appLidLength = _content.Length - 4;
        for (var i = 1; i < Fields.Length; i++)
        {
            Write(Fields[i], row);
        }

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
    public void WriteNew(CopyBuffer appointments, CopyBuffer events, in LoadRow row)
    {
        appointments.StartRow(AppointmentFields);
        appointments.Raw(_prefix.Written);
        appointments.Raw(_content.Written);
        appointments.Uuid(_hash);
        appointments.Raw(_suffix.Written);

        events.StartRow(AppointmentTable.EventFields);
        events.Raw(_prefix.Written);
        events.Raw(_content.Written[..(4 + _appLidLength)]);
        events.Text("added");
        events.Utf8(Payload(row));
        events.Raw(_eventSuffix.Written);
    }

    // The same keys and value forms as json_build_object in AppointmentTable.PayloadSql: timestamp as
    // yyyy-MM-ddTHH:mm:ss, time as HH:mm:ss, text as strings, nulls as null.
    private ReadOnlySpan<byte> Payload(in LoadRow row)
    {
        _json.ResetWrittenCount();
        _jsonWriter.Reset(_json);
        _jsonWriter.WriteStartObject();
        Span<byte> scratch = stackalloc byte[32];
        for (var i = 0; i < PayloadFields.Length; i++)
        {
            AppointmentColumn.WritePayload(PayloadFields[i], PayloadKeys[i], row, _jsonWriter, scratch);
        }

        _jsonWriter.WriteEndObject();
        _jsonWriter.Flush();
        return _json.WrittenSpan;
    }

    private void Write(AppointmentField field, in LoadRow row)
    {
        switch (field)
        {
            case AppointmentField.StartsAt:
                _content.Timestamp(row.StartsAt);
                break;
            case AppointmentField.AppDate:
                _content.Date(row.Date);
                break;
            case AppointmentField.AppStartTime:
                _content.Time(row.Start);
                break;
            case AppointmentField.AppEndTime:
                _content.Time(row.End);
                break;
            default:
                _content.Text(row.Text(field));
                break;
        }
    }
}
