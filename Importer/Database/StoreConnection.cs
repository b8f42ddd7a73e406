using Npgsql;

namespace RecallFiles.Importer.Database;

/// <summary>The store's connection settings the importer relies on for speed, applied unless the connection string sets them.</summary>
public static class StoreConnection
{
    /// <summary>
    /// <paramref name="connectionString"/> with <c>Max Auto Prepare=64</c> when it sets none: the statements every file
    /// runs (claim, history, the load's checks and its record, some 20 of them) are prepared once per connection instead
    /// of parsed and planned for every file (issue 18: a small file cost PostgreSQL more CPU in planning than in its rows).
    /// </summary>
    public static string Tuned(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase) && !connectionString.Contains("AutoPrepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxAutoPrepare = 64;
        }

        return builder.ConnectionString;
    }
}
