using Npgsql;
using RecallFiles.Importer.Database;

namespace RecallFiles.Tests.Infrastructure;

/// <summary>
/// One real PostgreSQL server for the whole test assembly: a private cluster (<see cref="PostgresCluster"/>) on
/// 127.0.0.1 with fsync off, started on first use and stopped when the test process exits; or, when
/// <c>RECALLFILES_TEST_PG</c> holds a connection string to a superuser of an existing server, that server. Each
/// test (or class) gets a fresh database of its own, so tests never see each other's rows.
/// </summary>
internal static class PostgresFixture
{
    public const string Variable = "RECALLFILES_TEST_PG";

    private static readonly Lazy<Task<string>> Server = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    private static PostgresCluster? _cluster;
    private static string? _folder;

    /// <summary>The server's admin connection string (database <c>postgres</c>).</summary>
    public static Task<string> AdminConnectionStringAsync() => Server.Value;

    /// <summary>A new empty database migrated to the importer schema; returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var admin = await Server.Value;
        var name = $"{prefix.ToLowerInvariant()}_{Guid.NewGuid():N}"[..Math.Min(60, prefix.Length + 33)];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await Migrator.MigrateAsync(dataSource);
        return connectionString;
    }

    private static async Task<string> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } external)
        {
            return new NpgsqlConnectionStringBuilder(external) { Database = "postgres" }.ConnectionString;
        }

        _folder = Directory.CreateTempSubdirectory("recallfiles-pg-").FullName;
        try
        {
            _cluster = await PostgresCluster.StartAsync(_folder, new PostgresClusterOptions { Durable = false });
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException(
                $"The tests need PostgreSQL: {ex.Message} Run scripts/install-test-deps.sh, or set {Variable} to a superuser connection string of a running server.", ex);
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop();
        return new NpgsqlConnectionStringBuilder(_cluster.ConnectionString) { Database = "postgres" }.ConnectionString;
    }

    private static void Stop()
    {
        if (_cluster is null)
        {
            return;
        }

        _cluster.StopAsync().GetAwaiter().GetResult();
        _cluster = null;
        if (_folder is not null && Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
