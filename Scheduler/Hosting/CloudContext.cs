using Npgsql;
using RecallFiles.Importer.Database;
using RecallFiles.Scheduler.Cli;
using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Scheduler.Hosting;

/// <summary>
/// The cloud role's store, opened once per host: the configured PostgreSQL (<c>RecallFiles:Database:ConnectionString</c>)
/// or the private cluster (<see cref="EmbeddedCluster"/>), migrated, with the configured practices mirrored.
/// Hangfire's storage uses the same database (schema <c>hangfire</c>) unless <c>RecallFiles:Hangfire:PostgreSql</c> is set.
/// </summary>
internal sealed class CloudContext : IAsyncDisposable
{
    private CloudContext(ImportSettings settings, string connectionString, NpgsqlDataSource dataSource, bool embedded)
    {
        Settings = settings;
        ConnectionString = connectionString;
        DataSource = dataSource;
        Embedded = embedded;
    }

    public ImportSettings Settings { get; }

    /// <summary>The store's connection string (a secret: never logged).</summary>
    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>True when the store is the private cluster.</summary>
    public bool Embedded { get; }

    /// <summary>The private cluster's folder, when <see cref="Embedded"/>.</summary>
    public string? ClusterFolder { get; private init; }

    /// <summary>True when the cloud role has anything to do: practices configured.</summary>
    public static bool IsConfigured(RecallFilesSettings settings) => settings.Configuration.GetSection("RecallFiles:Practices").GetChildren().Any();

    /// <summary>Opens the store; throws <see cref="SettingsException"/> for a wrong configuration.</summary>
    public static async Task<CloudContext> OpenAsync(RecallFilesSettings settings, CancellationToken cancellationToken)
    {
        var import = ImportSettings.From(settings);
        var embedded = import.ConnectionString is null;
        var connectionString = import.ConnectionString;
        string? clusterFolder = null;
        if (connectionString is null)
        {
            // Started on demand; stopped when the verb or host that started it ends (EmbeddedCluster).
            var cluster = await EmbeddedCluster.StartAsync(settings.DataFolder, cancellationToken);
            connectionString = cluster.ConnectionString;
            clusterFolder = cluster.Folder;
        }

        var dataSource = await (import with { ConnectionString = connectionString }).OpenStoreAsync(cancellationToken);
        return new CloudContext(import, connectionString, dataSource, embedded) { ClusterFolder = clusterFolder };
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
