using System.Data.Common;
using System.Data.Odbc;
using MySqlConnector;
using RecallFiles.Exporter;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Status;

/// <summary>The generic status suite on MariaDB through MySqlConnector.</summary>
[TestClass]
public sealed class MySqlStatusApplyTests : GenericStatusApplyTests
{
    private protected override SqlProvider Provider => SqlProvider.MySql;

    internal static async Task<string> CreateMariaDbPmsAsync()
    {
        var server = await OdbcConnections.MariaDbAsync();
        var connectionString = await server.CreateDatabaseAsync($"pms_status_{Guid.NewGuid():N}"[..30]);
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(Ddl, connection);
        await command.ExecuteNonQueryAsync();
        return connectionString;
    }

    private protected override Task<string> CreatePmsAsync() => CreateMariaDbPmsAsync();

    private protected override DbConnection Connect(string connectionString) => new MySqlConnection(connectionString);
}

/// <summary>The generic status suite on MariaDB through unixODBC and the MariaDB ODBC driver (positional parameters, SQL savepoints).</summary>
[TestClass]
public sealed class OdbcMariaDbStatusApplyTests : GenericStatusApplyTests
{
    private protected override SqlProvider Provider => SqlProvider.Odbc;

    private protected override async Task<string> CreatePmsAsync() => OdbcConnections.MariaDb(await MySqlStatusApplyTests.CreateMariaDbPmsAsync());

    private protected override DbConnection Connect(string connectionString) => new OdbcConnection(connectionString);
}

/// <summary>The generic status suite on PostgreSQL through unixODBC and psqlODBC.</summary>
[TestClass]
public sealed class OdbcPostgreSqlStatusApplyTests : GenericStatusApplyTests
{
    private protected override SqlProvider Provider => SqlProvider.Odbc;

    private protected override async Task<string> CreatePmsAsync() => OdbcConnections.PostgreSql(await PostgreSqlStatusApplyTests.CreatePostgreSqlPmsAsync());

    private protected override DbConnection Connect(string connectionString) => new OdbcConnection(connectionString);
}
