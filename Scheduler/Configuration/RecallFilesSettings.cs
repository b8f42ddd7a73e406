using Microsoft.Extensions.Configuration;
using RecallFiles.Exporter;

namespace RecallFiles.Scheduler.Configuration;

/// <summary>The agent role's settings (section <c>RecallFiles:Agent</c>), bound by <see cref="AgentPractices"/>.</summary>
internal sealed record AgentSettings
{
    private readonly IReadOnlyList<AgentPractice> _entries = [];

    /// <summary>The practices this agent exports, one entry each, keyed by practice id (<c>RecallFiles:Agent:Practices:{id}</c>).</summary>
    public IReadOnlyList<PracticeExportOptions> Practices { get; init; } = [];

    /// <summary>The practices with the keys they are configured under.</summary>
    internal IReadOnlyList<AgentPractice> Entries
    {
        get => _entries;
        init
        {
            _entries = value;
            Practices = [.. value.Select(e => e.Options)];
        }
    }

    /// <summary>
    /// This agent's name (<c>RecallFiles:Agent:Name</c>, issue 17; default the host name in lower case, other characters as
    /// <c>_</c>): its Hangfire queue is <c>agent_{name}</c>, and its heartbeats carry it. Agents sharing a Hangfire store need different names.
    /// </summary>
    public string Name { get; init; } = AgentName.Default;

    /// <summary>The key a practice is configured under, such as <c>RecallFiles:Agent:Practices:ACME-01</c>.</summary>
    public string KeyOf(string practiceId) =>
        _entries.FirstOrDefault(e => e.Options.PracticeId.Equals(practiceId, StringComparison.OrdinalIgnoreCase))?.Key ?? $"{AgentPractices.Section}:{practiceId}";
}

/// <summary>
/// Loads the configuration every verb shares: <c>--config FILE</c>, else <c>$RECALLFILES_CONFIG</c>,
/// else <c>./appsettings.json</c> when present; then environment variables (<c>RecallFiles__Agent__Practices__ACME-01__ConnectionString</c>),
/// which win. Secrets belong in the environment or a secret file, never in the repository. Each role reads only its own
/// section (issue 14): the agent section is bound only when <c>readAgent</c> is set, so a shell that also holds the
/// agent's variables cannot break a cloud verb.
/// </summary>
internal sealed class RecallFilesSettings
{
    /// <summary>The root section.</summary>
    public const string Section = "RecallFiles";

    private readonly IReadOnlyList<string> _agentErrors = [];

    private RecallFilesSettings(IConfiguration configuration, string? file, bool readAgent)
    {
        Configuration = configuration;
        File = file;
        ReadsAgent = readAgent;
        DataFolder = Path.GetFullPath(configuration[$"{Section}:DataFolder"] is { Length: > 0 } folder ? folder : ".recallfiles");
        if (readAgent)
        {
            var (practices, errors) = AgentPractices.Bind(configuration);
            var all = errors.ToList();
            var name = AgentName.From(configuration, all);
            Agent = new AgentSettings { Entries = practices, Name = name };
            _agentErrors = all;
        }
        else
        {
            Agent = new AgentSettings();
        }

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

    /// <summary>The agent role; empty when the agent section was not read (a cloud verb).</summary>
    public AgentSettings Agent { get; }

    /// <summary>Whether the agent section was read.</summary>
    public bool ReadsAgent { get; }

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

    /// <summary>
    /// Loads the settings; throws <see cref="SettingsException"/> naming the key of a wrong value. A cloud verb passes
    /// <paramref name="readAgent"/> false: the agent section is then neither bound nor validated.
    /// </summary>
    public static RecallFilesSettings Load(string? configFile = null, bool readAgent = true)
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

        return From(configuration, file, readAgent);
    }

    /// <summary>Binds and validates settings from an already built configuration.</summary>
    public static RecallFilesSettings From(IConfiguration configuration, string? file, bool readAgent = true)
    {
        RecallFilesSettings settings;
        try
        {
            settings = new RecallFilesSettings(configuration, file, readAgent);
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
        errors.AddRange(_agentErrors);
        foreach (var (practice, key) in Agent.Entries)
        {
            errors.AddRange(PracticeExportOptions.ValidateRenamedKeys(Configuration.GetSection(key).GetChildren().Select(c => c.Key), key));
            errors.AddRange(practice.Validate(key));
            if (practice.DropBox is { Kind: Transport.DropBoxKind.Ftp, AllowInsecure: false } plain)
            {
                // Issue 12: clear-text FTP only when asked for by name (Transport's own check, at start-up rather than at the first upload).
                errors.AddRange(plain.Validate().Where(e => e.Contains(":AllowInsecure", StringComparison.Ordinal)));
            }
        }

        errors.AddRange(Transport.FolderOverlap.Problems(Agent.Entries.SelectMany(e => e.Options.Folders(e.Key))));
        errors.AddRange(Logging.Validate($"{Section}:Logging"));
        errors.AddRange(Hangfire.Validate($"{Section}:Hangfire"));
        errors.AddRange(Housekeeping.Validate($"{Section}:Housekeeping"));
        errors.AddRange(Dashboards.DashboardUsers.Validate(Dashboard, $"{Section}:Dashboard"));
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
