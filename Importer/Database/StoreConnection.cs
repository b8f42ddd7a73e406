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
    /// <remarks>
    /// Also <c>No Reset On Close=true</c> when it says nothing about it: a pooled connection is not reset (one round trip
    /// and seven commands: RESET ALL, CLOSE ALL, UNLISTEN *, pg_advisory_unlock_all(), DISCARD SEQUENCES/TEMP) each time it
    /// is handed out, 5.5 times per small file (issue 18). The product leaves no session state behind to reset: its
    /// session advisory locks are released by <see cref="AdvisoryLock"/> and the alert evaluator, the feed's listener
    /// unlistens before it goes back to the pool (<see cref="Feed.EventFeed"/>), its temporary table is dropped at commit
    /// and it sets nothing for the session; <c>StoreConnectionTests</c> hold that true.
    /// </remarks>
    public static string Tuned(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase) && !connectionString.Contains("AutoPrepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxAutoPrepare = 64;
        }

        if (!connectionString.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase) && !connectionString.Contains("ResetOnClose", StringComparison.OrdinalIgnoreCase))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
    }
}
