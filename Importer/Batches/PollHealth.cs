using Npgsql;

namespace RecallFiles.Importer.Batches;

/// <summary>
/// Issue 14: whether a practice's last poll failed, kept on its <c>practices</c> row (<c>poll_failed_at</c>,
/// <c>poll_error</c>) so every server's dashboard shows it: red on the Practices page until a poll succeeds.
/// </summary>
public static class PollHealth
{
    /// <summary>Records that the poll of <paramref name="practiceId"/> failed with <paramref name="error"/> (a message without secrets).</summary>
    public static Task RecordFailureAsync(NpgsqlDataSource dataSource, string practiceId, string error, CancellationToken cancellationToken) =>
        ExecuteAsync(dataSource, "UPDATE practices SET poll_failed_at = now(), poll_error = $2 WHERE id = $1", practiceId, error, cancellationToken);

    /// <summary>Records that a poll of <paramref name="practiceId"/> succeeded: the failure, if any, is over.</summary>
    public static Task RecordSuccessAsync(NpgsqlDataSource dataSource, string practiceId, CancellationToken cancellationToken) =>
        ExecuteAsync(dataSource, "UPDATE practices SET poll_failed_at = NULL, poll_error = NULL WHERE id = $1 AND poll_failed_at IS NOT NULL", practiceId, null, cancellationToken);

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql, string practiceId, string? error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = practiceId });
        if (error is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = error.Length > 2000 ? error[..2000] : error });
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
