using System.Data;
using System.Runtime.ExceptionServices;
using System.Text.RegularExpressions;
using Npgsql;
using RecallFiles.Importer.Database;

namespace RecallFiles.Importer.Loading;

/// <summary>
/// Issue 18: reading a large practice's rows while the file is parsed. The load's transaction exports its snapshot
/// (taken after the practice's row lock, so no other load of the practice can change what it shows before this load
/// commits) and a second connection reads the rows in exactly that snapshot (<c>SET TRANSACTION SNAPSHOT</c>), indexing
/// them in steps. The loader's parsing thread classifies each row as soon as its APP_LID is indexed, so the read and the
/// parse overlap: a practice's rows come back in about the order its files list them. An APP_LID not (yet) indexed waits
/// for the next step, and is only taken as absent once every row is in.
/// </summary>
internal sealed partial class ExistingAppointments
{
    // Wakes a classifying thread that waits for the next Index; taken once a step, and by a miss while rows arrive.
    private readonly object _gate = new();
    private volatile bool _loaded; // the last Index is published: a miss is final
    private volatile Exception? _failure;
    private CancellationTokenSource? _stop;

    // Rows indexed and published at a time while reading concurrently (a few milliseconds of the reading thread's work).
    private const int PublishEvery = 8192;

    /// <summary>The concurrent read (<see cref="StartReadingAsync"/>); completed at once for <see cref="LoadAsync"/>.</summary>
    public Task Reading { get; private set; } = Task.CompletedTask;

    /// <summary>
    /// Starts reading what <see cref="LoadAsync"/> reads on a connection of its own, in the snapshot of the load's
    /// <paramref name="transaction"/>, and returns at once; <see cref="Classify"/> and <see cref="MarkSeen(string)"/>
    /// wait for the rows they need. Await <see cref="Reading"/> before the window's counts, and <see cref="StopAsync"/>
    /// before the load's transaction ends (the snapshot must outlive the read). PostgreSQL exports no snapshot from a
    /// subtransaction: a <paramref name="savepoint"/> the load has set (and written nothing after) is released for the
    /// export and set again, in the same round trip.
    /// </summary>
    public static async Task<ExistingAppointments> StartReadingAsync(NpgsqlDataSource dataSource, NpgsqlConnection connection, NpgsqlTransaction transaction,
        string practiceId, DateTime from, int maxHistory, string? savepoint, CancellationToken cancellationToken)
    {
        string snapshot;
        await using (var export = savepoint is null
            ? Sql.Batch(connection, transaction, Sql.Statement("SELECT pg_export_snapshot()"))
            : Sql.Batch(connection, transaction, Sql.Statement("RELEASE SAVEPOINT " + savepoint), Sql.Statement("SELECT pg_export_snapshot()"),
                Sql.Statement("SAVEPOINT " + savepoint)))
        {
            snapshot = (string)(await export.ExecuteScalarAsync(cancellationToken))!;
        }

        if (!SnapshotId().IsMatch(snapshot))
        {
            throw new InvalidDataException($"pg_export_snapshot() returned '{snapshot}', not a snapshot id"); // it is spliced into SQL below
        }

        var table = new ExistingAppointments { _loaded = false, _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken) };
        var stop = table._stop.Token;
        // Not Task.Run(…, stop): a task cancelled before it runs would never wake a waiting Classify.
        table.Reading = Task.Run(() => table.ReadInSnapshotAsync(dataSource, snapshot, practiceId, from, maxHistory, stop), CancellationToken.None);
        return table;
    }

    /// <summary>Stops a concurrent read that is still running and waits for it to end, without observing its outcome.</summary>
    public async Task StopAsync()
    {
        if (_stop is null)
        {
            return;
        }

        if (!Reading.IsCompleted)
        {
            await _stop.CancelAsync();
        }

        // Its failure, if any, was thrown to the loader by Classify or by awaiting Reading, or the load is already failing.
        await Task.WhenAny(Reading);
        _stop.Dispose();
        _stop = null;
    }

    private async Task ReadInSnapshotAsync(NpgsqlDataSource dataSource, string snapshot, string practiceId, DateTime from, int maxHistory, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
            await using (var set = Sql.Command(connection, transaction, $"SET TRANSACTION SNAPSHOT '{snapshot}'"))
            {
                await set.ExecuteNonQueryAsync(cancellationToken);
            }

            await FillAsync(connection, transaction, practiceId, from, maxHistory, PublishEvery, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            lock (_gate)
            {
                _loaded = true;
                Monitor.PulseAll(_gate);
            }
        }
        catch (Exception ex)
        {
            lock (_gate)
            {
                _failure = ex;
                Monitor.PulseAll(_gate);
            }

            throw;
        }
    }

    /// <summary>Waits until an Index newer than <paramref name="index"/> is published or the read has ended; throws its failure.</summary>
    private Index WaitForNewer(Index index)
    {
        lock (_gate)
        {
            while (ReferenceEquals(_index, index) && !_loaded && _failure is null)
            {
                Monitor.Wait(_gate);
            }
        }

        if (_failure is { } failure && !_loaded)
        {
            ExceptionDispatchInfo.Throw(failure);
        }

        return _index;
    }

    private void Published()
    {
        if (_stop is not null)
        {
            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        }
    }

    private Index Loaded()
    {
        if (!_loaded)
        {
            throw new InvalidOperationException("the practice's appointments are still being read: await Reading first"); // a bug in the loader
        }

        return _index;
    }

    [GeneratedRegex("^[0-9A-Fa-f-]+$")]
    private static partial Regex SnapshotId();
}
