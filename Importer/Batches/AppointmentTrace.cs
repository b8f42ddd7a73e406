using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Npgsql;
using RecallFiles.Schemas;

namespace RecallFiles.Importer.Batches;

/// <summary>A batch that carried the appointment, with its row as the file gave it (contact data masked).</summary>
/// <param name="Id">The batch.</param>
/// <param name="RemoteName">Its file.</param>
/// <param name="State">Its state.</param>
/// <param name="ClaimedAt">When its file was taken (UTC).</param>
/// <param name="Line">The row's line in the file, or null when the archive could not be read.</param>
/// <param name="Row">The row's fields as received (masked), or empty.</param>
/// <param name="Note">Why the row is not shown, or null.</param>
public sealed record TraceBatch(long Id, string RemoteName, string State, DateTimeOffset ClaimedAt, long? Line, IReadOnlyList<KeyValuePair<string, string>> Row, string? Note);

/// <summary>One moment of an appointment's life: a file received, an event, a reminder, a reply, a status update, a PMS result.</summary>
/// <param name="At">When (UTC).</param>
/// <param name="Kind"><c>batch</c>, <c>event</c>, <c>reminder</c>, <c>reply</c>, <c>status</c> or <c>pms</c>.</param>
/// <param name="What">What happened (contact data masked).</param>
/// <param name="BatchId">The batch it came with, if any.</param>
public sealed record TraceEntry(DateTimeOffset At, string Kind, string What, long? BatchId = null);

/// <summary>Everything the cloud store knows about one appointment, in one timeline.</summary>
/// <param name="PracticeId">The practice.</param>
/// <param name="AppLid">The appointment's id in the PMS.</param>
/// <param name="Current">The appointment as stored now (masked), or null when the store never had it.</param>
/// <param name="Batches">The batches that carried it, newest first.</param>
/// <param name="Timeline">Every entry, oldest first.</param>
public sealed record AppointmentTraceResult(string PracticeId, string AppLid, IReadOnlyList<KeyValuePair<string, string>>? Current,
    IReadOnlyList<TraceBatch> Batches, IReadOnlyList<TraceEntry> Timeline);

/// <summary>
/// <c>recallfiles trace PRACTICE APP_LID</c> and the dashboard's Trace page (issue 14): the batches that carried an
/// appointment — those that added, changed or removed it (its events) and the one that first brought it; the loader
/// writes nothing for a row that did not change, so the files in between are not recorded per row — with the row as
/// each file gave it (read back from the archived copy), its events, its reminders and their delivery, the patient's
/// replies, the status updates sent to the PMS and what the PMS did with them, in one timeline. Phones and e-mails
/// are masked here, so neither the CLI nor the page can show them.
/// </summary>
public static class AppointmentTrace
{
    /// <summary>At most this many batches are read back from the archive (newest first).</summary>
    public const int MaxBatches = 50;

