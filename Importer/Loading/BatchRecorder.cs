using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Database;
using RecallFiles.Importer.Practices;
using RecallFiles.Schemas;

namespace RecallFiles.Importer.Loading;

/// <summary>
/// A load's bookkeeping on <c>batches</c>: lock the batch (and its practice, which serializes every load of the
/// practice on any server) and read it with the practice's settings; record how the load ended — state, counts, window,
/// error report, row problems (binary COPY) and the <c>batch_history</c> line — in the load's transaction.
/// </summary>
internal static class BatchRecorder
{
    /// <summary>The error for a batch id that does not exist.</summary>
    public static NotFoundException BatchNotFound(long batchId) =>
        new($"there is no batch {batchId.ToString(CultureInfo.InvariantCulture)}: list them with 'recallfiles batches'");

    public static async Task<bool> HadNonEmptySnapshotAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BatchRow batch, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction,
            "SELECT EXISTS (SELECT 1 FROM batches WHERE practice_id = $1 AND id <> $2 AND state = 'applied' AND rows_valid > 0)", batch.PracticeId, batch.Id);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }


    /// <summary>
    /// Locks the practice, then the batch, and reads the batch with its practice's settings, the earliest earlier batch of
    /// the same bytes and the newest applied snapshot time; takes a lower bound of the events' ids (<see cref="FeedSeal"/>)
    /// and sets the savepoint a file's writes roll back to (<paramref name="savepoint"/>): one round trip (issue 18).
    /// </summary>
    public static async Task<BatchRow> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long batchId, string savepoint, CancellationToken cancellationToken)
    {
        // Lock the practice first: every load of one practice is serialized (pickup on any server, replay, approve).
        await using var batch = Sql.Batch(connection, transaction,
            Sql.Statement("SELECT 1 FROM practices WHERE id = (SELECT practice_id FROM batches WHERE id = $1) FOR UPDATE", batchId),
            Sql.Statement("""
                SELECT b.id, b.practice_id, b.remote_name, b.state, b.sha256, b.archive_path, coalesce(b.file_timestamp, b.remote_mtime),
                       p.time_zone, p.row_error_policy, p.max_removal_share, p.window_past, p.window_ahead,
                       b.rows_total, b.rows_valid, b.rows_invalid, b.inserted, b.updated, b.removed, b.unchanged, b.reason, p.strict_contacts,
                       (SELECT d.id FROM batches d WHERE d.practice_id = b.practice_id AND d.sha256 = b.sha256 AND d.id < b.id
                          AND d.state IN ('applied', 'needs_review', 'superseded') ORDER BY d.id LIMIT 1),
                       (SELECT max(n.file_timestamp) FROM batches n WHERE n.practice_id = b.practice_id AND n.state = 'applied' AND n.id <> b.id)
                FROM batches b JOIN practices p ON p.id = b.practice_id WHERE b.id = $1 FOR UPDATE OF b
                """, batchId),
            Sql.Statement(FeedSeal.NextEventId),
            Sql.Statement("SAVEPOINT " + savepoint));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw BatchNotFound(batchId);
        }

        await reader.NextResultAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw BatchNotFound(batchId);
        }

        var row = new BatchRow(
            reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
            DateTime.SpecifyKind(reader.GetDateTime(6), DateTimeKind.Utc),
            reader.GetString(7), PracticeStore.FromDb(reader.GetString(8)), (double)reader.GetDecimal(9),
            reader.GetFieldValue<TimeSpan>(10), reader.GetFieldValue<TimeSpan>(11),
            [.. Enumerable.Range(12, 7).Select(i => reader.IsDBNull(i) ? 0L : reader.GetInt64(i))],
            reader.IsDBNull(19) ? null : reader.GetString(19), reader.GetBoolean(20))
        {
            EarlierSameBytes = reader.IsDBNull(21) ? null : reader.GetInt64(21),
            NewestApplied = reader.IsDBNull(22) ? null : reader.GetDateTime(22),
        };
        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return row with { EventsAfter = reader.GetInt64(0) };
    }

    /// <summary>
    /// Records how the load ended; <paramref name="seal"/> is the feed of a load that wrote events (applied, something
    /// changed): its NOTIFY and the feed's seal go last, so the caller commits next.
    /// </summary>
    public static async Task<(LoadResult Result, bool ReportStored)> RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BatchRow batch, Finish f, string actor,
        FeedSeal? seal, CancellationToken cancellationToken)
    {
        var p = f.Parsed;
        var unchanged = f.State == BatchStates.Applied && p is not null ? p.RowsValid - f.Inserted - f.Updated : 0;
        var report = VendorReport.Build(batch.RemoteName, f.State, f.Reason, f.Problems, f.OmittedProblems); // issue 14: a file turned away says why
        // The outcome, its history line, and for a load that wrote events the NOTIFY and the feed's seal (last, under the
        // feed lock, which the commit releases): one round trip; a file's row problems go by COPY in between (issue 18).
        var update = Sql.Statement("""
            UPDATE batches SET state = $2, reason = $3, rows_total = $4, rows_valid = $5, rows_invalid = $6, inserted = $7, updated = $8,
                removed = $9, unchanged = $10, window_start = $11, window_end = $12, error_report = $13, duplicate_of = $14,
                report_uploaded = CASE WHEN $13 IS NULL THEN true ELSE false END,
                attempts = attempts + 1, finished_at = now(), updated_at = now()
            WHERE id = $1
            """, batch.Id, f.State, f.Reason, p?.RowsTotal, p?.RowsValid, p?.RowsInvalid,
            f.State == BatchStates.Applied ? f.Inserted : null, f.State == BatchStates.Applied ? f.Updated : null,
            f.State == BatchStates.Applied ? f.Removed : null, f.State == BatchStates.Applied ? unchanged : null,
            f.WindowStart, f.WindowEnd, report, f.DuplicateOf);
        update.Parameters[12].NpgsqlDbType = NpgsqlDbType.Bytea;
        List<NpgsqlBatchCommand> statements = [update, Sql.Statement("DELETE FROM batch_row_errors WHERE batch_id = $1", batch.Id)];
        if (f.Problems.Count > 0)
        {
            await using (var first = Sql.Batch(connection, transaction, statements))
            {
                await first.ExecuteNonQueryAsync(cancellationToken);
            }

            statements = [];
            await CopyProblemsAsync(connection, batch.Id, f.Problems, cancellationToken);
        }

        statements.Add(BatchStates.Statement(batch.Id, batch.State, f.State, actor, f.Reason));
        if (seal is not null)
        {
            statements.Add(SnapshotMerge.Notify(batch.PracticeId));
            statements.AddRange(seal.SealStatements(batch.Id));
        }

        await using (var rest = Sql.Batch(connection, transaction, statements))
        {
            await rest.ExecuteNonQueryAsync(cancellationToken);
        }

        return (new LoadResult(batch.Id, f.State, f.Reason, p?.RowsTotal ?? 0, p?.RowsValid ?? 0, p?.RowsInvalid ?? 0, f.Inserted, f.Updated, f.Removed, unchanged),
            report is not null);
    }


    private static async Task CopyProblemsAsync(NpgsqlConnection connection, long batchId, IReadOnlyList<ContractProblem> problems, CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginBinaryImportAsync(
            "COPY batch_row_errors (batch_id, line, column_name, code, severity, message) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var problem in problems)
        {
            copy.StartRow();
            copy.Write(batchId, NpgsqlDbType.Bigint);
            if (problem.Line is { } line)
            {
                copy.Write(line, NpgsqlDbType.Bigint);
            }
            else
            {
                copy.WriteNull();
            }

            WriteText(copy, problem.Column);
            copy.Write(problem.Code, NpgsqlDbType.Text);
            copy.Write(problem.Severity == ProblemSeverity.Error ? "error" : "warning", NpgsqlDbType.Text);
            copy.Write(problem.Message, NpgsqlDbType.Text);
        }

        await copy.CompleteAsync(cancellationToken);
    }

    private static void WriteText(NpgsqlBinaryImporter importer, string? value)
    {
        if (value is null)
        {
            importer.WriteNull();
        }
        else
        {
            importer.Write(value, NpgsqlDbType.Text);
        }
    }
}
