using Microsoft.Data.Sqlite;
using RecallFiles.Exporter;
using RecallFiles.Exporter.GenericSql;

namespace RecallFiles.Tests.Exporter;

/// <summary>The one provider factory of the generic SQL source and status target.</summary>
[TestClass]
public sealed class SqlProvidersTests
{
    private static string CreateDatabase()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("rf-providers-").FullName, "pms.sqlite");
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        using var create = connection.CreateCommand();
        create.CommandText = "CREATE TABLE t (x integer)";
        create.ExecuteNonQuery();
        return $"Data Source={path};Pooling=False";
    }

    [TestMethod]
    public void CreateConnection_RefusesWrites_WhenReadOnly()
    {
        using var connection = SqlProviders.CreateConnection(SqlProvider.Sqlite, CreateDatabase(), readOnly: true);
        connection.Open();
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO t VALUES (1)";

        var error = Assert.ThrowsExactly<SqliteException>(() => insert.ExecuteNonQuery());
        StringAssert.Contains(error.Message, "readonly");
    }

    [TestMethod]
    public void CreateConnection_AllowsWrites_WhenNotReadOnly()
    {
        using var connection = SqlProviders.CreateConnection(SqlProvider.Sqlite, CreateDatabase(), readOnly: false);
        connection.Open();
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO t VALUES (1)";

        Assert.AreEqual(1, insert.ExecuteNonQuery());
    }

    [TestMethod]
    [DataRow(SqlProvider.PostgreSql, typeof(Npgsql.NpgsqlConnection))]
    [DataRow(SqlProvider.MySql, typeof(MySqlConnector.MySqlConnection))]
    [DataRow(SqlProvider.Sqlite, typeof(SqliteConnection))]
    [DataRow(SqlProvider.SqlServer, typeof(Microsoft.Data.SqlClient.SqlConnection))]
    [DataRow(SqlProvider.Odbc, typeof(System.Data.Odbc.OdbcConnection))]
    public void CreateConnection_UsesTheConfiguredProvider(SqlProvider provider, Type expected)
    {
        using var connection = SqlProviders.CreateConnection(provider, "", readOnly: false);

        Assert.IsInstanceOfType(connection, expected);
    }

    [TestMethod]
    public void Factory_ThrowsNamingTheAllowedProviders_OnAnUnknownValue()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => SqlProviders.Factory((SqlProvider)7));

        StringAssert.Contains(error.Message, "PostgreSql, MySql, Sqlite, SqlServer, Odbc");
    }
}
