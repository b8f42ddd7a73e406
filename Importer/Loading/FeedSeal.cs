using Npgsql;
using RecallFiles.Importer.Database;

namespace RecallFiles.Importer.Loading;

/// <summary>
/// A load's place in the feed (<c>feed_commits</c>): <see cref="StartAsync"/> before its first event notes a lower bound
/// of its event ids; <see cref="SealStatements"/>, the last statements before COMMIT, take the feed lock and record the
/// commit's sequence number and id range. The lock is held from there to the commit only, so loads of other practices
/// never wait for a large one (issue 18), and commits still become visible in sequence order.
/// </summary>
internal sealed class FeedSeal
{
    // pg_advisory_xact_lock key: "RecallF" + feed. Taken by SealStatements only, released by the commit.
    public const long FeedLockKey = 0x5265_6361_6c6c_4602;

    private const string EventIds = "pg_get_serial_sequence('appointment_events', 'id')";

    /// <summary>The statement that takes an event id, a lower bound of every id this session takes after it.</summary>
    public const string NextEventId = $"SELECT nextval({EventIds})";

    private long? _afterId;

    /// <summary>True once the load noted where its events start.</summary>
    public bool Started => _afterId is not null;

    /// <summary>The load took its lower bound already (<see cref="NextEventId"/>, with the batch's lock: issue 18).</summary>
    public void StartedAt(long afterId) => _afterId ??= afterId;

    /// <summary>Before the load's first event: every event id this session takes from now on is above the one taken here.</summary>
    public async Task StartAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        if (_afterId is not null)
        {
            return;
        }

        await using var next = Sql.Command(connection, transaction, NextEventId);
        _afterId = (long)(await next.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// The last statements before COMMIT of a load that wrote events for <paramref name="batchId"/>: the feed lock, then
    /// the commit's row (its ids end at this session's last one, <c>currval</c>). None when the load wrote no event.
    /// </summary>
    public IEnumerable<NpgsqlBatchCommand> SealStatements(long batchId)
    {
        if (_afterId is not { } afterId)
        {
            return [];
        }

        return
        [
            AdvisoryLock.TransactionLockStatement(FeedLockKey),
            Sql.Statement($"""
                INSERT INTO feed_commits (seq, batch_id, after_id, last_id) VALUES (nextval('feed_commit_seq'), $1, $2, currval({EventIds}))
                """, batchId, afterId),
        ];
    }
}
