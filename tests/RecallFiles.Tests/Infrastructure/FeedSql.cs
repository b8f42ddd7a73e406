using Npgsql;

namespace RecallFiles.Tests.Infrastructure;

/// <summary>
/// For tests that write <c>appointment_events</c> rows themselves, in place of a load: a load records its commit in
/// <c>feed_commits</c> (the feed reads commits in order, issue 18), so the events written since the last recorded
/// commit are recorded as one commit here. Tests that do this write sequentially.
/// </summary>
internal static class FeedSql
{
    public const string SealWrittenEvents = """
        INSERT INTO feed_commits (seq, batch_id, after_id, last_id)
        SELECT nextval('feed_commit_seq'), NULL, coalesce((SELECT max(last_id) FROM feed_commits), 0), max(id) FROM appointment_events
        HAVING max(id) > coalesce((SELECT max(last_id) FROM feed_commits), 0)
        """;

    public static async Task SealWrittenEventsAsync(NpgsqlDataSource db, CancellationToken cancellationToken = default)
    {
        await using var seal = db.CreateCommand(SealWrittenEvents);
        await seal.ExecuteNonQueryAsync(cancellationToken);
    }
}
