using System.Globalization;
using Microsoft.Data.Sqlite;
using RecallFiles.Exporter.Ledger;

namespace RecallFiles.Exporter.StatusApply;

/// <summary>How far the applier got with one status file (by SHA-256).</summary>
public enum StatusFileState
{
    /// <summary>Seen and being applied; a crash leaves this and the next run applies again (idempotently).</summary>
    Applying,

    /// <summary>Applied (or rejected as a whole); the result file is stored in the ledger, not yet uploaded.</summary>
    Applied,

    /// <summary>The result file is on the drop box.</summary>
    ResultUploaded,

    /// <summary>The status file has been moved to processed/ (or failed/): finished.</summary>
    Archived,
}

/// <summary>One status file in the ledger.</summary>
public sealed record StatusFileEntry(string Sha256, string PracticeId, string FileName, StatusFileState State, string ResultName, byte[]? Result,
    int Attempts, DateTimeOffset FirstSeenUtc, string? Error);

/// <summary>The outcome of one row, as first recorded.</summary>
public sealed record StatusRowEntry(string FileName, string AppLid, string Status, string Result, string? Message, DateTimeOffset AppliedUtc);

/// <summary>
/// The agent's ledger of status files (by SHA-256) and status rows (by practice, file name and APP_LID), in the same
/// SQLite file as <see cref="Ledger.ExportLedger"/> (its own tables). A file whose bytes were applied is never applied
/// again; a row of a file name already applied is answered from the ledger, never written to the PMS a second time.
/// </summary>
public sealed class StatusLedger
{
    private readonly AgentDatabase _database;

    /// <summary>The APP_LIDs this agent's exports carried (the same database as the export ledger).</summary>
    public ExportedIds Exported { get; }

    /// <summary>Opens (and creates when missing) the ledger tables at <paramref name="path"/>.</summary>
    public StatusLedger(string path)
    {
        _database = new AgentDatabase(path);
        Exported = new ExportedIds(_database);
        using var connection = Open();
        RenameOldTables(connection);
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS applied_status_files (
                sha256 TEXT NOT NULL,
                practice_id TEXT NOT NULL,
                file_name TEXT NOT NULL,
                state TEXT NOT NULL,
                result_name TEXT NOT NULL,
                result BLOB,
                attempts INTEGER NOT NULL DEFAULT 0,
                first_seen_utc TEXT NOT NULL,
                updated_utc TEXT NOT NULL,
                error TEXT,
                PRIMARY KEY (practice_id, sha256)
            );
            CREATE TABLE IF NOT EXISTS applied_status_rows (
                practice_id TEXT NOT NULL,
                file_name TEXT NOT NULL,
                app_lid TEXT NOT NULL,
                status TEXT NOT NULL,
                result TEXT NOT NULL,
                message TEXT,
                sha256 TEXT NOT NULL,
                applied_utc TEXT NOT NULL,
                PRIMARY KEY (practice_id, file_name, app_lid)
            );
            CREATE INDEX IF NOT EXISTS status_rows_lid ON applied_status_rows (practice_id, app_lid);
            """;
        command.ExecuteNonQuery();
    }

    private SqliteConnection Open() => _database.Open();

    /// <summary>
    /// Issue 11: the agent's tables were <c>status_files</c>/<c>status_rows</c>, the names of the cloud's different
    /// tables (files the cloud wrote). A ledger made before is renamed in place, once; its rows are kept.
    /// </summary>
    private static void RenameOldTables(SqliteConnection connection)
    {
        foreach (var (old, renamed) in new[] { ("status_files", "applied_status_files"), ("status_rows", "applied_status_rows") })
        {
            using var check = connection.CreateCommand();
            check.CommandText = "SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $o), (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $n)";
            check.Parameters.AddWithValue("$o", old);
            check.Parameters.AddWithValue("$n", renamed);
            using var reader = check.ExecuteReader();
            reader.Read();
            var hasOld = reader.GetInt64(0) > 0;
            var hasNew = reader.GetInt64(1) > 0;
            reader.Close();
            if (hasOld && !hasNew)
            {
                using var rename = connection.CreateCommand();
                rename.CommandText = $"ALTER TABLE {old} RENAME TO {renamed}";
                rename.ExecuteNonQuery();
            }
        }
    }

    private static string Iso(DateTimeOffset value) => AgentDatabase.Iso(value);

    private static DateTimeOffset Date(string value) => AgentDatabase.Date(value);

    /// <summary>The file with these bytes, or null when they were never seen.</summary>
    public StatusFileEntry? Find(string practiceId, string sha256)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT sha256, practice_id, file_name, state, result_name, result, attempts, first_seen_utc, error
            FROM applied_status_files WHERE practice_id = $p AND sha256 = $h
            """;
        command.Parameters.AddWithValue("$p", practiceId);
        command.Parameters.AddWithValue("$h", sha256);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadFile(reader) : null;
    }

