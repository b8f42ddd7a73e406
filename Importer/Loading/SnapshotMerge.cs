using Npgsql;
using RecallFiles.Importer.Database;
using RecallFiles.Importer.Feed;

namespace RecallFiles.Importer.Loading;

/// <summary>
/// The set-based end of a load: merge the staged rows into <c>appointments</c>, mark the unnamed ones removed, each
/// change with its event in <c>appointment_events</c> (payload built from <see cref="AppointmentTable"/>), and notify.
/// </summary>
internal static class SnapshotMerge
{
    /// <summary>
    /// Merges the staged rows (appointments the practice has whose stored values differ or that were removed, and rows
    /// not among the appointments read, which may be new) and appends their events; returns (added, changed). Rows
    /// whose hash differed but whose values are equal (a hash of an older version, or none yet) only get the new hash:
    /// no event.
    /// </summary>
    public static async Task<(long Added, long Changed)> MergeStagedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BatchRow batch, CancellationToken cancellationToken)
    {
        await using (var analyze = Sql.Command(connection, transaction, "ANALYZE staging"))
        {
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        }

        long added, changed;
        var set = string.Join(", ", AppointmentTable.Compared.Select(c => $"{c} = excluded.{c}"));
        await using (var merge = Sql.Command(connection, transaction, $"""
            WITH up AS (
                INSERT INTO appointments AS a (practice_id, {AppointmentTable.ContentList}, row_hash, removed, first_batch_id, last_batch_id, last_change, updated_at)
                SELECT $1, {AppointmentTable.ContentList}, row_hash, false, $2, $2, 'added', now() FROM staging
                ON CONFLICT (practice_id, app_lid) DO UPDATE SET {set}, row_hash = excluded.row_hash, removed = false, last_batch_id = excluded.last_batch_id,
                    last_change = CASE WHEN a.removed THEN 'added' WHEN a.status IS DISTINCT FROM excluded.status THEN 'status-changed' ELSE 'changed' END,
                    updated_at = now()
                WHERE a.removed OR ({string.Join(", ", AppointmentTable.Compared.Select(c => "a." + c))}) IS DISTINCT FROM ({string.Join(", ", AppointmentTable.Compared.Select(c => "excluded." + c))})
                RETURNING {AppointmentTable.EventReturning("a")}
            ), ev AS (
                INSERT INTO appointment_events (practice_id, app_lid, kind, payload, batch_id)
                SELECT $1, x.app_lid, x.last_change, {AppointmentTable.PayloadSql("x")}, $2 FROM up x
                RETURNING kind
            )
            SELECT count(*) FILTER (WHERE kind = 'added'), count(*) FILTER (WHERE kind <> 'added') FROM ev
            """, batch.PracticeId, batch.Id))
        await using (var reader = await merge.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            added = reader.GetInt64(0);
            changed = reader.GetInt64(1);
        }

        await using (var heal = Sql.Command(connection, transaction, """
            UPDATE appointments a SET row_hash = s.row_hash FROM staging s
            WHERE a.practice_id = $1 AND a.app_lid = s.app_lid AND a.row_hash IS DISTINCT FROM s.row_hash
            """, batch.PracticeId))
        {
            await heal.ExecuteNonQueryAsync(cancellationToken);
        }

        return (added, changed);
    }

    /// <summary>Marks the appointments of the window the snapshot did not name removed, each with its <c>removed</c> event; returns how many.</summary>
    public static async Task<long> RemoveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BatchRow batch, IReadOnlyList<string> gone, CancellationToken cancellationToken)
    {
        await using var removal = Sql.Command(connection, transaction, $"""
            WITH removed AS (
                UPDATE appointments a SET removed = true, last_batch_id = $2, last_change = 'removed', updated_at = now()
                FROM unnest($3::text[]) AS g (app_lid) WHERE a.practice_id = $1 AND a.app_lid = g.app_lid AND NOT a.removed
                RETURNING {AppointmentTable.EventReturning("a")}
            ), ev AS (
                INSERT INTO appointment_events (practice_id, app_lid, kind, payload, batch_id)
                SELECT $1, x.app_lid, 'removed', {AppointmentTable.PayloadSql("x")}, $2 FROM removed x
                RETURNING 1
            )
            SELECT count(*) FROM ev
            """, batch.PracticeId, batch.Id, gone.ToArray());
        return (long)(await removal.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Wakes the feed's consumers (<see cref="EventFeed.NotifyChannel"/>; the payload is the practice id) at commit.</summary>
    public static NpgsqlBatchCommand Notify(string practiceId) => Sql.Statement($"SELECT pg_notify('{EventFeed.NotifyChannel}', $1)", practiceId);
}
