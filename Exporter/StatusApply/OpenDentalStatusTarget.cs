using System.Globalization;
using MySqlConnector;
using RecallFiles.Exporter.OpenDental;
using RecallFiles.Schemas;

namespace RecallFiles.Exporter.StatusApply;

/// <summary>
/// Applies status rows to Open Dental (shared/reference/opendental.md): APPROVED (and PENDING when configured) set
/// appointment.Confirmed to a Category 2 definition found by ItemName; a cancellation sets AptStatus 5 (Broken) with a
/// note, or a configured definition. Only Scheduled appointments are changed; the resource is computed exactly as the
/// exporter computes it, so RESOURCE_LID compares like for like.
/// </summary>
internal sealed class OpenDentalStatusTarget(PracticeExportOptions practice, TimeProvider time) : IStatusTarget
{
    // The appointment as it is now, locked for the rest of the file's transaction.
    private static readonly string LookupSql = $"""
        SELECT a.AptDateTime, a.AptStatus, a.Confirmed, a.ClinicNum, {OpenDentalSchema.ResourceSql} AS Resource
        FROM appointment a WHERE a.AptNum = @apt FOR UPDATE
        """;

    private PracticeExportOptions Practice => practice;

    private TimeProvider Time => time;

    private StatusApplyOptions Options => practice.Status;

    private string Key => $"RecallFiles:Agent:Practices:{practice.PracticeId}:Status";