    private static StatusFileEntry ReadFile(SqliteDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), Enum.Parse<StatusFileState>(r.GetString(3)),
        r.GetString(4), r.IsDBNull(5) ? null : (byte[])r.GetValue(5), r.GetInt32(6), Date(r.GetString(7)), r.IsDBNull(8) ? null : r.GetString(8));

    /// <summary>Records an attempt at a file (inserting it on first sight) and returns its entry.</summary>
    public StatusFileEntry Begin(string practiceId, string sha256, string fileName, string resultName, DateTimeOffset nowUtc)
    {
        using (var connection = Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                INSERT INTO applied_status_files (sha256, practice_id, file_name, state, result_name, attempts, first_seen_utc, updated_utc)
                VALUES ($h, $p, $n, 'Applying', $r, 1, $t, $t)
                ON CONFLICT (practice_id, sha256) DO UPDATE SET attempts = attempts + 1, updated_utc = $t WHERE state = 'Applying'
                """;
            command.Parameters.AddWithValue("$h", sha256);
            command.Parameters.AddWithValue("$p", practiceId);
            command.Parameters.AddWithValue("$n", fileName);
            command.Parameters.AddWithValue("$r", resultName);
            command.Parameters.AddWithValue("$t", Iso(nowUtc));
            command.ExecuteNonQuery();
        }

        return Find(practiceId, sha256)!;
    }

    /// <summary>The rows already applied for a file name, by APP_LID.</summary>
    public IReadOnlyDictionary<string, StatusRowEntry> RowsOf(string practiceId, string fileName)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT file_name, app_lid, status, result, message, applied_utc FROM applied_status_rows WHERE practice_id = $p AND file_name = $n";
        command.Parameters.AddWithValue("$p", practiceId);
        command.Parameters.AddWithValue("$n", fileName);
        using var reader = command.ExecuteReader();
        var rows = new Dictionary<string, StatusRowEntry>(StringComparer.Ordinal);
        while (reader.Read())
        {
            rows[reader.GetString(1)] = new StatusRowEntry(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), Date(reader.GetString(5)));
        }

        return rows;
    }

    /// <summary>
    /// Records the rows applied and the result file in one transaction, and moves the file to <see cref="StatusFileState.Applied"/>.
    /// Rows already recorded keep their first outcome.
    /// </summary>
    public void Complete(string practiceId, string sha256, string fileName, IEnumerable<StatusRowEntry> rows, byte[] result, string? error, DateTimeOffset nowUtc)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        foreach (var row in rows)
        {
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO applied_status_rows (practice_id, file_name, app_lid, status, result, message, sha256, applied_utc)
                VALUES ($p, $n, $l, $s, $r, $m, $h, $t) ON CONFLICT DO NOTHING
                """;
            insert.Parameters.AddWithValue("$p", practiceId);
            insert.Parameters.AddWithValue("$n", fileName);
            insert.Parameters.AddWithValue("$l", row.AppLid);
            insert.Parameters.AddWithValue("$s", row.Status);
            insert.Parameters.AddWithValue("$r", row.Result);
            insert.Parameters.AddWithValue("$m", (object?)row.Message ?? DBNull.Value);
            insert.Parameters.AddWithValue("$h", sha256);
            insert.Parameters.AddWithValue("$t", Iso(row.AppliedUtc));
            insert.ExecuteNonQuery();
        }

        using (var update = connection.CreateCommand())
        {
            update.Transaction = transaction;
            update.CommandText = "UPDATE applied_status_files SET state = 'Applied', result = $b, error = $e, updated_utc = $t WHERE practice_id = $p AND sha256 = $h";
            update.Parameters.AddWithValue("$b", result);
            update.Parameters.AddWithValue("$e", (object?)error ?? DBNull.Value);
            update.Parameters.AddWithValue("$t", Iso(nowUtc));
            update.Parameters.AddWithValue("$p", practiceId);
            update.Parameters.AddWithValue("$h", sha256);
            update.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>Moves a file forward to <paramref name="state"/> (never backwards).</summary>
    public void Advance(string practiceId, string sha256, StatusFileState state, DateTimeOffset nowUtc)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE applied_status_files SET state = $s, updated_utc = $t WHERE practice_id = $p AND sha256 = $h
              AND (CASE state WHEN 'Applying' THEN 0 WHEN 'Applied' THEN 1 WHEN 'ResultUploaded' THEN 2 ELSE 3 END) < $o
            """;
        command.Parameters.AddWithValue("$s", state.ToString());
        command.Parameters.AddWithValue("$t", Iso(nowUtc));
        command.Parameters.AddWithValue("$p", practiceId);
        command.Parameters.AddWithValue("$h", sha256);
        command.Parameters.AddWithValue("$o", (int)state);
        command.ExecuteNonQuery();
    }

    /// <summary>The newest files first, optionally of one practice.</summary>
    public IReadOnlyList<StatusFileEntry> List(string? practiceId = null, int limit = 50)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT sha256, practice_id, file_name, state, result_name, result, attempts, first_seen_utc, error
            FROM applied_status_files WHERE ($p IS NULL OR practice_id = $p) ORDER BY first_seen_utc DESC LIMIT $l
            """;
        command.Parameters.AddWithValue("$p", (object?)practiceId ?? DBNull.Value);
        command.Parameters.AddWithValue("$l", limit);
        using var reader = command.ExecuteReader();
        var list = new List<StatusFileEntry>();
        while (reader.Read())
        {
            list.Add(ReadFile(reader));
        }

        return list;
    }

    /// <summary>The practice's status rows first applied since <paramref name="sinceUtc"/>, counted by result (<c>OK</c>, <c>CONFLICT</c>, …).</summary>
    public IReadOnlyDictionary<string, int> ResultCounts(string practiceId, DateTimeOffset sinceUtc)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT result, count(*) FROM applied_status_rows WHERE practice_id = $p AND applied_utc >= $s GROUP BY result";
        command.Parameters.AddWithValue("$p", practiceId);
        command.Parameters.AddWithValue("$s", Iso(sinceUtc));
        using var reader = command.ExecuteReader();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        while (reader.Read())
        {
            counts[reader.GetString(0)] = reader.GetInt32(1);
        }

        return counts;
    }

    /// <summary>
    /// The newest status files first, with their rows counted by result (the agent's dashboard, issue 17): OK, CONFLICT,
    /// NOT_FOUND and ERROR.
    /// </summary>
    public IReadOnlyList<StatusFileSummary> Summaries(int limit = 100)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT f.practice_id, f.file_name, f.state, f.first_seen_utc, f.error,
                coalesce(sum(r.result = 'OK'), 0), coalesce(sum(r.result = 'CONFLICT'), 0), coalesce(sum(r.result = 'NOT_FOUND'), 0), coalesce(sum(r.result = 'ERROR'), 0)
            FROM applied_status_files f LEFT JOIN applied_status_rows r ON r.practice_id = f.practice_id AND r.sha256 = f.sha256
            GROUP BY f.practice_id, f.sha256 ORDER BY f.first_seen_utc DESC LIMIT $l
            """;
        command.Parameters.AddWithValue("$l", limit);
        using var reader = command.ExecuteReader();
        var list = new List<StatusFileSummary>();
        while (reader.Read())
        {
            list.Add(new StatusFileSummary(reader.GetString(0), reader.GetString(1), Enum.Parse<StatusFileState>(reader.GetString(2)), Date(reader.GetString(3)),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt32(5), reader.GetInt32(6), reader.GetInt32(7), reader.GetInt32(8)));
        }

        return list;
    }
}

/// <summary>One status file as the agent's dashboard shows it: its state and its rows counted by result.</summary>
public sealed record StatusFileSummary(string PracticeId, string FileName, StatusFileState State, DateTimeOffset FirstSeenUtc, string? Error,
    int Ok, int Conflict, int NotFound, int Failed);
