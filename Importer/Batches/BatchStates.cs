using Npgsql;
using RecallFiles.Importer.Database;

namespace RecallFiles.Importer.Batches;

/// <summary>
/// The states of a batch (one picked-up file). <c>claimed → downloaded → applied | failed | needs_review |
/// superseded | duplicate</c>; <c>failed</c> and <c>needs_review</c> can be replayed, <c>needs_review</c> approved.
/// Whether the remote file has been moved away is tracked apart (<c>batches.remote_done</c>).
/// </summary>
public static class BatchStates
{
    /// <summary>The file is ours (the claim row exists); its bytes may not be archived yet.</summary>
    public const string Claimed = "claimed";

    /// <summary>The bytes are in the archive, SHA-256 recorded; not loaded yet.</summary>
    public const string Downloaded = "downloaded";

    /// <summary>Loaded and merged into appointments.</summary>
    public const string Applied = "applied";

    /// <summary>Not applied: a file error, an invalid row under RejectFile, or repeated load failures. Replayable.</summary>
    public const string Failed = "failed";

    /// <summary>Held by the mass-removal guard: approve applies it, replay re-checks it.</summary>
    public const string NeedsReview = "needs_review";

    /// <summary>Older than the newest snapshot already applied for the practice: recorded, not applied.</summary>
    public const string Superseded = "superseded";

    /// <summary>The same bytes as an earlier batch of the practice: recorded, changes nothing.</summary>
    public const string Duplicate = "duplicate";

    /// <summary>States after which the remote file may leave the drop box.</summary>
    public static IReadOnlySet<string> Final { get; } = new HashSet<string>(StringComparer.Ordinal) { Applied, Failed, NeedsReview, Superseded, Duplicate };

    /// <summary>Every state.</summary>
    public static IReadOnlyList<string> All { get; } = [Claimed, Downloaded, Applied, Failed, NeedsReview, Superseded, Duplicate];

    /// <summary>The batch_history line of a step, as one statement of a batch (<see cref="RecordAsync"/> runs it alone).</summary>
    internal static NpgsqlBatchCommand Statement(long batchId, string? from, string to, string actor, string? reason) =>
        Sql.Statement("INSERT INTO batch_history (batch_id, from_state, to_state, actor, reason) VALUES ($1, $2, $3, $4, $5)", batchId, from, to, actor, reason);

    internal static async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long batchId, string? from, string to, string actor, string? reason, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO batch_history (batch_id, from_state, to_state, actor, reason) VALUES ($1, $2, $3, $4, $5)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = batchId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)from ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { Value = to });
        command.Parameters.Add(new NpgsqlParameter { Value = actor });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)reason ?? DBNull.Value });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
