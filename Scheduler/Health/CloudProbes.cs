using Npgsql;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Hosting;

namespace RecallFiles.Scheduler.Health;

/// <summary>
/// The cloud role's probes for <c>recallfiles check --role cloud|all</c> (issue 14): the configured database, and each
/// drop box (connect, pinned host key, login, root) with the appointment folder of every practice that uses it.
/// </summary>
internal static class CloudProbes
{
    /// <summary>Adds the probes of <paramref name="cloud"/> to <paramref name="catalog"/>.</summary>
    public static ProbeCatalog AddTo(ProbeCatalog catalog, ImportSettings cloud)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(cloud);
        if (cloud.ConnectionString is { } connectionString)
        {
            catalog.Add(new Probe(ProbeKind.Database, "cloud", ct => QueryAsync(connectionString, ImportSettings.DatabaseKey, ct)));
        }
        else
        {
            // The embedded default (no RecallFiles:Database:ConnectionString): the private cluster, started for the check
            // and stopped after it unless something else runs it (EmbeddedCluster).
            catalog.Add(new Probe(ProbeKind.Database, "cloud (private cluster)", async ct =>
            {
                var cluster = await EmbeddedCluster.StartAsync(cloud.DataFolder, ct);
                return $"{await QueryAsync(cluster.ConnectionString, ImportSettings.DatabaseKey, ct)}, in {cluster.Folder}";
            }));
        }

        foreach (var (name, options) in cloud.DropBoxes)
        {
            var folders = cloud.Importer.Practices.Values.Where(p => p.Enabled && p.DropBox == name).Select(p => p.Layout.Appointments);
            catalog.AddDropBox(name, options, folders, createdOnFirstUse: true);
        }

        return catalog;
    }

    /// <summary>
    /// Issue 17, for <c>recallfiles check</c>: a practice configured in JSON and managed in the database is a conflict the
    /// check names with the key (start-up refuses it too). Needs the configured store (the private cluster has no other writer).
    /// </summary>
    public static ProbeCatalog AddPracticesTo(ProbeCatalog catalog, ImportSettings cloud)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(cloud);
        if (cloud.ConnectionString is { } connectionString)
        {
            catalog.Add(new Probe(ProbeKind.Database, "practices (JSON and database)", ct => PracticesAsync(connectionString, cloud, ct)));
        }

        return catalog;
    }

    private static async Task<string> PracticesAsync(string connectionString, ImportSettings cloud, CancellationToken cancellationToken)
    {
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var (rows, _) = await Importer.Practices.ManagedPractices.ReadAsync(dataSource, cancellationToken);
            var conflicts = await Importer.Practices.ManagedPractices.ConflictsAsync(dataSource, cloud.Catalog.Configured, cancellationToken);
            return conflicts.Count > 0
                ? throw new ProbeException(string.Join(" ", conflicts))
                : $"{cloud.Catalog.Configured.Count} configured in JSON, {rows.Count(r => r.Source == Importer.Practices.ManagedPractice.Database)} managed in the database, no id in both";
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedColumn || ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // A store not migrated yet (the first `run` migrates it) has no database practices to disagree with.
            return $"{cloud.Catalog.Configured.Count} configured in JSON; the store is not migrated yet";
        }
        catch (NpgsqlException ex)
        {
            throw new ProbeException($"{ex.Message}; check {ImportSettings.DatabaseKey}", ex);
        }
    }

    private static async Task<string> QueryAsync(string connectionString, string key, CancellationToken cancellationToken)
    {
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT current_user, current_database()", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return $"PostgreSQL {connection.ServerVersion} reachable as {reader.GetString(0)}, database {reader.GetString(1)}";
        }
        catch (Exception ex) when (ex is NpgsqlException or ArgumentException)
        {
            // Npgsql's messages name the server and the user, never the password.
            throw new ProbeException($"{ex.Message}; check {key}", ex);
        }
    }
}
