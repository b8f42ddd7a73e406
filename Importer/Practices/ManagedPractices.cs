using Npgsql;
using NpgsqlTypes;
using RecallFiles.Schemas;

namespace RecallFiles.Importer.Practices;

/// <summary>A row of <c>practices</c> with where it is configured: <c>json</c> (the configuration file) or <c>db</c> (the CLI, the dashboard).</summary>
public sealed record ManagedPractice(PracticeOptions Options, string Source, string? ChangedBy, DateTimeOffset UpdatedAt)
{
    /// <summary>Configured in JSON: read-only to <c>recallfiles practices</c> and the dashboard.</summary>
    public const string Json = "json";

    /// <summary>Managed in the database.</summary>
    public const string Database = "db";
}

/// <summary>
/// The practices managed in the database (issue 17): read, insert, update, and the one rule that keeps them apart from the
/// JSON ones — a practice id lives in one place. Every change of a setting takes the next <c>config_version</c> (a
/// trigger, migration 0420), which running servers compare once a minute.
/// </summary>
public static class ManagedPractices
{
    private const string Columns = "id, drop_box, folder, errors_folder, time_zone, cadence, enabled, row_error_policy, max_removal_share, window_past, window_ahead, " +
        "strict_contacts, source, changed_by, updated_at";

    /// <summary>The newest <c>config_version</c>: one index read, whatever the number of practices.</summary>
    public static async Task<long> VersionAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("SELECT coalesce(max(config_version), 0) FROM practices");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Every practice row, by id, and the version they were read at (one statement, one snapshot).</summary>
    public static async Task<(IReadOnlyList<ManagedPractice> Practices, long Version)> ReadAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand($"SELECT {Columns}, (SELECT coalesce(max(config_version), 0) FROM practices) FROM practices ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<ManagedPractice>();
        long version = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(Read(reader));
            version = reader.GetInt64(15);
        }

        if (list.Count == 0)
        {
            version = await VersionAsync(dataSource, cancellationToken);
        }

