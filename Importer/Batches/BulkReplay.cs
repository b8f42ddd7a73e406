using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using RecallFiles.Importer.Loading;
using RecallFiles.Schemas;

namespace RecallFiles.Importer.Batches;

/// <summary>How one batch of a bulk replay ended.</summary>
/// <param name="BatchId">The batch.</param>
/// <param name="PracticeId">Its practice.</param>
/// <param name="State">Its state after the replay, or null when the replay was refused or failed.</param>
/// <param name="Detail">The reason of the state, or why it could not be replayed.</param>
public sealed record ReplayOutcome(long BatchId, string PracticeId, string? State, string? Detail);

/// <summary>
/// Support's "replay every failed batch of a practice (or a time range)" (issue 14): the same replay as one batch's
/// (<see cref="BatchActions.RunAsync"/>, each audited), run over the failed batches that match, oldest first so the
/// snapshots of a practice apply in the order they were sent. One batch that still fails does not stop the others.
/// </summary>
public static class BulkReplay
{
    /// <summary>At most this many batches in one action.</summary>
    public const int MaxBatches = 10_000;

    /// <summary>
    /// Replays the failed batches of <paramref name="practiceId"/> (or every practice) claimed in [<paramref name="from"/>,
    /// <paramref name="to"/>); at least the practice or one bound is required, so a slip cannot replay the whole store.
    /// </summary>
    public static async Task<IReadOnlyList<ReplayOutcome>> ReplayFailedAsync(NpgsqlDataSource dataSource, string? practiceId, DateTime? from, DateTime? to,
        string who, IAuditTrail audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(audit);
        if (practiceId is null && from is null && to is null)
        {
            Throw.Conflict("name a practice or a time range: replaying every failed batch of every practice at once is refused");
        }

        var ids = new List<(long Id, string Practice)>();
        await using (var select = dataSource.CreateCommand("""
            SELECT id, practice_id FROM batches
            WHERE state = 'failed' AND ($1::text IS NULL OR practice_id = $1)
              AND ($2::timestamptz IS NULL OR claimed_at >= $2) AND ($3::timestamptz IS NULL OR claimed_at < $3)
            ORDER BY id LIMIT $4
            """))
        {
            select.Parameters.Add(new NpgsqlParameter { Value = (object?)practiceId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            select.Parameters.Add(new NpgsqlParameter { Value = (object?)Utc(from) ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            select.Parameters.Add(new NpgsqlParameter { Value = (object?)Utc(to) ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            select.Parameters.Add(new NpgsqlParameter { Value = MaxBatches });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add((reader.GetInt64(0), reader.GetString(1)));
            }
        }

        var outcomes = new List<ReplayOutcome>(ids.Count);
        foreach (var (id, practice) in ids)
        {
            try
            {
                var result = await BatchActions.RunAsync(dataSource, id, LoadMode.Normal, who, audit, cancellationToken);
                outcomes.Add(new ReplayOutcome(id, practice, result.State, result.Reason));
            }
            catch (RecallFilesException ex)
            {
                outcomes.Add(new ReplayOutcome(id, practice, null, ex.Message));
            }
        }

        var applied = outcomes.Count(o => o.State is BatchStates.Applied);
        audit.Record("replay-failed", practiceId ?? "-", Describe(from, to), who,
            string.Create(CultureInfo.InvariantCulture, $"{outcomes.Count} failed batch(es) replayed: {applied} applied, {outcomes.Count - applied} not"));
        return outcomes;
    }

    private static string Describe(DateTime? from, DateTime? to)
    {
        var since = from is { } f ? string.Create(CultureInfo.InvariantCulture, $" from {f:yyyy-MM-dd HH:mm}Z") : "";
        var until = to is { } t ? string.Create(CultureInfo.InvariantCulture, $" before {t:yyyy-MM-dd HH:mm}Z") : "";
        return "failed batches claimed" + (since + until is { Length: > 0 } range ? range : " at any time");
    }

    private static DateTime? Utc(DateTime? at) => at is { } t ? DateTime.SpecifyKind(t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : t, DateTimeKind.Utc) : null;
}
