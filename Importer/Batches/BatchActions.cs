using Npgsql;
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
}
