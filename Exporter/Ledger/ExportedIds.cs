using System.Buffers;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Data.Sqlite;

namespace RecallFiles.Exporter.Ledger;

/// <summary>
/// Which APP_LIDs this agent has uploaded, per export (issue 13): the status applier refuses a status for an appointment
/// the agent never exported in the last days (<c>Status:ExportedWithinDays</c>), so a forged or mistaken status file cannot
/// touch an appointment the cloud never knew. Each uploaded export keeps one sorted array of 64-bit XxHash3 values of its
/// APP_LIDs (8 bytes a row: a 1M-row export adds 8 MB to the agent's SQLite file, a 300-row one 2.4 KB) in the agent
/// ledger's database; a lookup reads one export's array at a time, so memory stays bounded by the largest export.
/// Entries older than the look-back are pruned at each upload.
/// </summary>
public sealed class ExportedIds
{
    private readonly AgentDatabase _database;

    /// <summary>Opens (and creates when missing) the table in the agent database at <paramref name="path"/>.</summary>
    public ExportedIds(string path)
        : this(new AgentDatabase(path))
    {
    }

    internal ExportedIds(AgentDatabase database)
    {
        _database = database;
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS exported_ids (
                export_id INTEGER PRIMARY KEY,
                practice_id TEXT NOT NULL,
                exported_utc TEXT NOT NULL,
                ids BLOB NOT NULL
            );
            CREATE INDEX IF NOT EXISTS exported_ids_practice ON exported_ids (practice_id, exported_utc);
            """;
        command.ExecuteNonQuery();
    }

    /// <summary>The 64-bit hash an APP_LID is kept as (XxHash3 of its UTF-8 bytes).</summary>
    public static ulong Hash(string appLid)
    {
        ArgumentNullException.ThrowIfNull(appLid);
        Span<byte> stack = stackalloc byte[256];
        var max = Encoding.UTF8.GetMaxByteCount(appLid.Length);
        byte[]? rented = max > stack.Length ? ArrayPool<byte>.Shared.Rent(max) : null;
        try
        {
            var buffer = rented ?? stack;
            var length = Encoding.UTF8.GetBytes(appLid, buffer);
            return XxHash3.HashToUInt64(buffer[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Records the APP_LID hashes of one uploaded export (sorted here; the array is reused) and prunes the practice's
    /// entries older than <paramref name="keepSince"/>.
    /// </summary>
    public void Record(long exportId, string practiceId, DateTimeOffset exportedUtc, ulong[] hashes, int count, DateTimeOffset keepSince)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        var span = hashes.AsSpan(0, count);
        span.Sort();
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = "INSERT OR REPLACE INTO exported_ids (export_id, practice_id, exported_utc, ids) VALUES ($id, $p, $t, $ids)";
            insert.Parameters.AddWithValue("$id", exportId);
            insert.Parameters.AddWithValue("$p", practiceId);
            insert.Parameters.AddWithValue("$t", AgentDatabase.Iso(exportedUtc));
            insert.Parameters.Add("$ids", SqliteType.Blob).Value = MemoryMarshal.AsBytes(span).ToArray();
            insert.ExecuteNonQuery();
        }

        using (var prune = connection.CreateCommand())
        {
            prune.Transaction = transaction;
            prune.CommandText = "DELETE FROM exported_ids WHERE practice_id = $p AND exported_utc < $t";
            prune.Parameters.AddWithValue("$p", practiceId);
            prune.Parameters.AddWithValue("$t", AgentDatabase.Iso(keepSince));
            prune.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>Of <paramref name="appLids"/>, the ones no export of the practice since <paramref name="since"/> carried.</summary>
    public IReadOnlySet<string> NotExportedSince(string practiceId, IEnumerable<string> appLids, DateTimeOffset since)
    {
        var wanted = new Dictionary<ulong, List<string>>();
        foreach (var lid in appLids.Distinct(StringComparer.Ordinal))
        {
            var hash = Hash(lid);
            if (!wanted.TryGetValue(hash, out var list))
            {
                wanted[hash] = list = [];
            }

            list.Add(lid);
        }

        if (wanted.Count > 0)
        {
            using var connection = _database.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT ids FROM exported_ids WHERE practice_id = $p AND exported_utc >= $t ORDER BY exported_utc DESC";
            command.Parameters.AddWithValue("$p", practiceId);
            command.Parameters.AddWithValue("$t", AgentDatabase.Iso(since));
            using var reader = command.ExecuteReader();
            while (wanted.Count > 0 && reader.Read())
            {
                var ids = MemoryMarshal.Cast<byte, ulong>((byte[])reader.GetValue(0));
                foreach (var hash in wanted.Keys.ToArray())
                {
                    if (ids.BinarySearch(hash) >= 0)
                    {
                        wanted.Remove(hash);
                    }
                }
            }
        }

        return wanted.Values.SelectMany(l => l).ToHashSet(StringComparer.Ordinal);
    }
}
