using System.Data.Common;
using System.Globalization;
using RecallFiles.Schemas;

namespace RecallFiles.Exporter.StatusApply;

/// <summary>The outcome of one status row in the PMS.</summary>
public sealed record RowOutcome(StatusResultCode Code, string Message)
{
    public static RowOutcome Ok(string message) => new(StatusResultCode.Ok, message);

    public static RowOutcome Conflict(string message) => new(StatusResultCode.Conflict, message);

    public static RowOutcome NotFound(string appLid) => new(StatusResultCode.NotFound, $"no appointment with APP_LID {appLid} in the PMS");

    public static RowOutcome Error(string message) => new(StatusResultCode.Error, message);
}

/// <summary>A failure that stops a whole status file (configuration, PMS unreachable); the file stays in the inbox and the next run retries.</summary>
public sealed class StatusApplyException : Exception
{
    public StatusApplyException(string message) : base(message)
    {
    }

    public StatusApplyException(string message, Exception inner) : base(message, inner)
    {
    }

    public StatusApplyException() : base("the status file could not be applied")
    {
    }
}

/// <summary>One PMS transaction: every row of a status file is applied inside it, each under its own savepoint.</summary>
internal interface IStatusSession : IAsyncDisposable
{
    /// <summary>Applies one valid row; a PMS error on this row rolls back only this row and is answered ERROR.</summary>
    Task<RowOutcome> ApplyAsync(StatusRecord row, AppointmentStatus status, string fileName, CancellationToken cancellationToken);

    /// <summary>Commits every applied row at once.</summary>
    Task CommitAsync(CancellationToken cancellationToken);
}

/// <summary>Where status rows are written: Open Dental or a generic PMS.</summary>
internal interface IStatusTarget
{
    /// <summary>Opens a connection and a transaction; throws <see cref="StatusApplyException"/> when the PMS or the configuration is unusable.</summary>
    Task<IStatusSession> BeginAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Proves the status connection may do what status apply does (read the lookups, write the appointment) without changing
    /// anything: every write is rolled back. Throws <see cref="StatusApplyException"/> (or the provider's error) naming the key.
    /// </summary>
    Task<string> CheckAsync(CancellationToken cancellationToken);
}

/// <summary>The appointment as the PMS holds it now, for conflict detection.</summary>
internal sealed record PmsAppointment(DateOnly? Date, TimeOnly? Time, string? ResourceLid)
{
    /// <summary>
    /// Why the appointment no longer is the one the status was issued for (date, time or resource differ from what the
    /// cloud knew), or null. A status without APP_DATE/APP_START_TIME compares the resource only (docs/file-formats.md).
    /// </summary>
    public string? MovedSince(StatusRecord row)
    {
        var differences = new List<string>();
        if (row.AppDate is { } knownDate && ContractFormats.TryParseDate(knownDate, out var cloudDate) && Date is { } date && date != cloudDate)
        {
            differences.Add($"date {knownDate} → {ContractFormats.FormatDate(date)}");
        }

        if (row.AppStartTime is { } knownTime && ContractFormats.TryParseTime(knownTime, out var cloudTime) && Time is { } time
            && (time.Hour, time.Minute) != (cloudTime.Hour, cloudTime.Minute))
        {
            differences.Add($"time {knownTime} → {ContractFormats.FormatTime(time)}");
        }

        if (ResourceLid is not null && !string.Equals(ResourceLid, row.ResourceLid, StringComparison.Ordinal))
        {
            differences.Add($"resource {row.ResourceLid} → {ResourceLid}");
        }

        return differences.Count == 0
            ? null
            : $"the appointment changed in the PMS since the status was issued ({string.Join(", ", differences)}); nothing applied";
    }

    internal static DateOnly? ToDate(object? value) => value switch
    {
        null or DBNull => null,
        DateTime dt => DateOnly.FromDateTime(dt),
        DateOnly d => d,
        DateTimeOffset dto => DateOnly.FromDateTime(dto.DateTime),
        string s when ContractFormats.TryParseDate(s.Trim(), out var d) => d,
        string s when DateOnly.TryParseExact(s.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) => d,
        string s when DateTime.TryParse(s.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var dt) => DateOnly.FromDateTime(dt),
        _ => null,
    };

    internal static TimeOnly? ToTime(object? value) => value switch
    {
        null or DBNull => null,
        TimeSpan ts => TimeOnly.FromTimeSpan(ts),
        TimeOnly t => t,
        DateTime dt => TimeOnly.FromDateTime(dt),
        DateTimeOffset dto => TimeOnly.FromDateTime(dto.DateTime),
        string s when ContractFormats.TryParseTime(s.Trim(), out var t) => t,
        string s when TimeOnly.TryParse(s.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) => t,
        _ => null,
    };
}

/// <summary>Savepoint handling shared by the targets.</summary>
internal static class Savepoints
{
    /// <summary>
    /// Runs <paramref name="apply"/> under a savepoint: a PMS error rolls back this row only and becomes ERROR. A provider
    /// without savepoints in its API (ODBC) gets the SQL-standard statements (SAVEPOINT, RELEASE SAVEPOINT, ROLLBACK TO
    /// SAVEPOINT), which MariaDB/MySQL, PostgreSQL and SQL Anywhere accept; SQL Server takes the SqlServer provider.
    /// </summary>
    public static async Task<RowOutcome> RunAsync(DbTransaction transaction, int index, Func<Task<RowOutcome>> apply, CancellationToken cancellationToken)
    {
        var name = "rf_row_" + index.ToString(CultureInfo.InvariantCulture);
        await StepAsync(transaction, () => transaction.SaveAsync(name, cancellationToken), "SAVEPOINT " + name, cancellationToken);
        try
        {
            var outcome = await apply();
            await StepAsync(transaction, () => transaction.ReleaseAsync(name, cancellationToken), "RELEASE SAVEPOINT " + name, cancellationToken);
            return outcome;
        }
        catch (DbException ex)
        {
            await StepAsync(transaction, () => transaction.RollbackAsync(name, cancellationToken), "ROLLBACK TO SAVEPOINT " + name, cancellationToken);
            return RowOutcome.Error($"the PMS refused the change: {ex.Message}");
        }
    }

    /// <summary>The provider's savepoint call when it has one, else the SQL-standard <paramref name="sql"/>.</summary>
    private static async Task StepAsync(DbTransaction transaction, Func<Task> api, string sql, CancellationToken cancellationToken)
    {
        if (transaction.SupportsSavepoints)
        {
            await api();
            return;
        }

        await using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
