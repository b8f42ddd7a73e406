using Microsoft.Data.Sqlite;
using RecallFiles.Exporter.StatusApply;

namespace RecallFiles.Tests.Status;

/// <summary>The agent's status ledger keeps its rows when an older agent's tables are renamed (issue 11).</summary>
[TestClass]
public sealed class StatusLedgerTests
{
    [TestMethod]
    public void Open_RenamesTheOldTablesInPlace_AndKeepsTheirRows()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("rf-ledger-").FullName, "agent.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            // The layout an agent of before issue 11 wrote.
            create.CommandText = """
                CREATE TABLE status_files (sha256 TEXT NOT NULL, practice_id TEXT NOT NULL, file_name TEXT NOT NULL, state TEXT NOT NULL,
                    result_name TEXT NOT NULL, result BLOB, attempts INTEGER NOT NULL DEFAULT 0, first_seen_utc TEXT NOT NULL, updated_utc TEXT NOT NULL,
                    error TEXT, PRIMARY KEY (practice_id, sha256));
                CREATE TABLE status_rows (practice_id TEXT NOT NULL, file_name TEXT NOT NULL, app_lid TEXT NOT NULL, status TEXT NOT NULL,
                    result TEXT NOT NULL, message TEXT, sha256 TEXT NOT NULL, applied_utc TEXT NOT NULL, PRIMARY KEY (practice_id, file_name, app_lid));
                INSERT INTO status_files VALUES ('abc', 'OD-01', 'STATUS_OD-01_20261024T100000Z.csv', 'Archived', 'STATUS_RESULT_OD-01_20261024T100000Z.csv',
                    NULL, 1, '2026-10-24T10:00:00.0000000Z', '2026-10-24T10:00:00.0000000Z', NULL);
                INSERT INTO status_rows VALUES ('OD-01', 'STATUS_OD-01_20261024T100000Z.csv', '101', 'APPROVED', 'OK', 'done', 'abc', '2026-10-24T10:00:00.0000000Z');
                """;
            create.ExecuteNonQuery();
        }

        var ledger = new StatusLedger(path);
        _ = new StatusLedger(path); // a second start finds the new names and renames nothing

        Assert.AreEqual(StatusFileState.Archived, ledger.Find("OD-01", "abc")?.State, "bytes applied before stay applied: never applied twice");
        Assert.AreEqual("OK", ledger.RowsOf("OD-01", "STATUS_OD-01_20261024T100000Z.csv")["101"].Result);
        using var check = new SqliteConnection($"Data Source={path};Pooling=False");
        check.Open();
        using var tables = check.CreateCommand();
        tables.CommandText = "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%status%' ORDER BY name)";
        Assert.AreEqual("applied_status_files,applied_status_rows", tables.ExecuteScalar());
    }
}