        return (list, version);
    }

    /// <summary>One practice row, or null.</summary>
    public static async Task<ManagedPractice?> FindAsync(NpgsqlDataSource dataSource, string practiceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM practices WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = practiceId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>Reads the database-managed practices into <paramref name="catalog"/>; returns the version read.</summary>
    public static async Task<long> LoadAsync(NpgsqlDataSource dataSource, PracticeCatalog catalog, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var (practices, version) = await ReadAsync(dataSource, cancellationToken);
        catalog.Replace(practices.Where(p => p.Source == ManagedPractice.Database).Select(p => p.Options), version);
        return version;
    }

    /// <summary>
    /// The rule between JSON and the database: an id configured in JSON that the database manages (<c>source = 'db'</c>)
    /// is a conflict — whichever settings differ are named — so start-up stops and <c>check</c> fails instead of one side
    /// silently winning. Fix: remove the section from the configuration (the database keeps managing it), or disable the
    /// database practice and configure it under a new id.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ConflictsAsync(NpgsqlDataSource dataSource, IReadOnlyDictionary<string, PracticeOptions> configured,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configured);
        if (configured.Count == 0)
        {
            return [];
        }

        var (rows, _) = await ReadAsync(dataSource, cancellationToken);
        var problems = new List<string>();
        foreach (var row in rows.Where(r => r.Source == ManagedPractice.Database && configured.ContainsKey(r.Options.Id)))
        {
            var json = configured[row.Options.Id] with { Id = row.Options.Id };
            var differences = Differences(json, row.Options);
            problems.Add($"RecallFiles:Practices:{row.Options.Id} is configured in JSON, but practice {row.Options.Id} is managed in the database " +
                $"(added or changed by {row.ChangedBy ?? "?"}; 'recallfiles practices list'): " +
                (differences.Count == 0 ? "the settings agree, " : $"they differ in {string.Join(", ", differences)}; ") +
                "keep one: remove RecallFiles:Practices:" + row.Options.Id + " from the configuration, or 'recallfiles practices disable " + row.Options.Id +
                "' and configure it under another id.");
        }

        return problems;
    }

    /// <summary>The settings (configuration key names) in which <paramref name="a"/> and <paramref name="b"/> differ, with both values.</summary>
    public static IReadOnlyList<string> Differences(PracticeOptions a, PracticeOptions b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var list = new List<string>();
        void Check(string key, object x, object y)
        {
            if (!Equals(x, y))
            {
                list.Add(FormattableString.Invariant($"{key} (JSON {x}, database {y})"));
            }
        }

        Check(nameof(PracticeOptions.DropBox), a.DropBox, b.DropBox);
        Check(nameof(PracticeOptions.Folder), a.EffectiveFolder, b.EffectiveFolder);
        Check(nameof(PracticeOptions.ErrorsFolder), a.EffectiveErrorsFolder, b.EffectiveErrorsFolder);
        Check(nameof(PracticeOptions.TimeZone), a.TimeZone, b.TimeZone);
        Check(nameof(PracticeOptions.Cadence), a.Cadence, b.Cadence);
        Check(nameof(PracticeOptions.Enabled), a.Enabled, b.Enabled);
        Check(nameof(PracticeOptions.RowErrors), a.RowErrors, b.RowErrors);
        Check(nameof(PracticeOptions.MaxRemovalShare), Math.Round(a.MaxRemovalShare, 4), Math.Round(b.MaxRemovalShare, 4));
        Check(nameof(PracticeOptions.StrictContacts), a.StrictContacts, b.StrictContacts);
        Check(nameof(PracticeOptions.WindowPast), a.WindowPast, b.WindowPast);
        Check(nameof(PracticeOptions.WindowAhead), a.WindowAhead, b.WindowAhead);
        return list;
    }

    /// <summary>Inserts a database-managed practice; a <see cref="ConflictException"/> when the id exists (in either place).</summary>
    public static async Task InsertAsync(NpgsqlDataSource dataSource, PracticeOptions practice, string who, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(practice);
        await using var command = dataSource.CreateCommand("""
            INSERT INTO practices (id, drop_box, folder, errors_folder, time_zone, cadence, enabled, row_error_policy, max_removal_share, window_past, window_ahead,
                                   strict_contacts, source, changed_by, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'db', $13, now())
            ON CONFLICT (id) DO NOTHING
            """);
        AddSettings(command, practice, who);
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            var existing = await FindAsync(dataSource, practice.Id, cancellationToken);
            throw new ConflictException(existing?.Source == ManagedPractice.Json
                ? $"practice {practice.Id} is configured in JSON (RecallFiles:Practices:{practice.Id}): change it in the configuration file"
                : $"practice {practice.Id} exists already: change it with 'recallfiles practices edit {practice.Id}'");
        }
    }

    /// <summary>Updates a database-managed practice; <see cref="NotFoundException"/> or <see cref="ConflictException"/> (configured in JSON).</summary>
    public static async Task UpdateAsync(NpgsqlDataSource dataSource, PracticeOptions practice, string who, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(practice);
        await using var command = dataSource.CreateCommand("""
            UPDATE practices SET drop_box = $2, folder = $3, errors_folder = $4, time_zone = $5, cadence = $6, enabled = $7, row_error_policy = $8,
                   max_removal_share = $9, window_past = $10, window_ahead = $11, strict_contacts = $12, changed_by = $13, updated_at = now()
            WHERE id = $1 AND source = 'db'
            """);
        AddSettings(command, practice, who);
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            throw await NotManagedAsync(dataSource, practice.Id, cancellationToken);
        }
    }

    /// <summary>Why <paramref name="practiceId"/> cannot be changed here: unknown, or configured in JSON.</summary>
    public static async Task<RecallFilesException> NotManagedAsync(NpgsqlDataSource dataSource, string practiceId, CancellationToken cancellationToken = default) =>
        await FindAsync(dataSource, practiceId, cancellationToken) is { Source: ManagedPractice.Json }
            ? new ConflictException($"practice {practiceId} is configured in JSON (RecallFiles:Practices:{practiceId}), read-only here: change it in the configuration file")
            : new NotFoundException($"there is no practice {practiceId}: add it with 'recallfiles practices add {practiceId} --drop-box NAME'");

    private static void AddSettings(NpgsqlCommand command, PracticeOptions p, string who)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = p.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = p.DropBox });
        command.Parameters.Add(new NpgsqlParameter { Value = p.EffectiveFolder });
        command.Parameters.Add(new NpgsqlParameter { Value = p.EffectiveErrorsFolder });
        command.Parameters.Add(new NpgsqlParameter { Value = p.TimeZone });
        command.Parameters.Add(new NpgsqlParameter { Value = p.Cadence, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter { Value = p.Enabled });
        command.Parameters.Add(new NpgsqlParameter { Value = PracticeStore.ToDb(p.RowErrors) });
        command.Parameters.Add(new NpgsqlParameter { Value = (decimal)p.MaxRemovalShare });
        command.Parameters.Add(new NpgsqlParameter { Value = p.WindowPast, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter { Value = p.WindowAhead, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter { Value = p.StrictContacts });
        command.Parameters.Add(new NpgsqlParameter { Value = who });
    }

    private static ManagedPractice Read(NpgsqlDataReader r) => new(new PracticeOptions
    {
        Id = r.GetString(0),
        DropBox = r.GetString(1),
        Folder = r.GetString(2),
        ErrorsFolder = r.IsDBNull(3) ? null : r.GetString(3),
        TimeZone = r.GetString(4),
        Cadence = r.GetTimeSpan(5),
        Enabled = r.GetBoolean(6),
        RowErrors = PracticeStore.FromDb(r.GetString(7)),
        MaxRemovalShare = (double)r.GetDecimal(8),
        WindowPast = r.GetTimeSpan(9),
        WindowAhead = r.GetTimeSpan(10),
        StrictContacts = r.GetBoolean(11),
    }, r.GetString(12), r.IsDBNull(13) ? null : r.GetString(13), new DateTimeOffset(r.GetDateTime(14), TimeSpan.Zero));
}
