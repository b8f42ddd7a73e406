using Npgsql;
using RecallFiles.Importer.Database;

namespace RecallFiles.Importer.Feed;

/// <summary>A consumer's place in the feed: the commit (<c>feed_commits.seq</c>) and the last event id handled in it.</summary>
/// <param name="Seq">The commit.</param>
/// <param name="Id">The last event handled in it (its <c>after_id</c> when none yet).</param>
public readonly record struct FeedPosition(long Seq, long Id);

/// <summary>
/// Reads the feed in commit order (migration <c>0500_feed_commits.sql</c>): each load that wrote events records, as the
/// last statement before its COMMIT and under the feed lock, its sequence number and the range of ids its events took.
/// Commits become visible in sequence order, so a reader that goes commit by commit, and through each commit's events
/// by id, never skips an event that commits later and never hands one out twice.
/// </summary>
public static class FeedCommits
{
    // Commits looked at per read: the events of one large commit are read in pages of the caller's size.
    private const int CommitsPerRead = 200;

    /// <summary>The events after <paramref name="from"/> (at most <paramref name="max"/>) and the position after them.</summary>
    public static async Task<(List<AppointmentEvent> Events, FeedPosition To)> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, FeedPosition from, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var commits = new List<(long Seq, long? BatchId, long AfterId, long LastId)>();
        await using (var select = Sql.Command(connection, transaction,
            "SELECT seq, batch_id, after_id, last_id FROM feed_commits WHERE seq >= $1 ORDER BY seq LIMIT $2", from.Seq, CommitsPerRead))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                commits.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
            }
        }

        var events = new List<AppointmentEvent>();
        var to = from;
        foreach (var commit in commits)
        {
            var after = commit.Seq == from.Seq ? Math.Max(from.Id, commit.AfterId) : commit.AfterId;
            var want = max - events.Count;
            var found = await ReadCommitAsync(connection, transaction, commit.BatchId, after, commit.LastId, want, events, cancellationToken);
            if (found == want && events.Count > 0 && events[^1].Id < commit.LastId)
            {
                // Full: the commit may have more; the next read goes on after the last event handed out.
                return (events, new FeedPosition(commit.Seq, events[^1].Id));
            }

            to = new FeedPosition(commit.Seq, commit.LastId);
            if (events.Count >= max)
            {
                break;
            }
        }

        return (events, to);
    }

    private static async Task<int> ReadCommitAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long? batchId, long after, long last, int max,
        List<AppointmentEvent> into, CancellationToken cancellationToken)
    {
        const string Columns = "id, practice_id, app_lid, kind, payload::text, batch_id";
        await using var select = batchId is { } batch
            ? Sql.Command(connection, transaction,
                $"SELECT {Columns} FROM appointment_events WHERE id > $1 AND id <= $2 AND batch_id = $3 ORDER BY id LIMIT $4", after, last, batch, max)
            : Sql.Command(connection, transaction,
                $"SELECT {Columns} FROM appointment_events WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3", after, last, max);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var count = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            into.Add(new AppointmentEvent(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetInt64(5)));
            count++;
        }

        return count;
    }
}