    public async Task<IStatusSession> BeginAsync(CancellationToken cancellationToken)
    {
        MySqlConnection connection;
        try
        {
            connection = OpenDentalSchema.CreateConnection(practice.StatusApplyConnectionString());
        }
        catch (ArgumentException ex)
        {
            throw new StatusApplyException($"practice {practice.PracticeId}: the Open Dental ConnectionString is not a valid MySQL connection string ({ex.Message})", ex);
        }

        try
        {
            await connection.OpenAsync(cancellationToken);
            var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken);
            var definitions = await LoadDefinitionsAsync(connection, transaction, cancellationToken);
            return new Session(this, connection, transaction, definitions);
        }
        catch (MySqlException ex)
        {
            await connection.DisposeAsync();
            throw new StatusApplyException(
                $"practice {practice.PracticeId}: cannot open the Open Dental database for writing through {practice.StatusApplyConnectionKey()}: {ex.Message}. The status applier needs UPDATE on appointment and SELECT on definition (docs/status.md).", ex);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Finds every configured definition by ItemName (Category 2); a missing one stops the file with the names that exist.</summary>
    public async Task<string> CheckAsync(CancellationToken cancellationToken)
    {
        // The definitions are looked up by BeginAsync; an UPDATE of no row, rolled back, proves the columns may be written.
        await using var session = (Session)await BeginAsync(cancellationToken);
        try
        {
            await session.CheckWriteAsync(cancellationToken);
        }
        catch (MySqlException ex)
        {
            throw new StatusApplyException(
                $"practice {practice.PracticeId}: {practice.StatusApplyConnectionKey()} may not write the appointment: {ex.Message}. The status applier needs UPDATE (AptStatus, Confirmed, Note) on appointment and SELECT on definition (docs/status.md).", ex);
        }

        return $"status apply: definitions found, appointment writable through {practice.StatusApplyConnectionKey()}";
    }

    private async Task<Dictionary<string, long>> LoadDefinitionsAsync(MySqlConnection connection, MySqlTransaction transaction, CancellationToken cancellationToken)
    {
        var wanted = new List<(string Key, string Name)> { ("ApprovedDefinition", Options.ApprovedDefinition!.Trim()) };
        if (StatusApplyOptions.Blank(Options.PendingDefinition) is { } pending)
        {
            wanted.Add(("PendingDefinition", pending.Trim()));
        }

        if (Options.CancelMode == CancelMode.Definition)
        {
            wanted.Add(("CancelledDefinition", Options.CancelledDefinition!.Trim()));
        }

        var all = new List<(long DefNum, string Name, bool Hidden)>();
        await using (var command = new MySqlCommand($"SELECT DefNum, ItemName, IsHidden FROM definition WHERE Category = {OpenDentalSchema.ConfirmationCategory} ORDER BY IsHidden, ItemOrder, DefNum", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                all.Add((reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2) != 0));
            }
        }

        var found = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, name) in wanted)
        {
            // Visible definitions first: a practice may keep a hidden copy of an old name.
            var match = all.FirstOrDefault(d => string.Equals(d.Name.Trim(), name, StringComparison.OrdinalIgnoreCase));
            if (match.Name is null)
            {
                throw new StatusApplyException(
                    $"practice {practice.PracticeId}: {Key}:{key} is '{name}', but Open Dental has no confirmation definition (Category 2) with that ItemName; " +
                    $"it has: {string.Join(", ", all.Select(d => $"'{d.Name}'"))}. Add it in Setup > Definitions > Appt Confirmed, or fix the setting.");
            }

            found[name] = match.DefNum;
        }

        return found;
    }

    private sealed class Session(OpenDentalStatusTarget target, MySqlConnection connection, MySqlTransaction transaction, Dictionary<string, long> definitions) : IStatusSession
    {
        private int _rows;

        public Task<RowOutcome> ApplyAsync(StatusRecord row, AppointmentStatus status, string fileName, CancellationToken cancellationToken) =>
            Savepoints.RunAsync(transaction, _rows++, () => ApplyCoreAsync(row, status, fileName, cancellationToken), cancellationToken);

        private async Task<RowOutcome> ApplyCoreAsync(StatusRecord row, AppointmentStatus status, string fileName, CancellationToken cancellationToken)
        {
            var practice = target.Practice;
            if (!OpenDentalSchema.TryParseAppLid(row.AppLid, practice.PrefixAppLidWithClinic, out var aptNum, out var clinicFromLid))
            {
                return RowOutcome.NotFound(row.AppLid);
            }

            await using var lookup = new MySqlCommand(LookupSql, connection, transaction);
            lookup.Parameters.AddWithValue("@resource", OpenDentalSchema.ResourceParameter(practice.Resource));
            lookup.Parameters.AddWithValue("@apt", aptNum);
            DateTime start;
            int aptStatus;
            long confirmed, clinic, resource;
            await using (var reader = await lookup.ExecuteReaderAsync(cancellationToken))
            {
                if (!await reader.ReadAsync(cancellationToken))
                {
                    return RowOutcome.NotFound(row.AppLid);
                }

                start = reader.GetDateTime(0);
                aptStatus = reader.GetInt32(1);
                confirmed = reader.GetInt64(2);
                clinic = reader.GetInt64(3);
                resource = reader.GetInt64(4);
            }

            // One practice never writes another's data: a clinic outside this practice is "not found".
            if ((practice.ClinicNum is { } only && clinic != only) || (clinicFromLid is { } c && clinic != c))
            {
                return RowOutcome.NotFound(row.AppLid);
            }

            var now = new PmsAppointment(DateOnly.FromDateTime(start), TimeOnly.FromDateTime(start), resource.ToString(CultureInfo.InvariantCulture));
            if (now.MovedSince(row) is { } moved)
            {
                return RowOutcome.Conflict(moved);
            }

            var options = target.Options;
            var cancel = status is AppointmentStatus.CancelledByUser or AppointmentStatus.CancelledByAdmin;
            if (aptStatus == (int)AptStatus.Broken)
            {
                return cancel && options.CancelMode == CancelMode.Broken
                    ? RowOutcome.Ok("already broken (AptStatus 5) in the PMS; nothing changed")
                    : RowOutcome.Conflict($"the appointment is broken (AptStatus 5) in the PMS; {status.ToWire()} not applied");
            }

            if (aptStatus != (int)AptStatus.Scheduled)
            {
                return RowOutcome.Conflict($"the appointment is {OpenDentalSchema.Name(aptStatus)} (AptStatus {aptStatus}) in the PMS, not Scheduled; {status.ToWire()} not applied");
            }

            if (cancel && options.CancelMode == CancelMode.Broken)
            {
                var note = options.CancelNote
                    .Replace("{status}", status.ToWire(), StringComparison.Ordinal)
                    .Replace("{file}", fileName, StringComparison.Ordinal)
                    .Replace("{date}", target.Time.GetUtcNow().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), StringComparison.Ordinal);
                await using var update = new MySqlCommand(
                    "UPDATE appointment SET AptStatus = @broken, Note = CONCAT_WS('\\n', NULLIF(Note, ''), @note) WHERE AptNum = @apt", connection, transaction);
                update.Parameters.AddWithValue("@broken", (int)AptStatus.Broken);
                update.Parameters.AddWithValue("@note", note);
                update.Parameters.AddWithValue("@apt", aptNum);
                await update.ExecuteNonQueryAsync(cancellationToken);
                return RowOutcome.Ok("appointment broken (AptStatus 5) with a note");
            }

            var definitionName = status switch
            {
                AppointmentStatus.Approved => options.ApprovedDefinition,
                AppointmentStatus.Pending => StatusApplyOptions.Blank(options.PendingDefinition),
                _ => options.CancelledDefinition,
            };
            if (definitionName is null)
            {
                return RowOutcome.Ok("PENDING changes nothing in the PMS (Status:PendingDefinition is not set)");
            }

            var defNum = definitions[definitionName.Trim()];
            if (confirmed == defNum)
            {
                return RowOutcome.Ok($"already '{definitionName.Trim()}' in the PMS; nothing changed");
            }

            await using (var update = new MySqlCommand("UPDATE appointment SET Confirmed = @def WHERE AptNum = @apt", connection, transaction))
            {
                update.Parameters.AddWithValue("@def", defNum);
                update.Parameters.AddWithValue("@apt", aptNum);
                await update.ExecuteNonQueryAsync(cancellationToken);
            }

            return RowOutcome.Ok($"Confirmed set to '{definitionName.Trim()}' (DefNum {defNum.ToString(CultureInfo.InvariantCulture)})");
        }

        public async Task CheckWriteAsync(CancellationToken cancellationToken)
        {
            await using var update = new MySqlCommand(
                "UPDATE appointment SET AptStatus = AptStatus, Confirmed = Confirmed, Note = Note WHERE AptNum = -1", connection, transaction);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        public Task CommitAsync(CancellationToken cancellationToken) => transaction.CommitAsync(cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
