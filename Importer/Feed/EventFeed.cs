using Npgsql;
using RecallFiles.Importer.Database;

namespace RecallFiles.Importer.Feed;

/// <summary>One change of one appointment, as appended by a load.</summary>
/// <param name="Id">Unique id, increasing within one load; the feed hands events out in the order their loads committed (<see cref="FeedCommits"/>).</param>
/// <param name="PracticeId">The practice.</param>
/// <param name="AppLid">The appointment.</param>
/// <param name="Kind"><c>added</c>, <c>changed</c>, <c>status-changed</c> or <c>removed</c>.</param>
/// <param name="Payload">JSON with the keys of <see cref="AppointmentPayload.Keys"/>; read it with <see cref="ReadPayload"/>.</param>
/// <param name="BatchId">The batch that caused it.</param>
public sealed record AppointmentEvent(long Id, string PracticeId, string AppLid, string Kind, string Payload, long? BatchId)
{
    /// <summary>The payload, read (<see cref="AppointmentPayload.Parse"/>).</summary>
    public AppointmentPayload ReadPayload() => AppointmentPayload.Parse(Payload);
}

/// <summary>
/// Reads <c>appointment_events</c> for one named consumer from its cursor (<c>event_cursors</c>). The handler runs in
/// the same transaction that advances the cursor, so a consumer that writes its own tables through the given
/// connection processes every event exactly once, even when it crashes. <see cref="WaitAsync"/> sleeps until a load
/// sends <c>NOTIFY appointment_events</c> (or a timeout, as a safety net).
/// </summary>
public sealed class EventFeed : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private NpgsqlConnection? _listener;

    /// <summary>Creates the feed of <paramref name="consumer"/> (a stable name such as <c>reminders</c>).</summary>
    public EventFeed(NpgsqlDataSource dataSource, string consumer)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        _dataSource = dataSource;
        Consumer = consumer;
    }

    /// <summary>The NOTIFY channel a load signals at commit; the payload is the practice id.</summary>
    public const string NotifyChannel = "appointment_events";

    /// <summary>The consumer's name (its row in <c>event_cursors</c>).</summary>
    public string Consumer { get; }

    /// <summary>
    /// Hands the next events after the cursor (at most <paramref name="max"/>, in commit order: <see cref="FeedCommits"/>)
    /// to <paramref name="handler"/> and moves the cursor past them, in one transaction; returns how many were handled (0
    /// when there is nothing new). Two instances of one consumer never handle the same events: the cursor row is locked
    /// for the transaction.
    /// </summary>
    public async Task<int> ProcessNextAsync(Func<IReadOnlyList<AppointmentEvent>, NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task> handler, int max = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var create = Sql.Command(connection, transaction, "INSERT INTO event_cursors (consumer) VALUES ($1) ON CONFLICT (consumer) DO NOTHING", Consumer))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        FeedPosition from;
        await using (var claim = Sql.Command(connection, transaction, "SELECT last_seq, last_id FROM event_cursors WHERE consumer = $1 FOR UPDATE", Consumer))
        await using (var reader = await claim.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            from = new FeedPosition(reader.GetInt64(0), reader.GetInt64(1));
        }

        var (events, to) = await FeedCommits.ReadAsync(connection, transaction, from, max, cancellationToken);
        if (to == from)
        {
            await transaction.RollbackAsync(cancellationToken);
            return 0;
        }

        if (events.Count > 0)
        {
            await handler(events, connection, transaction, cancellationToken);
        }

        await using (var advance = Sql.Command(connection, transaction,
            "UPDATE event_cursors SET last_seq = $2, last_id = $3, updated_at = now() WHERE consumer = $1", Consumer, to.Seq, to.Id))
        {
            await advance.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return events.Count;
    }

    /// <summary>Waits until a load notifies new events, or <paramref name="timeout"/> (positive) passes. Returns true when notified.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        var listener = await ListenAsync(cancellationToken);
        return await listener.WaitAsync(timeout, cancellationToken);
    }

    /// <summary>Starts listening now, so that a notification sent before the first <see cref="WaitAsync"/> is not missed.</summary>
    public async Task<NpgsqlConnection> ListenAsync(CancellationToken cancellationToken = default)
    {
        if (_listener is null)
        {
            _listener = await _dataSource.OpenConnectionAsync(cancellationToken);
            await using var listen = new NpgsqlCommand($"LISTEN {NotifyChannel}", _listener);
            await listen.ExecuteNonQueryAsync(cancellationToken);
        }

        return _listener;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_listener is { } listener)
        {
            _listener = null;
            await using (listener)
            {
                if (listener.FullState == System.Data.ConnectionState.Open)
                {
                    // The pool does not reset its connections (StoreConnection.Tuned): a listener must not go back listening.
                    await using var unlisten = new NpgsqlCommand("UNLISTEN *", listener);
                    await unlisten.ExecuteNonQueryAsync();
                }
            }
        }
    }
}
