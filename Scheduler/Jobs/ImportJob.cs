using System.ComponentModel;
using Hangfire;
using Npgsql;
using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Pickup;
using RecallFiles.Scheduler.Logging;

using RecallFiles.Schemas;

namespace RecallFiles.Scheduler.Jobs;

/// <summary>
/// "Import ACME-01": one poll of a practice's drop box folder (pickup → archive → load → move). A drop box or database
/// fault throws, so Hangfire retries and shows why; a bad file is not a job failure — its batch is failed and shows on
/// the Batches page. Each batch the poll finished is written to the audit log.
/// </summary>
internal sealed class ImportJob(PickupService pickup, NpgsqlDataSource dataSource, AuditLog audit, Metrics.RecallFilesMetrics metrics, TimeProvider time)
{
    /// <summary>The recurring job id of a practice's import.</summary>
    public static string RecurringId(string practiceId) => $"import:{practiceId}";

    /// <summary>Polls <paramref name="practiceId"/> now.</summary>
    [JobDisplayName("Import {0}")]
    [DisplayName("Import {0}")]
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [30, 120, 600], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [DisableConcurrentExecution("recallfiles:import:{0}", 600)]
    public async Task<string> RunAsync(string practiceId, CancellationToken cancellationToken)
    {
        var (result, _) = await ImportAsync(practiceId, once: false, cancellationToken);
        return result.Busy ? "busy: another server is polling this practice" : $"{result.Claimed} new file(s), {result.Finished} batch(es) finished";
    }

    /// <summary>
    /// Polls <paramref name="practiceId"/> and returns the poll and the batches it created, oldest first; with
    /// <paramref name="once"/> (<c>run --once</c>) files not yet known to be stable are waited for once (MinFileAge).
    /// </summary>
    internal async Task<(PollResult Poll, IReadOnlyList<BatchSummary> Batches)> ImportAsync(string practiceId, bool once, CancellationToken cancellationToken)
    {
        var practice = pickup.Practices.FirstOrDefault(p => p.Id == practiceId)
            ?? throw new NotFoundException($"practice {practiceId} is no longer configured or not enabled (RecallFiles:Practices:{practiceId})");
        var before = (await BatchQueries.ListAsync(dataSource, new BatchFilter(practiceId, Limit: 1), cancellationToken)).FirstOrDefault()?.Id ?? 0;
        PollResult result;
        try
        {
            result = await pickup.PollAsync(practice, once, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Issue 14: the Practices page turns red while the practice's polls fail (a rotated host key, say); the job still fails.
            await PollHealth.RecordFailureAsync(dataSource, practiceId, PhiText.Mask(ex.Message), cancellationToken);
            throw;
        }

        if (result.Errors.Count > 0)
        {
            await PollHealth.RecordFailureAsync(dataSource, practiceId, PhiText.Mask(string.Join("; ", result.Errors)), cancellationToken);
            throw new InvalidOperationException($"import {practiceId}: {string.Join("; ", result.Errors)}");
        }

        if (!result.Busy)
        {
            await PollHealth.RecordSuccessAsync(dataSource, practiceId, cancellationToken);
        }

        var batches = (await BatchQueries.ListAsync(dataSource, new BatchFilter(practiceId, Limit: 200), cancellationToken)).Where(b => b.Id > before).Reverse().ToList();
        metrics.Batches(practiceId, batches, time.GetUtcNow());
        foreach (var batch in batches)
        {
            // A batch turned away before loading (a duplicate, say) has no counts: its line says so instead of "rows= invalid= + ~ -".
            var counts = batch.RowsTotal is null ? "not loaded" : $"rows={batch.RowsTotal} invalid={batch.RowsInvalid} +{batch.Inserted} ~{batch.Updated} -{batch.Removed}";
            audit.Record("batch", practiceId, $"batch {batch.Id} file {batch.RemoteName} {counts}",
                AuditLog.Scheduler, batch.State + (batch.Reason is null ? "" : ": " + batch.Reason));
        }

        return (result, batches);
    }
}
