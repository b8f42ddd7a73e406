using MySqlConnector;
using Npgsql;

namespace RecallFiles.Tests.Infrastructure;

/// <summary>
/// ODBC connection strings (unixODBC with Debian's odbc-mariadb and odbc-postgresql drivers, registered in
/// /etc/odbcinst.ini by their packages) for the same databases the native providers reach.
/// </summary>
internal static class OdbcConnections
{
    public const string MariaDbDriver = "MariaDB Unicode";
    public const string PostgreSqlDriver = "PostgreSQL Unicode";

    private static readonly Lazy<Task<MariaDbServer>> SharedMariaDb = new(StartMariaDbAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>One MariaDB server for the ODBC and generic MySQL tests, started on first use, stopped when the test process exits.</summary>
    public static Task<MariaDbServer> MariaDbAsync() => SharedMariaDb.Value;

    private static async Task<MariaDbServer> StartMariaDbAsync()
    {
        var server = await MariaDbServer.StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }

    /// <summary>The MariaDB ODBC driver's connection string for a MySqlConnector one.</summary>
    public static string MariaDb(string mySqlConnectionString)
    {
        var b = new MySqlConnectionStringBuilder(mySqlConnectionString);
        return $"Driver={{{MariaDbDriver}}};Server={b.Server};Port={b.Port};Database={b.Database};User={b.UserID};Password={b.Password};";
    }

    /// <summary>The psqlODBC driver's connection string for an Npgsql one.</summary>
    public static string PostgreSql(string npgsqlConnectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(npgsqlConnectionString);
        return $"Driver={{{PostgreSqlDriver}}};Server={b.Host};Port={b.Port};Database={b.Database};Uid={b.Username};Pwd={b.Password};";
    }
}
