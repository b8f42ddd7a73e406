using Microsoft.Extensions.Configuration;
using Npgsql;
using RecallFiles.Importer;
using RecallFiles.Importer.Database;
using RecallFiles.Importer.Practices;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Transport;

namespace RecallFiles.Scheduler.Configuration;

/// <summary>
/// The cloud role's settings: <c>RecallFiles:Database:ConnectionString</c> (absent: the embedded private cluster,
/// <see cref="Hosting.EmbeddedCluster"/>), <c>RecallFiles:Importer</c> (<see cref="ImporterOptions"/>),
/// <c>RecallFiles:Practices:{id}</c> (<see cref="PracticeOptions"/>) and <c>RecallFiles:DropBoxes:{name}</c>
/// (<see cref="DropBoxOptions"/>; without any, <c>default</c> is the local folder <c>{DataFolder}/dropbox</c>).
/// </summary>
internal sealed record ImportSettings(ImporterOptions Importer, IReadOnlyDictionary<string, DropBoxOptions> DropBoxes, string? ConnectionString, string DataFolder)
{
    /// <summary>The settings these were bound from (logs, audit).</summary>
    public RecallFilesSettings Settings { get; init; } = null!;

    public const string DatabaseKey = "RecallFiles:Database:ConnectionString";

    /// <summary>Binds and validates; throws <see cref="SettingsException"/> naming every wrong key.</summary>
    public static ImportSettings From(RecallFilesSettings settings)
    {
        var configuration = settings.Configuration;
        ImporterOptions importer;
        var practices = new Dictionary<string, PracticeOptions>(StringComparer.Ordinal);
        var dropBoxes = new Dictionary<string, DropBoxOptions>(StringComparer.Ordinal);
        try
        {
            importer = configuration.GetSection(ImporterOptions.SectionName).Get<ImporterOptions>() ?? new ImporterOptions();
            foreach (var section in configuration.GetSection("RecallFiles:Practices").GetChildren())
            {
                practices[section.Key] = (section.Get<PracticeOptions>() ?? new PracticeOptions()) with { Id = section.Key };
            }

            foreach (var section in configuration.GetSection("RecallFiles:DropBoxes").GetChildren())
            {
                dropBoxes[section.Key] = (section.Get<DropBoxOptions>() ?? new DropBoxOptions()) with { ConfigurationPath = section.Path };
            }
        }
        catch (InvalidOperationException ex)
        {
            throw new SettingsException($"a configuration value has the wrong type: {ex.Message}{(ex.InnerException is null ? "" : " " + ex.InnerException.Message)}", ex);
        }

        if (configuration[$"{ImporterOptions.SectionName}:ArchiveFolder"] is not { Length: > 0 })
        {
            importer = importer with { ArchiveFolder = Path.Combine(settings.DataFolder, "archive") };
        }

        if (dropBoxes.Count == 0)
        {
            var local = Path.Combine(settings.DataFolder, "dropbox");
            DataFolders.Create(local);
            dropBoxes["default"] = new DropBoxOptions { Kind = DropBoxKind.Local, RootPath = local, ConfigurationPath = "RecallFiles:DropBoxes:default" };
        }

        // Issue 17: a live catalog; the database-managed practices join it when the store opens and whenever they change.
        importer = importer with { Practices = new PracticeCatalog(practices) };
        var errors = new List<string>(importer.Validate());
        foreach (var (name, options) in dropBoxes)
        {
            errors.AddRange(options.Validate());
        }

        foreach (var practice in practices.Values.Where(p => !dropBoxes.ContainsKey(p.DropBox)))
        {
            errors.Add($"RecallFiles:Practices:{practice.Id}:DropBox is '{practice.DropBox}', which is not configured; configured drop boxes: {string.Join(", ", dropBoxes.Keys)}");
        }

        // Issue 13: two practices on the same folders would import each other's files.
        errors.AddRange(FolderOverlap.Problems(practices.Values.Where(p => p.Enabled && dropBoxes.ContainsKey(p.DropBox)).SelectMany(p => p.Folders(dropBoxes[p.DropBox]))));
        if (errors.Count > 0)
        {
            throw new SettingsException("invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)));
        }

        return new ImportSettings(importer, dropBoxes, configuration[DatabaseKey] is { Length: > 0 } cs ? cs : null, settings.DataFolder) { Settings = settings };
    }

    /// <summary>The JSON practices and those managed in the database (<see cref="ImporterOptions.Practices"/>, live).</summary>
    public PracticeCatalog Catalog => (PracticeCatalog)Importer.Practices;

    /// <summary>
    /// Opens the store: the configured server or the embedded cluster; migrates, refuses a practice configured both in
    /// JSON and in the database (<see cref="ManagedPractices.ConflictsAsync"/>, naming the key), mirrors the JSON practices
    /// and reads the database ones into <see cref="Catalog"/>.
    /// </summary>
    public async Task<NpgsqlDataSource> OpenStoreAsync(CancellationToken cancellationToken)
    {
        var connectionString = ConnectionString;
        if (connectionString is null)
        {
            // Started on demand, stopped when the verb ends (unless another process had it running).
            var cluster = await Hosting.EmbeddedCluster.StartAsync(DataFolder, cancellationToken);
            connectionString = cluster.ConnectionString;
        }

        var dataSource = NpgsqlDataSource.Create(StoreConnection.Tuned(connectionString));
        try
        {
            await Migrator.MigrateAsync(dataSource, cancellationToken);
            var conflicts = await ManagedPractices.ConflictsAsync(dataSource, Catalog.Configured, cancellationToken);
            if (conflicts.Count > 0)
            {
                throw new SettingsException("invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, conflicts.Select(e => "  " + e)));
            }

            await PracticeStore.MirrorAsync(dataSource, Catalog.Configured.Values, disableOthers: false, cancellationToken);
            await ManagedPractices.LoadAsync(dataSource, Catalog, cancellationToken);
            return dataSource;
        }
        catch
        {
            await dataSource.DisposeAsync();
            throw;
        }
    }

    /// <summary>Loads the settings for a verb; on a configuration error writes it and returns null (exit 2).</summary>
    public static async Task<ImportSettings?> LoadAsync(string verb, string? configFile, TextWriter stderr)
    {
        try
        {
            return From(RecallFilesSettings.Load(configFile, readAgent: false));
        }
        catch (SettingsException ex)
        {
            await stderr.WriteLineAsync($"recallfiles {verb}: {ex.Message}");
            return null;
        }
    }
}