    /// <summary>Traces <paramref name="appLid"/> of <paramref name="practiceId"/>.</summary>
    public static async Task<AppointmentTraceResult> TraceAsync(NpgsqlDataSource dataSource, string practiceId, string appLid, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentException.ThrowIfNullOrEmpty(practiceId);
        ArgumentException.ThrowIfNullOrEmpty(appLid);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var timeline = new List<TraceEntry>();
        var current = await CurrentAsync(connection, practiceId, appLid, cancellationToken);
        await ReadAsync(connection, """
            SELECT created_at, kind, batch_id, payload::text FROM appointment_events WHERE practice_id = $1 AND app_lid = $2 ORDER BY id
            """, practiceId, appLid, r => timeline.Add(new TraceEntry(At(r, 0), "event", $"{r.GetString(1)}: {Payload(r.GetString(3))}", r.IsDBNull(2) ? null : r.GetInt64(2))), cancellationToken);
        await ReadAsync(connection, """
            SELECT created_at, kind, label, channel, address, due_at, state, reason, sent_at, receipt, updated_at, attempts
            FROM reminders WHERE practice_id = $1 AND app_lid = $2 ORDER BY id
            """, practiceId, appLid, r =>
            {
                var to = r.GetString(3) == "email" ? Mask.Email(r.GetString(4)) : Mask.Phone(r.GetString(4));
                var what = $"{r.GetString(1)} {r.GetString(2)} by {r.GetString(3)} to {to}";
                timeline.Add(new TraceEntry(At(r, 0), "reminder", $"{what}: planned for {At(r, 5):yyyy-MM-dd HH:mm}Z"));
                var state = r.GetString(6);
                if (!r.IsDBNull(8))
                {
                    timeline.Add(new TraceEntry(At(r, 8), "reminder", $"{what}: sent{(r.IsDBNull(9) ? "" : $", receipt {r.GetString(9)}")}"));
                }

                if (state is not ("planned" or "sent"))
                {
                    timeline.Add(new TraceEntry(At(r, 10), "reminder", $"{what}: {state}{(r.IsDBNull(7) ? "" : $" ({Mask.Echo(r.GetString(7))})")}, {r.GetInt32(11)} attempt(s)"));
                }
            }, cancellationToken);
        await ReadAsync(connection, """
            SELECT u.created_at, u.id, u.status, u.source, u.state, u.file_name, f.uploaded_at, f.result_at, u.result_message, u.updated_at
            FROM status_updates u LEFT JOIN status_files f ON f.id = u.status_file_id
            WHERE u.practice_id = $1 AND u.app_lid = $2 ORDER BY u.id
            """, practiceId, appLid, r =>
            {
                var source = r.GetString(3);
                var kind = source is "sms" or "email" ? "reply" : "status";
                timeline.Add(new TraceEntry(At(r, 0), kind, $"status update {r.GetInt64(1)}: {r.GetString(2)} (from {source})"));
                if (!r.IsDBNull(5))
                {
                    timeline.Add(new TraceEntry(r.IsDBNull(6) ? At(r, 9) : At(r, 6), "status", $"status update {r.GetInt64(1)} sent to the PMS in {r.GetString(5)}"));
                }

                if (r.GetString(4) is "applied" or "conflicted" or "failed" or "not_found")
                {
                    timeline.Add(new TraceEntry(r.IsDBNull(7) ? At(r, 9) : At(r, 7), "pms",
                        $"status update {r.GetInt64(1)}: the PMS reported {r.GetString(4)}{(r.IsDBNull(8) ? "" : ": " + Mask.Echo(r.GetString(8)))}"));
                }
            }, cancellationToken);

        var batchIds = timeline.Where(e => e.BatchId is not null).Select(e => e.BatchId!.Value).ToHashSet();
        if (current?.FirstBatch is { } first)
        {
            batchIds.Add(first);
        }

        var batches = new List<TraceBatch>();
        foreach (var id in batchIds.OrderDescending().Take(MaxBatches))
        {
            if (await BatchQueries.FindAsync(dataSource, id, cancellationToken) is not { } batch)
            {
                continue;
            }

            var claimed = new DateTimeOffset(DateTime.SpecifyKind(batch.ClaimedAt, DateTimeKind.Utc));
            var (line, row, note) = await RowAsReceivedAsync(batch.ArchivePath, batch.RemoteName, appLid, cancellationToken);
            batches.Add(new TraceBatch(batch.Id, batch.RemoteName, batch.State, claimed, line, row, note));
            timeline.Add(new TraceEntry(claimed, "batch", $"file {batch.RemoteName} received (batch {batch.Id}, now {batch.State})" +
                (line is { } l ? string.Create(CultureInfo.InvariantCulture, $", line {l}") : ""), batch.Id));
        }

        return new AppointmentTraceResult(practiceId, appLid, current?.Fields, batches, [.. timeline.OrderBy(e => e.At).ThenBy(e => e.Kind == "batch" ? 0 : 1)]);
    }

    private sealed record Current(IReadOnlyList<KeyValuePair<string, string>> Fields, long FirstBatch);

