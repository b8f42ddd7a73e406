using Npgsql;
using RecallFiles.Schemas;
using NpgsqlTypes;

namespace RecallFiles.Importer.Practices;

/// <summary>
/// Mirrors the configured practices into the <c>practices</c> table (configuration is the source of truth for them). A row
/// managed in the database (<c>source = 'db'</c>, issue 17) is never overwritten: start-up refuses that overlap first
/// (<see cref="ManagedPractices.ConflictsAsync"/>).
/// </summary>
public static class PracticeStore
{
    /// <summary>Inserts or updates each practice. Practices no longer configured are kept (their batches refer to them) but disabled.</summary>
    public static async Task MirrorAsync(NpgsqlDataSource dataSource, IEnumerable<PracticeOptions> practices, bool disableOthers = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(practices);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var ids = new List<string>();
        foreach (var p in practices)
        {
            var problems = p.Validate($"RecallFiles:Practices:{p.Id}");
            if (problems.Count > 0)
            {
                throw new ConfigurationException(string.Join(" ", problems));
            }

            ids.Add(p.Id);
            await using var upsert = new NpgsqlCommand("""
                INSERT INTO practices (id, drop_box, folder, time_zone, cadence, enabled, row_error_policy, max_removal_share, window_past, window_ahead,
                                       strict_contacts, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())
                ON CONFLICT (id) DO UPDATE SET drop_box = excluded.drop_box, folder = excluded.folder, time_zone = excluded.time_zone,
                    cadence = excluded.cadence, enabled = excluded.enabled, row_error_policy = excluded.row_error_policy,
                    max_removal_share = excluded.max_removal_share, window_past = excluded.window_past, window_ahead = excluded.window_ahead,
                    strict_contacts = excluded.strict_contacts, updated_at = now()
                WHERE practices.source = 'json' AND (practices.drop_box, practices.folder, practices.time_zone, practices.cadence, practices.enabled, practices.row_error_policy,
                       practices.max_removal_share, practices.window_past, practices.window_ahead, practices.strict_contacts)
                    IS DISTINCT FROM (excluded.drop_box, excluded.folder, excluded.time_zone, excluded.cadence, excluded.enabled,
                       excluded.row_error_policy, excluded.max_removal_share, excluded.window_past, excluded.window_ahead, excluded.strict_contacts)
                """, connection, transaction);
            upsert.Parameters.Add(new NpgsqlParameter { Value = p.Id });
            upsert.Parameters.Add(new NpgsqlParameter { Value = p.DropBox });
            upsert.Parameters.Add(new NpgsqlParameter { Value = p.EffectiveFolder });
            upsert.Parameters.Add(new NpgsqlParameter { Value = p.TimeZone });
            upsert.Parameters.Add(new NpgsqlParameter { Value = p.Cadence, NpgsqlDbType = NpgsqlDbType.Interval });
            upsert.Parameters.Add(new NpgsqlParameter { Value = p.Enabled });
            upsert.Parameters.Add(new NpgsqlParameter { Value = ToDb(p.RowErrors) });
            upsert.Parameters.Add(new NpgsqlParameter { Value = (decimal)p.MaxRemovalShare });
            upsert.Parameters.Add(new NpgsqlParameter { Value = p.WindowPast, NpgsqlDbType = NpgsqlDbType.Interval });
            upsert.Parameters.Add(new NpgsqlParameter { Value = p.WindowAhead, NpgsqlDbType = NpgsqlDbType.Interval });
            upsert.Parameters.Add(new NpgsqlParameter { Value = p.StrictContacts });
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }

        if (disableOthers)
        {
            await using var disable = new NpgsqlCommand("UPDATE practices SET enabled = false, updated_at = now() WHERE enabled AND source = 'json' AND NOT (id = ANY($1))", connection, transaction);
            disable.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray() });
            await disable.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    internal static string ToDb(RowErrorPolicy policy) => policy == RowErrorPolicy.RejectFile ? "reject_file" : "reject_rows";

    internal static RowErrorPolicy FromDb(string value) => value == "reject_file" ? RowErrorPolicy.RejectFile : RowErrorPolicy.RejectRows;
}
