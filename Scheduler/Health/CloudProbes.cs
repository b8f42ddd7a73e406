using Npgsql;
using RecallFiles.Scheduler.Configuration;

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
            catalog.Add(new Probe(ProbeKind.Database, "cloud", async ct =>
            {
                try
                {
                    await using var dataSource = NpgsqlDataSource.Create(connectionString);
                    await using var connection = await dataSource.OpenConnectionAsync(ct);
                    await using var command = new NpgsqlCommand("SELECT current_user, current_database()", connection);
                    await using var reader = await command.ExecuteReaderAsync(ct);
                    await reader.ReadAsync(ct);
                    return $"PostgreSQL {connection.ServerVersion} reachable as {reader.GetString(0)}, database {reader.GetString(1)}";
                }
                catch (Exception ex) when (ex is NpgsqlException or ArgumentException)
                {
                    // Npgsql's messages name the server and the user, never the password.
                    throw new ProbeException($"{ex.Message}; check {ImportSettings.DatabaseKey}", ex);
                }
            }));
        }

        foreach (var (name, options) in cloud.DropBoxes)
        {
            var folders = cloud.Importer.Practices.Values.Where(p => p.Enabled && p.DropBox == name).Select(p => p.Layout.Appointments);
            catalog.AddDropBox(name, options, folders, createdOnFirstUse: true);
        }

        return catalog;
    }
}
