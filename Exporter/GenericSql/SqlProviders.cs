using System.Data.Common;

namespace RecallFiles.Exporter.GenericSql;

/// <summary>
/// The one place a <see cref="SqlProvider"/> becomes an ADO.NET connection, for the generic SQL source (read-only) and
/// the generic SQL status target (read-write).
/// </summary>
internal static class SqlProviders
{
    /// <summary>The provider's factory; <see cref="ArgumentException"/> for a value outside <see cref="SqlProvider"/>.</summary>
    public static DbProviderFactory Factory(SqlProvider provider) => provider switch
    {
        SqlProvider.PostgreSql => Npgsql.NpgsqlFactory.Instance,
        SqlProvider.MySql => MySqlConnector.MySqlConnectorFactory.Instance,
        SqlProvider.Sqlite => Microsoft.Data.Sqlite.SqliteFactory.Instance,
        SqlProvider.SqlServer => Microsoft.Data.SqlClient.SqlClientFactory.Instance,
        SqlProvider.Odbc => System.Data.Odbc.OdbcFactory.Instance,
        _ => throw new ArgumentException($"unknown Provider {provider}; allowed: {string.Join(", ", Enum.GetNames<SqlProvider>())}", nameof(provider)),
    };

    /// <summary>
    /// A connection that is not open yet. <paramref name="readOnly"/> asks the provider for a read-only session where
    /// it has a switch for it (SQLite, SQL Server; a PostgreSQL reader skips the type catalogue instead); docs/exporter.md shows the least-privilege user for the others. ODBC
    /// has a read-only connection attribute that System.Data.Odbc does not expose, and drivers honour it unevenly: through
    /// ODBC the least-privilege user is the guarantee.
    /// Throws <see cref="ArgumentException"/> for an unknown provider or a malformed connection string.
    /// </summary>
    public static DbConnection CreateConnection(SqlProvider provider, string connectionString, bool readOnly)
    {
        if (provider == SqlProvider.PostgreSql && readOnly)
        {
            return ReadingDataSources.GetOrAdd(connectionString, static cs =>
                new Npgsql.NpgsqlDataSourceBuilder(cs).ConfigureTypeLoading(t => t.EnableTypeLoading(false)).Build()).CreateConnection();
        }

        var connection = Factory(provider).CreateConnection()
            ?? throw new ArgumentException($"the {provider} provider cannot create connections", nameof(provider));
        var configured = false;
        try
        {
            connection.ConnectionString = readOnly ? ReadOnly(provider, connectionString) : connectionString;
            configured = true;
            return connection;
        }
        finally
        {
            if (!configured)
            {
                connection.Dispose();
            }
        }
    }

    // Issue 18: the export reads every PostgreSQL column as text (binary COPY with ::text casts, or CSV COPY), so Npgsql's
    // first-open load of the server's type catalogue (a pg_type query and its mapping, ~0.1 s of a run) buys nothing;
    // built-in types (bool, timestamps, numbers) stay known. One data source per connection string for the process's
    // life, as Npgsql keeps one behind a plain NpgsqlConnection.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Npgsql.NpgsqlDataSource> ReadingDataSources = new(StringComparer.Ordinal);

    /// <summary>What to check besides the connection string when a connection fails (ODBC: the DSN and driver lists of unixODBC or Windows).</summary>
    public static string Hint(SqlProvider provider) => provider == SqlProvider.Odbc
        ? " (a DSN must be defined in odbc.ini or the ODBC Data Source Administrator, `odbcinst -q -s` lists them; a Driver={…} name must be installed, `odbcinst -q -d` lists them)"
        : "";

    private static string ReadOnly(SqlProvider provider, string connectionString) => provider switch
    {
        SqlProvider.Sqlite => new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString) { Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadOnly }.ToString(),
        SqlProvider.SqlServer => new Microsoft.Data.SqlClient.SqlConnectionStringBuilder(connectionString) { ApplicationIntent = Microsoft.Data.SqlClient.ApplicationIntent.ReadOnly }.ToString(),
        _ => connectionString,
    };
}
