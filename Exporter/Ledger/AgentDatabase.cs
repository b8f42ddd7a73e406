using System.Globalization;
using Microsoft.Data.Sqlite;

namespace RecallFiles.Exporter.Ledger;

/// <summary>The agent's SQLite file (export and status ledgers): one connection string, one time format.</summary>
internal sealed class AgentDatabase
{
    private readonly string _connectionString;

    public AgentDatabase(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        // Both ledgers may write at once (an export and a status apply): wait for the lock rather than fail.
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 60 }.ToString();
    }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Instants are stored as ISO 8601 UTC text.</summary>
    public static string Iso(DateTimeOffset value) => value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    public static DateTimeOffset Date(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
