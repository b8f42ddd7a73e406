using Npgsql;
using NpgsqlTypes;

namespace RecallFiles.Importer.Database;

/// <summary>The importer's SQL helpers: positional commands with the long timeout, and the advisory locks.</summary>
internal static class Sql
{
    // A million-row snapshot keeps single statements busy for tens of seconds on a small machine: far past Npgsql's
    // default of 30 s. A broken connection still fails at once; this only bounds a statement that is working.
    public static readonly TimeSpan LongCommandTimeout = TimeSpan.FromMinutes(10);

    /// <summary>A command with positional parameters <c>$1…</c>; a null is sent untyped (the server infers it).</summary>
    public static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params object?[] values)
    {
        var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = (int)LongCommandTimeout.TotalSeconds };
        foreach (var value in values)
        {
            command.Parameters.Add(Parameter(value));
        }

        return command;
    }

    /// <summary>
    /// One statement of a <see cref="Batch"/>, with positional parameters <c>$1…</c> like <see cref="Command"/>. Statements
    /// that return no rows go after those that do: a batch's reader is read in order.
    /// </summary>
    public static NpgsqlBatchCommand Statement(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(Parameter(value));
        }

        return command;
    }

    /// <summary>
    /// Several statements sent in one round trip (issue 18: a small file's load was ~25 of them), run in order in
    /// <paramref name="transaction"/>; the first that fails fails the batch (and the transaction).
    /// </summary>
    public static NpgsqlBatch Batch(NpgsqlConnection connection, NpgsqlTransaction? transaction, params IEnumerable<NpgsqlBatchCommand> statements)
    {
        var batch = new NpgsqlBatch(connection, transaction) { Timeout = (int)LongCommandTimeout.TotalSeconds };
        foreach (var statement in statements)
        {
            batch.BatchCommands.Add(statement);
        }

        return batch;
    }

    private static NpgsqlParameter Parameter(object? value) => value switch
    {
        null => new NpgsqlParameter { Value = DBNull.Value },
        DateTime { Kind: DateTimeKind.Unspecified } local => new NpgsqlParameter { Value = local, NpgsqlDbType = NpgsqlDbType.Timestamp },
        _ => new NpgsqlParameter { Value = value },
    };
}

/// <summary>
/// A session advisory lock on a name (<c>hashtextextended(name, 0)</c>), held on its own connection until disposed:
/// one holder at a time across every server on the database. Used so runs of one practice's flow never overlap
/// (<c>recallfiles.pickup:{id}</c>, <c>recallfiles.status-export:{id}</c>); and the transaction locks of the feed, the
/// migrations and the reminder engine. Every advisory lock of the product is taken here.
/// </summary>
public sealed class AdvisoryLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly string _name;

    private AdvisoryLock(NpgsqlConnection connection, string name)
    {
        _connection = connection;
        _name = name;
    }

    /// <summary>Takes the lock, or returns <see langword="null"/> at once when another session holds it.</summary>
    internal static async Task<AdvisoryLock?> TryAcquireAsync(NpgsqlDataSource dataSource, string name, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = Sql.Command(connection, null, "SELECT pg_try_advisory_lock(hashtextextended($1, 0))", name);
            if ((bool)(await command.ExecuteScalarAsync(cancellationToken))!)
            {
                var held = new AdvisoryLock(connection, name);
                connection = null;
                return held;
            }

            return null;
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Takes a transaction-scoped advisory lock on <paramref name="key"/>, waiting for it: released at commit or
    /// rollback (the feed lock, the migrations lock).
    /// </summary>
    public static async Task TransactionLockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long key, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction, TransactionLockSql, key);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary><see cref="TransactionLockAsync"/> as one statement of a <see cref="Sql.Batch"/>.</summary>
    internal static NpgsqlBatchCommand TransactionLockStatement(long key) => Sql.Statement(TransactionLockSql, key);

    private const string TransactionLockSql = "SELECT pg_advisory_xact_lock($1)";

    /// <summary>Releases the lock (the connection closing would release it too).</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var unlock = Sql.Command(_connection, null, "SELECT pg_advisory_unlock(hashtextextended($1, 0))", _name);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
        finally
        {
            await _connection.DisposeAsync();
        }
    }
}
