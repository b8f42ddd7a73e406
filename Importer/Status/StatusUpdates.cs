using Npgsql;
using RecallFiles.Importer.Database;
using RecallFiles.Schemas;

namespace RecallFiles.Importer.Status;

/// <summary>The states of a status update (table <c>status_updates</c>).</summary>
public static class StatusUpdateStates
{
    /// <summary>Recorded, waiting for the next status export (not the wire value PENDING).</summary>
    public const string Queued = "queued";

    /// <summary>A newer answer for the same APP_LID was queued before the export: this one is never sent.</summary>
    public const string Replaced = "replaced";

    public const string Exported = "exported";
    public const string Applied = "applied";
    public const string Conflicted = "conflicted";
    public const string Failed = "failed";
    public const string NotFound = "not_found";

    /// <summary>The state a result code leads to.</summary>
    public static string From(StatusResultCode code) => code switch
    {
        StatusResultCode.Ok => Applied,
        StatusResultCode.Conflict => Conflicted,
        StatusResultCode.NotFound => NotFound,
        _ => Failed,
    };
}

/// <summary>One status update as <c>status-updates</c> lists it.</summary>
public sealed record StatusUpdateRow(long Id, string PracticeId, string AppLid, string Status, string State, string? FileName, string? ResultMessage, DateTime CreatedAt);

/// <summary>
/// Status updates: the answers (patient replies, support, the API) the cloud sends back to a practice's PMS, in
/// <c>status_updates</c>. Recorded here, exported by <see cref="StatusExport"/>, answered by <see cref="ResultsImport"/>.
/// </summary>
public static class StatusUpdates
{
    /// <summary>
    /// Records a status update for an appointment the cloud knows, with the date, time and resource it knows now (so
    /// the PMS side can detect a move) and its contact fields. Returns the update's id.
    /// </summary>
    public static async Task<long> AddAsync(NpgsqlDataSource dataSource, string practiceId, string appLid, AppointmentStatus status, string source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var insert = Sql.Command(connection, null, """
            INSERT INTO status_updates (practice_id, app_lid, status, app_date, app_start_time, resource_lid, user_landline_phone, user_mobile_phone, user_email, source)
            SELECT practice_id, app_lid, $3, app_date, app_start_time, resource_lid, user_landline_phone, user_mobile_phone, user_email, $4
            FROM appointments WHERE practice_id = $1 AND app_lid = $2
            RETURNING id
            """, practiceId, appLid, status.ToWire(), source);
        return await insert.ExecuteScalarAsync(cancellationToken) is long id
            ? id
            : throw new NotFoundException($"practice {practiceId} has no appointment {appLid} in the cloud store; a status update needs the schedule the cloud knows");
    }

    /// <summary>Status updates, newest first.</summary>
    public static async Task<IReadOnlyList<StatusUpdateRow>> ListAsync(NpgsqlDataSource dataSource, string? practiceId, string? state, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var select = Sql.Command(connection, null, """
            SELECT id, practice_id, app_lid, status, state, file_name, result_message, created_at FROM status_updates
            WHERE ($1::text IS NULL OR practice_id = $1) AND ($2::text IS NULL OR state = $2) ORDER BY id DESC LIMIT $3
            """, practiceId, state, limit);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var rows = new List<StatusUpdateRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new StatusUpdateRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetDateTime(7)));
        }

        return rows;
    }
}
