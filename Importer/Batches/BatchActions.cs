using Npgsql;
using RecallFiles.Importer.Database;
using RecallFiles.Importer.Loading;
using RecallFiles.Schemas;

namespace RecallFiles.Importer.Batches;

/// <summary>Where support actions write their audit line: the host's hash-chained audit log (Scheduler's <c>AuditLog</c>).</summary>
public interface IAuditTrail
{
    /// <summary>Appends one line: what was done, to which practice and subject, by whom, with what outcome.</summary>
    void Record(string action, string practiceId, string subject, string who, string outcome);
}

/// <summary>
/// Support's two actions on a batch, the same for the dashboard and the CLI: replay (load a failed or held batch again,
/// the guard applies) and approve (apply a held snapshot, the guard bypassed). Each writes one audit line with its
/// outcome, refused ones too; an unknown id throws <see cref="NotFoundException"/>, a batch in the wrong state
/// <see cref="ConflictException"/>.
/// </summary>
public static class BatchActions
{
    /// <summary>The audit action of <paramref name="mode"/>: <c>replay</c> or <c>approve</c>.</summary>
    public static string ActionOf(LoadMode mode) => mode == LoadMode.Approve ? "approve" : "replay";

    /// <summary>Replays or approves batch <paramref name="batchId"/> as <paramref name="who"/>, and audits it.</summary>
    public static async Task<LoadResult> RunAsync(NpgsqlDataSource dataSource, long batchId, LoadMode mode, string who, IAuditTrail audit,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audit);
        var action = ActionOf(mode);
        var batch = await BatchQueries.FindAsync(dataSource, batchId, cancellationToken) ?? throw BatchRecorder.BatchNotFound(batchId);
        try
        {
            var result = await new BatchLoader(dataSource).LoadAsync(batchId, who, mode, cancellationToken);
            audit.Record(action, batch.PracticeId, $"batch {batchId}", who,
                result.AlreadyFinal ? $"already {result.State}" : result.State + (result.Reason is null ? "" : ": " + result.Reason));
            return result;
        }
        catch (ConflictException ex)
        {
            audit.Record(action, batch.PracticeId, $"batch {batchId}", who, $"refused: {ex.Message}");
            throw;
        }
    }

    /// <summary>
    /// <c>recallfiles discard BATCH_ID</c>: ends a held or failed batch without applying it, or retires an applied one —
    /// a file whose time stamp was wrong that became the practice's newest snapshot — so it no longer supersedes the
    /// files stamped before it (what it applied stays until the next snapshot replaces it). Either way the batch becomes
    /// <c>superseded</c> with who did it and why; audited, refused ones too.
    /// </summary>
    public static async Task<string> DiscardAsync(NpgsqlDataSource dataSource, long batchId, string who, IAuditTrail audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audit);
        var batch = await BatchQueries.FindAsync(dataSource, batchId, cancellationToken) ?? throw BatchRecorder.BatchNotFound(batchId);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        string state;
        await using (var select = Sql.Command(connection, transaction, "SELECT state FROM batches WHERE id = $1 FOR UPDATE", batchId))
        {
            state = (string)(await select.ExecuteScalarAsync(cancellationToken))!;
        }

        if (state is not (BatchStates.NeedsReview or BatchStates.Failed or BatchStates.Applied))
        {
            var refused = $"batch {batchId} is {state}: only a held, failed or applied batch can be discarded";
            audit.Record("discard", batch.PracticeId, $"batch {batchId}", who, $"refused: {refused}");
            Throw.Conflict(refused);
        }

        var reason = state == BatchStates.Applied
            ? $"retired by {who}: no longer the practice's newest snapshot, so files stamped before it are applied again (what it applied stays until the next snapshot replaces it)"
            : $"discarded by {who} ({state}): never applied";
        await using (var update = Sql.Command(connection, transaction,
            "UPDATE batches SET state = 'superseded', reason = $2, finished_at = coalesce(finished_at, now()), updated_at = now() WHERE id = $1", batchId, reason))
        {
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        await BatchStates.RecordAsync(connection, transaction, batchId, state, BatchStates.Superseded, who, reason, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        audit.Record("discard", batch.PracticeId, $"batch {batchId}", who, reason);
        return reason;
    }
}
