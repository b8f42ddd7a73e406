using System.Globalization;
using Microsoft.Data.Sqlite;

namespace RecallFiles.Exporter.Ledger;

/// <summary>The outcome of one export run, as the ledger keeps it.</summary>
public enum ExportStatus
{
    /// <summary>Started, not finished (a crash leaves this; the next run supersedes it).</summary>
    Running,

    /// <summary>Written and validated locally, not uploaded (a dry run).</summary>
    DryRun,

    /// <summary>Uploaded to the drop box.</summary>
    Uploaded,

    /// <summary>Failed; <see cref="ExportEntry.Error"/> says why. The next run exports a fresh snapshot.</summary>
    Failed,

    /// <summary>Never uploaded, and a newer snapshot has been uploaded since: it needs no retry.</summary>
    Superseded,
}

/// <summary>One row of the ledger.</summary>
public sealed record ExportEntry(
    long Id, string PracticeId, DateTimeOffset StartedUtc, DateTimeOffset? FinishedUtc, DateTimeOffset WindowStartUtc, DateTimeOffset WindowEndUtc,
    ExportStatus Status, long? Rows, string? Sha256, string? FileName, string? RemotePath, string? Error);

/// <summary>
/// The agent's record of every export run (SQLite beside the agent): window, rows, SHA-256, remote
/// name, result. Every file is a full snapshot, so a failed upload is not retried as such: the next
/// run uploads a newer snapshot and the older unsent runs are marked superseded.
/// </summary>
public sealed class ExportLedger
{
    private readonly AgentDatabase _database;

    /// <summary>Opens (and creates when missing) the ledger database at <paramref name="path"/>.</summary>
    public ExportLedger(string path)
    {
        _database = new AgentDatabase(path);
        Ids = new ExportedIds(_database);
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS exports (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                practice_id TEXT NOT NULL,
                started_utc TEXT NOT NULL,
                finished_utc TEXT,
                window_start_utc TEXT NOT NULL,
                window_end_utc TEXT NOT NULL,
                status TEXT NOT NULL,
                rows INTEGER,
                sha256 TEXT,
                file_name TEXT,
                remote_path TEXT,
                error TEXT
            );
            CREATE INDEX IF NOT EXISTS exports_practice ON exports (practice_id, id);
            """;
        command.ExecuteNonQuery();
    }

    /// <summary>The APP_LIDs each uploaded export carried (for the status applier's check).</summary>
    public ExportedIds Ids { get; }

    private SqliteConnection Open() => _database.Open();

    private static string Iso(DateTimeOffset value) => AgentDatabase.Iso(value);

    /// <summary>Records the start of a run and returns its id.</summary>
    public long Start(string practiceId, DateTimeOffset startedUtc, ExportWindow window)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO exports (practice_id, started_utc, window_start_utc, window_end_utc, status)
            VALUES ($p, $s, $ws, $we, 'Running') RETURNING id
            """;
        command.Parameters.AddWithValue("$p", practiceId);
        command.Parameters.AddWithValue("$s", Iso(startedUtc));
        command.Parameters.AddWithValue("$ws", Iso(window.StartUtc));
        command.Parameters.AddWithValue("$we", Iso(window.EndUtc));
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Records how a run ended; an upload also supersedes the practice's older unsent runs.</summary>
    public void Finish(long id, ExportStatus status, DateTimeOffset finishedUtc, long? rows = null, string? sha256 = null,
        string? fileName = null, string? remotePath = null, string? error = null)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = """
                UPDATE exports SET status = $st, finished_utc = $f, rows = $r, sha256 = $h, file_name = $n, remote_path = $rp, error = $e
                WHERE id = $id
                """;
            command.Parameters.AddWithValue("$st", status.ToString());
            command.Parameters.AddWithValue("$f", Iso(finishedUtc));
            command.Parameters.AddWithValue("$r", (object?)rows ?? DBNull.Value);
            command.Parameters.AddWithValue("$h", (object?)sha256 ?? DBNull.Value);
            command.Parameters.AddWithValue("$n", (object?)fileName ?? DBNull.Value);
            command.Parameters.AddWithValue("$rp", (object?)remotePath ?? DBNull.Value);
            command.Parameters.AddWithValue("$e", (object?)error ?? DBNull.Value);
            command.Parameters.AddWithValue("$id", id);
            command.ExecuteNonQuery();
        }

        if (status == ExportStatus.Uploaded)
        {
            using var supersede = connection.CreateCommand();
            supersede.Transaction = transaction;
            supersede.CommandText = """
                UPDATE exports SET status = 'Superseded'
                WHERE practice_id = (SELECT practice_id FROM exports WHERE id = $id) AND id < $id AND status IN ('Failed', 'Running')
                """;
            supersede.Parameters.AddWithValue("$id", id);
            supersede.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>Whether a file of the practice was ever uploaded (the next export of one that never was is its initial upload).</summary>
    public bool HasUploaded(string practiceId)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM exports WHERE practice_id = $p AND status = $s)";
        command.Parameters.AddWithValue("$p", practiceId);
        command.Parameters.AddWithValue("$s", ExportStatus.Uploaded.ToString());
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }

    /// <summary>The newest runs first, optionally for one practice.</summary>
    public IReadOnlyList<ExportEntry> List(string? practiceId = null, int limit = 50)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, practice_id, started_utc, finished_utc, window_start_utc, window_end_utc, status, rows, sha256, file_name, remote_path, error
            FROM exports WHERE ($p IS NULL OR practice_id = $p) ORDER BY id DESC LIMIT $l
            """;
        command.Parameters.AddWithValue("$p", (object?)practiceId ?? DBNull.Value);
        command.Parameters.AddWithValue("$l", limit);
        using var reader = command.ExecuteReader();
        var list = new List<ExportEntry>();
        static DateTimeOffset Date(SqliteDataReader r, int i) => AgentDatabase.Date(r.GetString(i));
        while (reader.Read())
        {
            list.Add(new ExportEntry(
                reader.GetInt64(0), reader.GetString(1), Date(reader, 2), reader.IsDBNull(3) ? null : Date(reader, 3), Date(reader, 4), Date(reader, 5),
                Enum.Parse<ExportStatus>(reader.GetString(6)), reader.IsDBNull(7) ? null : reader.GetInt64(7), reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetString(11)));
        }

        return list;
    }

    /// <summary>
    /// Failed runs of the practice not superseded by a later upload (issue 17's <c>ledger_failures</c>): 0 after a successful
    /// export, one more for each failure since.
    /// </summary>
    public int OpenFailures(string practiceId)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM exports WHERE practice_id = $p AND status = 'Failed'";
        command.Parameters.AddWithValue("$p", practiceId);
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
