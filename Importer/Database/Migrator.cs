using Npgsql;

namespace RecallFiles.Importer.Database;

/// <summary>
/// Brings a database up to the importer's schema: the embedded <c>Migrations/*.sql</c> scripts in name order, each
/// once (recorded in <c>schema_migrations</c>), in one transaction under an advisory lock so that several servers
/// starting at once do not race. Safe to run on every start.
/// </summary>
public static class Migrator
{
    private const string Prefix = "RecallFiles.Importer.Migrations.";

    // pg_advisory_xact_lock key: "RecallFiles migrations".
    private const long LockKey = 0x5265_6361_6c6c_4d01;

    /// <summary>The migration names this build knows, in order.</summary>
    public static IReadOnlyList<string> Known { get; } = typeof(Migrator).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..])
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>Applies the missing migrations; returns the names applied now.</summary>
    public static async Task<IReadOnlyList<string>> MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await AdvisoryLock.TransactionLockAsync(connection, transaction, LockKey, cancellationToken);

        await using (var create = new NpgsqlCommand(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())", connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        var done = new HashSet<string>(StringComparer.Ordinal);
        await using (var select = new NpgsqlCommand("SELECT name FROM schema_migrations", connection, transaction))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                done.Add(reader.GetString(0));
            }
        }

        var applied = new List<string>();
        foreach (var name in Known.Where(n => !done.Contains(n)))
        {
            await using (var script = new NpgsqlCommand(Read(name), connection, transaction))
            {
                await script.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (name) VALUES ($1)", connection, transaction))
            {
                record.Parameters.Add(new NpgsqlParameter { Value = name });
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            applied.Add(name);
        }

        await transaction.CommitAsync(cancellationToken);
        return applied;
    }

    private static string Read(string name)
    {
        using var stream = typeof(Migrator).Assembly.GetManifestResourceStream(Prefix + name)
            ?? throw new InvalidOperationException($"migration {name} is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
