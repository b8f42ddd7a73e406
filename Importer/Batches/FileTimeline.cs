using Npgsql;

namespace RecallFiles.Importer.Batches;

/// <summary>
/// One bucket (a UTC day or hour) of files received: how many arrived (batches claimed in it) and what became of them —
/// applied, failed, held for review (<c>needs_review</c>); <see cref="Other"/> is the rest (superseded, duplicate, still
/// being processed).
/// </summary>
public sealed record FileBucket(DateTime Start, long Arrived, long Applied, long Failed, long Held)
{
    /// <summary>Superseded, duplicate or not finished yet.</summary>
    public long Other => Arrived - Applied - Failed - Held;
}

/// <summary>
/// The dashboard's pictures (issue 17): a practice's last days of files and the files per hour, from <c>batches</c>. Each
/// is one range read of an index on <c>claimed_at</c> (<c>batches_practice_claimed</c> for a practice,
/// <c>batches_claimed_at</c> for all), grouped in the database: the cost follows the files in the window, not the number
/// of practices or the history kept. Buckets without files are returned as zeros, so a picture always has every bucket.
/// </summary>
public static class FileTimeline
{
    /// <summary>The <paramref name="days"/> UTC days up to and including the day of <paramref name="now"/>, oldest first.</summary>
    public static Task<IReadOnlyList<FileBucket>> DailyAsync(NpgsqlDataSource dataSource, string? practiceId, DateTimeOffset now, int days, CancellationToken cancellationToken = default)
    {
        var first = now.UtcDateTime.Date.AddDays(1 - days);
        return BucketsAsync(dataSource, practiceId, "day", first, TimeSpan.FromDays(1), days, cancellationToken);
    }

    /// <summary>The <paramref name="hours"/> UTC hours up to and including the hour of <paramref name="now"/>, oldest first.</summary>
    public static Task<IReadOnlyList<FileBucket>> HourlyAsync(NpgsqlDataSource dataSource, string? practiceId, DateTimeOffset now, int hours, CancellationToken cancellationToken = default)
    {
        var t = now.UtcDateTime;
        var first = new DateTime(t.Year, t.Month, t.Day, t.Hour, 0, 0, DateTimeKind.Utc).AddHours(1 - hours);
        return BucketsAsync(dataSource, practiceId, "hour", first, TimeSpan.FromHours(1), hours, cancellationToken);
    }

    private static async Task<IReadOnlyList<FileBucket>> BucketsAsync(NpgsqlDataSource dataSource, string? practiceId, string unit, DateTime first, TimeSpan step, int count,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        await using var command = dataSource.CreateCommand($"""
            SELECT date_trunc('{unit}', claimed_at AT TIME ZONE 'UTC'), count(*),
                   count(*) FILTER (WHERE state = 'applied'), count(*) FILTER (WHERE state = 'failed'), count(*) FILTER (WHERE state = 'needs_review')
            FROM batches
            WHERE claimed_at >= $1 AND claimed_at < $2{(practiceId is null ? "" : " AND practice_id = $3")}
            GROUP BY 1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = first });
        command.Parameters.Add(new NpgsqlParameter { Value = first + step * count });
        if (practiceId is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = practiceId });
        }
        var found = new Dictionary<DateTime, FileBucket>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var start = DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc);
                found[start] = new FileBucket(start, reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
            }
        }

        return [.. Enumerable.Range(0, count).Select(i => first + step * i).Select(s => found.TryGetValue(s, out var b) ? b : new FileBucket(s, 0, 0, 0, 0))];
    }
}
