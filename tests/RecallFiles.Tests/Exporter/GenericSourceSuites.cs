using Microsoft.Data.Sqlite;
using MySqlConnector;
using Npgsql;
using RecallFiles.Exporter;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Exporter;

/// <summary>The generic source suite on SQLite (opened with Mode=ReadOnly).</summary>
[TestClass]
public sealed class SqliteSourceTests : GenericSourceSuite
{
    private protected override SqlProvider Provider => SqlProvider.Sqlite;

    private protected override string Query => """
        SELECT v.id AS APP_LID, substr(v.starts, 1, 10) AS APP_DATE, substr(v.starts, 12, 5) AS APP_START_TIME, substr(v.ends, 12, 5) AS APP_END_TIME,
               v.home AS USER_LANDLINE_PHONE, v.cell AS USER_MOBILE_PHONE, v.mail AS USER_EMAIL,
               v.doctor AS RESOURCE_LID, d.name AS RESOURCE_NAME, NULL AS RESOURCE_MOBILE_PHONE, NULL AS RESOURCE_EMAIL,
               v.room AS LOCATION_LID, 'Room ' || v.room AS LOCATION_NAME
        FROM visits v JOIN doctors d ON d.id = v.doctor
        WHERE v.cancelled = 0 AND v.starts >= @WindowStart AND v.starts < @WindowEnd
        ORDER BY v.starts, v.id
        """;

    private protected override string Refusal => "readonly";

    private protected override async Task<string> CreateReadOnlyPmsAsync()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("rf-suite-sqlite-").FullName, "pms.sqlite");
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
        await ExecuteAsync(new SqliteConnection(connectionString), Layout("text"));
        return connectionString;
    }
}

/// <summary>The generic source suite on MariaDB through MySqlConnector, as a user with SELECT only.</summary>
[TestClass]
public sealed class MySqlSourceTests : GenericSourceSuite
{
    private protected override SqlProvider Provider => SqlProvider.MySql;

    private protected override string Refusal => "DELETE command denied";

    internal static async Task<string> CreateMariaDbPmsAsync()
    {
        var server = await OdbcConnections.MariaDbAsync();
        var database = $"suite_{Guid.NewGuid():N}"[..24];
        await ExecuteAsync(new MySqlConnection(await server.CreateDatabaseAsync(database)), Layout("datetime"));
        return await server.CreateReadOnlyUserAsync(database, "ro_" + database[6..], "read-only-pw");
    }

    private protected override Task<string> CreateReadOnlyPmsAsync() => CreateMariaDbPmsAsync();
}

/// <summary>The generic source suite on MariaDB through unixODBC and the MariaDB ODBC driver.</summary>
[TestClass]
public sealed class OdbcMariaDbSourceTests : GenericSourceSuite
{
    private protected override SqlProvider Provider => SqlProvider.Odbc;

    private protected override string Refusal => "DELETE command denied";

    private protected override async Task<string> CreateReadOnlyPmsAsync() => OdbcConnections.MariaDb(await MySqlSourceTests.CreateMariaDbPmsAsync());
}

/// <summary>The generic source suite on PostgreSQL through unixODBC and psqlODBC.</summary>
[TestClass]
public sealed class OdbcPostgreSqlSourceTests : GenericSourceSuite
{
    private protected override SqlProvider Provider => SqlProvider.Odbc;

    private protected override string Refusal => "read-only";

    private protected override async Task<string> CreateReadOnlyPmsAsync() => OdbcConnections.PostgreSql(await PostgreSqlExportTests.CreatePmsAsync());
}
