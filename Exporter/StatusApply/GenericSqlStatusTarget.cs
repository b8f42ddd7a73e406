using System.Data.Common;
using RecallFiles.Exporter.GenericSql;
using RecallFiles.Schemas;

namespace RecallFiles.Exporter.StatusApply;

/// <summary>
/// Applies status rows to any PMS with an ADO.NET provider: <see cref="StatusApplyOptions.LookupSql"/> finds the
/// appointment as it is now (for NOT_FOUND, CONFLICT and "already"), then one configured statement per status runs with
/// <c>@AppLid</c>, <c>@Status</c> and <c>@FileName</c> (bound by position through ODBC, <see cref="SqlStatement"/>).
/// Everything runs in one transaction per file.
/// </summary>
internal sealed class GenericSqlStatusTarget(PracticeExportOptions practice) : IStatusTarget
{
    public async Task<IStatusSession> BeginAsync(CancellationToken cancellationToken)
    {
        DbConnection? connection = null;
        try
        {
            connection = SqlProviders.CreateConnection(practice.Provider, practice.StatusApplyConnectionString(), readOnly: false);
            await connection.OpenAsync(cancellationToken);
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            return new Session(practice.Status, practice.Provider, connection, transaction);
        }
        catch (Exception ex) when (ex is DbException or ArgumentException or InvalidOperationException)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }

            throw new StatusApplyException(
                $"practice {practice.PracticeId}: cannot open the {practice.Provider} database for writing: {ex.Message}. Check {practice.StatusApplyConnectionKey()}{SqlProviders.Hint(practice.Provider)}.", ex);
        }
    }

    public async Task<string> CheckAsync(CancellationToken cancellationToken)
    {
        // Every configured statement once, for an APP_LID no PMS has, in a transaction that is rolled back: a user that may not
        // write (a read-only role, default_transaction_read_only) fails here, not on the first status file.
        await using var session = (Session)await BeginAsync(cancellationToken);
        var row = new StatusRecord { AppLid = "\u2400recallfiles-check", ResourceLid = "", Status = AppointmentStatus.Approved.ToWire() };
        var statements = 0;
        foreach (var status in Enum.GetValues<AppointmentStatus>())
        {
            foreach (var sql in new[] { practice.Status.LookupSql, practice.Status.SqlFor(status) }.OfType<string>())
            {
                await using var command = session.Command(sql, row, status, "check");
                try
                {
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
                catch (DbException ex)
                {
                    // Whatever the provider: the key to fix and the statement that failed, not a bare driver error.
                    throw new StatusApplyException(
                        $"practice {practice.PracticeId}: {practice.StatusApplyConnectionKey()} may not run the status statements: {ex.Message} (in: {Mask.Echo(sql)}). " +
                        "Give the status user what docs/status.md lists for your PMS (SELECT for LookupSql, UPDATE on the columns the statements write).", ex);
                }

                statements++;
            }
        }

        return $"status apply: {statements} statement(s) run and rolled back through {practice.StatusApplyConnectionKey()}";
    }

    private sealed class Session(StatusApplyOptions options, SqlProvider provider, DbConnection connection, DbTransaction transaction) : IStatusSession
    {
        private static readonly string[] Names = ["@AppLid", "@Status", "@FileName"];
        private readonly Dictionary<string, SqlStatement> _statements = new(StringComparer.Ordinal);   // each statement translated once per file
        private int _rows;

        public Task<RowOutcome> ApplyAsync(StatusRecord row, AppointmentStatus status, string fileName, CancellationToken cancellationToken) =>
            Savepoints.RunAsync(transaction, _rows++, () => ApplyCoreAsync(row, status, fileName, cancellationToken), cancellationToken);

        public DbCommand Command(string sql, StatusRecord row, AppointmentStatus status, string fileName)
        {
            if (!_statements.TryGetValue(sql, out var statement))
            {
                statement = SqlStatement.Prepare(provider, sql, Names);
                _statements.Add(sql, statement);
            }

            return statement.CreateCommand(connection, transaction, [new("@AppLid", row.AppLid), new("@Status", status.ToWire()), new("@FileName", fileName)]);
        }

        private async Task<RowOutcome> ApplyCoreAsync(StatusRecord row, AppointmentStatus status, string fileName, CancellationToken cancellationToken)
        {
            PmsAppointment now;
            string? current = null;
            await using (var lookup = Command(options.LookupSql!, row, status, fileName))
            await using (var reader = await lookup.ExecuteReaderAsync(cancellationToken))
            {
                if (!await reader.ReadAsync(cancellationToken))
                {
                    return RowOutcome.NotFound(row.AppLid);
                }

                object? Value(string column)
                {
                    for (var i = 0; i < reader.FieldCount; i++)
                    {
                        if (string.Equals(reader.GetName(i).Trim(), column, StringComparison.OrdinalIgnoreCase))
                        {
                            return reader.IsDBNull(i) ? null : reader.GetValue(i);
                        }
                    }

                    return null;
                }

                now = new PmsAppointment(PmsAppointment.ToDate(Value(Columns.AppDate)), PmsAppointment.ToTime(Value(Columns.AppStartTime)),
                    Value(Columns.ResourceLid) is { } resource ? Convert.ToString(resource, System.Globalization.CultureInfo.InvariantCulture)?.Trim() : null);
                current = Value(Columns.Status) as string;
            }

            if (now.MovedSince(row) is { } moved)
            {
                return RowOutcome.Conflict(moved);
            }

            if (AppointmentStatuses.TryParse(current, out var currentStatus) && currentStatus == status)
            {
                return RowOutcome.Ok($"already {status.ToWire()} in the PMS; nothing changed");
            }

            if (options.SqlFor(status) is not { } sql)
            {
                return RowOutcome.Ok($"{status.ToWire()} changes nothing in the PMS (no statement configured)");
            }

            await using var update = Command(sql, row, status, fileName);
            var changed = await update.ExecuteNonQueryAsync(cancellationToken);
            return changed == 0
                ? RowOutcome.Error($"the {status.ToWire()} statement changed no row although the lookup found the appointment; check the statement")
                : RowOutcome.Ok($"{status.ToWire()} applied");
        }

        public Task CommitAsync(CancellationToken cancellationToken) => transaction.CommitAsync(cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
