using Microsoft.Extensions.Configuration;
using RecallFiles.Exporter;

namespace RecallFiles.Scheduler.Configuration;

/// <summary>The agent role's settings (section <c>RecallFiles:Agent</c>).</summary>
internal sealed record AgentSettings
{
    /// <summary>The practices this agent exports, one entry each.</summary>
    public IReadOnlyList<PracticeExportOptions> Practices { get; init; } = [];
}

/// <summary>
/// Loads the configuration every verb shares: <c>--config FILE</c>, else <c>$RECALLFILES_CONFIG</c>,
/// else <c>./appsettings.json</c> when present; then environment variables (<c>RecallFiles__Agent__Practices__0__ConnectionString</c>),
/// which win. Secrets belong in the environment or a secret file, never in the repository.
/// </summary>
internal sealed class RecallFilesSettings
{
    /// <summary>The root section.</summary>
    public const string Section = "RecallFiles";

    private RecallFilesSettings(IConfiguration configuration, string? file)
    {
        Configuration = configuration;
        File = file;
        DataFolder = Path.GetFullPath(configuration[$"{Section}:DataFolder"] is { Length: > 0 } folder ? folder : ".recallfiles");
        var agent = configuration.GetSection($"{Section}:Agent").Get<AgentSettings>() ?? new AgentSettings();
        // Drop box messages name the key to fix: point them at this practice's entry.
        Agent = agent with
        {
            Practices = [.. agent.Practices.Select((p, i) => p.DropBox is null ? p : p with { DropBox = p.DropBox with { ConfigurationPath = $"{Section}:Agent:Practices:{i}:DropBox" } })],
        };
        Logging = configuration.GetSection($"{Section}:Logging").Get<LoggingSettings>() ?? new LoggingSettings();
        Dashboard = configuration.GetSection($"{Section}:Dashboard").Get<DashboardSettings>() ?? new DashboardSettings();
        Hangfire = configuration.GetSection($"{Section}:Hangfire").Get<HangfireSettings>() ?? new HangfireSettings();
        Housekeeping = configuration.GetSection($"{Section}:Housekeeping").Get<HousekeepingSettings>() ?? new HousekeepingSettings();
    }

    /// <summary>The merged configuration.</summary>
    public IConfiguration Configuration { get; }

    /// <summary>The configuration file read, if any.</summary>
    public string? File { get; }

    /// <summary>Where the agent keeps its ledger and copies of exported files, and the embedded cluster lives (default <c>./.recallfiles</c>).</summary>
    public string DataFolder { get; }

    /// <summary>The agent role.</summary>
    public AgentSettings Agent { get; }

    /// <summary>Logging (<c>RecallFiles:Logging</c>).</summary>
    public LoggingSettings Logging { get; }

    /// <summary>The dashboard and its logins (<c>RecallFiles:Dashboard</c>).</summary>
    public DashboardSettings Dashboard { get; }

    /// <summary>Hangfire storage and workers (<c>RecallFiles:Hangfire</c>).</summary>
    public HangfireSettings Hangfire { get; }

    /// <summary>Cloud retention (<c>RecallFiles:Housekeeping</c>).</summary>
    public HousekeepingSettings Housekeeping { get; }

    /// <summary>The folder of the log files and the audit log.</summary>
    public string LogFolder => Path.GetFullPath(Logging.Folder is { Length: > 0 } folder ? folder : Path.Combine(DataFolder, "logs"));

    /// <summary>The machines' API keys (hashed): <c>RecallFiles:Api:KeysFile</c>, default <c>{DataFolder}/api-keys.json</c>.</summary>
    public string ApiKeysPath => Path.GetFullPath(Configuration[$"{Section}:Api:KeysFile"] is { Length: > 0 } file ? file : Path.Combine(DataFolder, "api-keys.json"));

    /// <summary>The export ledger's path.</summary>
    public string LedgerPath => Path.Combine(DataFolder, "agent", "ledger.db");

    /// <summary>Where a practice's exported files are kept.</summary>
    public string ExportFolder(string practiceId) => Path.Combine(DataFolder, "agent", "exports", practiceId);

    /// <summary>Loads the settings; throws <see cref="SettingsException"/> naming the key of a wrong value.</summary>
    public static RecallFilesSettings Load(string? configFile = null)
    {
        var file = configFile ?? Environment.GetEnvironmentVariable("RECALLFILES_CONFIG");
        if (file is null && System.IO.File.Exists("appsettings.json"))
        {
            file = "appsettings.json";
        }

        var builder = new ConfigurationBuilder();
        if (file is not null)
        {
            if (!System.IO.File.Exists(file))
            {
                throw new SettingsException($"the configuration file '{Path.GetFullPath(file)}' does not exist");
            }

            builder.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables();
        IConfiguration configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (InvalidDataException ex)
        {
            throw new SettingsException($"the configuration file '{file}' is not valid JSON: {ex.Message}", ex);
        }

        return From(configuration, file);
    }

    /// <summary>Binds and validates settings from an already built configuration.</summary>
    public static RecallFilesSettings From(IConfiguration configuration, string? file)
    {
        RecallFilesSettings settings;
        try
        {
            settings = new RecallFilesSettings(configuration, file);
        }
        catch (InvalidOperationException ex)
        {
            throw new SettingsException($"a configuration value has the wrong type: {ex.Message}{(ex.InnerException is null ? "" : " " + ex.InnerException.Message)}", ex);
        }

        var errors = settings.Validate();
        if (errors.Count > 0)
        {
            throw new SettingsException("invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)));
        }

        return settings;
    }

    /// <summary>Every wrong value, each naming its key and what is allowed.</summary>
    public IReadOnlyList<string> Validate()
    {
        // Issue 14: a key nothing binds (a misspelling) would leave its default in force without a word.
        var errors = new List<string>(KnownKeys.Unknown(Configuration));
        for (var i = 0; i < Agent.Practices.Count; i++)
        {
            var key = $"{Section}:Agent:Practices:{i}";
            errors.AddRange(PracticeExportOptions.ValidateRenamedKeys(Configuration.GetSection(key).GetChildren().Select(c => c.Key), key));
            errors.AddRange(Agent.Practices[i].Validate(key));
            if (Agent.Practices[i].DropBox is { Kind: Transport.DropBoxKind.Ftp, AllowInsecure: false } plain)
            {
                // Issue 12: clear-text FTP only when asked for by name (Transport's own check, at start-up rather than at the first upload).
                errors.AddRange(plain.Validate().Where(e => e.Contains(":AllowInsecure", StringComparison.Ordinal)));
            }
        }

        errors.AddRange(Transport.FolderOverlap.Problems(Agent.Practices.SelectMany((p, i) => p.Folders($"{Section}:Agent:Practices:{i}"))));
        errors.AddRange(Logging.Validate($"{Section}:Logging"));
        errors.AddRange(Hangfire.Validate($"{Section}:Hangfire"));
        errors.AddRange(Housekeeping.Validate($"{Section}:Housekeeping"));
        errors.AddRange(Dashboards.DashboardUsers.Validate(Dashboard, $"{Section}:Dashboard"));
        foreach (var duplicate in Agent.Practices.GroupBy(p => p.PracticeId, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            errors.Add($"{Section}:Agent:Practices: practice id '{duplicate.Key}' is configured {duplicate.Count()} times; each practice once");
        }

        return errors;
    }
}

/// <summary>The configuration is wrong; the message names the key and the allowed values.</summary>
internal sealed class SettingsException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SettingsException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public SettingsException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>Creates the exception without a message; prefer the others.</summary>
    public SettingsException() : base("invalid configuration")
    {
    }
}