    private static async Task<Current?> CurrentAsync(NpgsqlConnection connection, string practiceId, string appLid, CancellationToken cancellationToken)
    {
        Current? current = null;
        await ReadAsync(connection, "SELECT * FROM appointments WHERE practice_id = $1 AND app_lid = $2", practiceId, appLid, r =>
        {
            var fields = new List<KeyValuePair<string, string>>();
            for (var i = 0; i < r.FieldCount; i++)
            {
                var name = r.GetName(i);
                if (r.IsDBNull(i) || name is "practice_id" or "row_hash")
                {
                    continue;
                }

                var raw = r.GetValue(i);
                var value = raw is DateTime at ? at.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : Convert.ToString(raw, CultureInfo.InvariantCulture) ?? "";
                fields.Add(new(name, raw is string ? MaskField(name, value) : value));
            }

            current = new Current(fields, r.GetInt64(r.GetOrdinal("first_batch_id")));
        }, cancellationToken);
        return current;
    }

    /// <summary>The row of <paramref name="appLid"/> as the archived file gave it; a file that cannot be read says why.</summary>
    private static async Task<(long? Line, IReadOnlyList<KeyValuePair<string, string>> Row, string? Note)> RowAsReceivedAsync(string? archivePath, string name, string appLid,
        CancellationToken cancellationToken)
    {
        if (archivePath is null || !File.Exists(archivePath))
        {
            return (null, [], "the archived copy is not there");
        }

        try
        {
            await using var file = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            using var reader = ContractReader.OpenAppointments(file, name);
            foreach (var row in reader.ReadRows(cancellationToken))
            {
                if (string.Equals(row.Record.AppLid, appLid, StringComparison.Ordinal))
                {
                    var fields = typeof(AppointmentRecord).GetProperties(BindingFlags.Public | BindingFlags.Instance)
                        .Select(p => (p.Name, Value: Convert.ToString(p.GetValue(row.Record), CultureInfo.InvariantCulture)))
                        .Where(p => !string.IsNullOrEmpty(p.Value))
                        .Select(p => new KeyValuePair<string, string>(p.Name, MaskField(p.Name, p.Value!))).ToList();
                    return (row.Line, fields, row.IsValid ? null : "the row was invalid: " + string.Join("; ", row.Problems.Select(p => p.Message)));
                }
            }

            return (null, [], "the file does not name it");
        }
        catch (ContractFileException ex)
        {
            return (null, [], "the file could not be read: " + ex.Problem.Message);
        }
    }

    // Contact columns by their kind; ids as they are (an APP_LID of seven digits is not a phone); any other text as a
    // message repeats a file's value (a shifted row may carry a phone in a name column).
    private static string MaskField(string name, string value) =>
        name.Contains("email", StringComparison.OrdinalIgnoreCase) ? Mask.Email(value)
        : name.Contains("phone", StringComparison.OrdinalIgnoreCase) ? Mask.Phone(value)
        : name.EndsWith("lid", StringComparison.OrdinalIgnoreCase) || name.EndsWith("_id", StringComparison.Ordinal) ? value
        : Mask.Echo(value);

    // An event's payload with its contact values masked.
    private static string Payload(string json)
    {
        using var document = JsonDocument.Parse(json);
        var parts = new List<string>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var value = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() ?? "" : property.Value.GetRawText();
            if (value is "" or "null")
            {
                continue;
            }

            parts.Add($"{property.Name}={(property.Name is "mobile" or "landline" ? Mask.Phone(value) : property.Name == "email" ? Mask.Email(value) : Mask.Echo(value))}");
        }

        return string.Join(", ", parts);
    }

    private static DateTimeOffset At(NpgsqlDataReader reader, int i) => new(DateTime.SpecifyKind(reader.GetDateTime(i).ToUniversalTime(), DateTimeKind.Utc));

    private static async Task ReadAsync(NpgsqlConnection connection, string sql, string practiceId, string appLid, Action<NpgsqlDataReader> each, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = practiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = appLid });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            each(reader);
        }
    }
}
