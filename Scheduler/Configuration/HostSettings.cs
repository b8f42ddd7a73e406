using System.Globalization;

namespace RecallFiles.Scheduler.Configuration;

/// <summary>How log lines are written.</summary>
internal enum LogFormat
{
    /// <summary><c>time|LEVEL|category|message</c>, one line per event.</summary>
    Text,

    /// <summary>One JSON object per line (time, level, logger, message, exception).</summary>
    Json,
}

/// <summary>Logging (section <c>RecallFiles:Logging</c>); docs/configuration.md lists every key.</summary>
internal sealed record LoggingSettings
{
    /// <summary>Folder of the rolling log files and the audit log. Default <c>{DataFolder}/logs</c>.</summary>
    public string? Folder { get; init; }

    /// <summary>Least level written: Trace, Debug, Information, Warning, Error, Critical. Default Information.</summary>
    public string MinLevel { get; init; } = "Information";

    /// <summary><c>Text</c> (default) or <c>Json</c>, for the console and the files.</summary>
    public LogFormat Format { get; init; } = LogFormat.Text;

    /// <summary>Write to the console (standard output under a service manager: journald, Windows event collection). Default true.</summary>
    public bool Console { get; init; } = true;

    /// <summary>A log file is archived daily and when it grows above this size. Default 50 MB.</summary>
    public int ArchiveAboveSizeMB { get; init; } = 50;

    /// <summary>How many archived log files are kept. Default 14.</summary>
    public int MaxArchiveFiles { get; init; } = 14;

    internal static readonly string[] Levels = ["Trace", "Debug", "Information", "Warning", "Error", "Critical"];

    /// <summary>The problems, each naming its key and the allowed values.</summary>
    public IEnumerable<string> Validate(string prefix)
    {
        if (!Levels.Contains(MinLevel, StringComparer.OrdinalIgnoreCase))
        {
            yield return $"{prefix}:MinLevel is '{MinLevel}'; allowed: {string.Join(", ", Levels)}";
        }

        if (!Enum.IsDefined(Format))
        {
            yield return $"{prefix}:Format is '{Format}'; allowed: Text, Json";
        }

        if (ArchiveAboveSizeMB is < 1 or > 10_000)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{prefix}:ArchiveAboveSizeMB is {ArchiveAboveSizeMB}; allowed 1-10000");
        }

        if (MaxArchiveFiles is < 1 or > 10_000)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{prefix}:MaxArchiveFiles is {MaxArchiveFiles}; allowed 1-10000");
        }
    }
}

/// <summary>A dashboard role.</summary>
internal enum DashboardRole
{
    /// <summary>The managed service provider: sees every page, changes nothing.</summary>
    Msp,

    /// <summary>Support: may also trigger, requeue and delete jobs, replay and approve batches.</summary>
    Support,
}

/// <summary>One dashboard login (<c>RecallFiles:Dashboard:Users:N</c>).</summary>
internal sealed record DashboardUser
{
    /// <summary>The login name.</summary>
    public string Name { get; init; } = "";

    /// <summary>The password's hash, as <c>./recallfiles dashboard-hash-password</c> prints it (PBKDF2-SHA256). Never the password.</summary>
    public string PasswordHash { get; init; } = "";

    /// <summary><c>Msp</c> (read-only) or <c>Support</c>.</summary>
    public DashboardRole Role { get; init; } = DashboardRole.Msp;

    /// <summary>
    /// The RFC 6238 TOTP secret (base32), as <c>./recallfiles dashboard-enroll-totp NAME</c> prints it. Required for
    /// <c>Support</c>, optional for <c>Msp</c> (when set, the login asks for the code). A secret: environment or UsersFile.
    /// </summary>
    public string? TotpSecret { get; init; }
}

/// <summary>The Hangfire dashboard (section <c>RecallFiles:Dashboard</c>).</summary>
internal sealed record DashboardSettings
{
    /// <summary>Serve the dashboard on <c>/hangfire</c>. Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The logins; needed whenever the host listens on anything but 127.0.0.1, ::1 or localhost.</summary>
    public IReadOnlyList<DashboardUser> Users { get; init; } = [];

    /// <summary>A secret file with more logins, one per line: <c>NAME ROLE HASH</c> (# comments allowed).</summary>
    public string? UsersFile { get; init; }

    /// <summary>Freshness: a practice is overdue when its last file is older than this many expected intervals. Default 2.</summary>
    public double OverdueAfterIntervals { get; init; } = 2;

    /// <summary>
    /// Every caller logs in, on loopback too. Default (unset): on as soon as any login is configured; off without logins,
    /// when only the person at the machine (loopback connection, loopback Host, no proxy headers) gets in.
    /// </summary>
    public bool? RequireLogin { get; init; }

    /// <summary>
    /// Addresses of the reverse proxies whose <c>X-Forwarded-For</c>/<c>X-Forwarded-Proto</c> are believed (ASP.NET Core's
    /// forwarded-headers middleware). Empty (default): forwarded headers are ignored, never trusted from anyone.
    /// </summary>
    public IReadOnlyList<string> KnownProxies { get; init; } = [];

    /// <summary>Failed logins of one login name before it is locked. Default 10.</summary>
    public int LockoutFailures { get; init; } = 10;

    /// <summary>Failed logins from one address (any names) before the address is locked. Default 50.</summary>
    public int AddressLockoutFailures { get; init; } = 50;

    /// <summary>How long a lock lasts, and the window its failures are counted in. Default 15 minutes.</summary>
    public int LockoutMinutes { get; init; } = 15;

    /// <summary>Login attempts (POST /login) per address per minute before 429 (ASP.NET Core's rate limiter). Default 30.</summary>
    public int LoginRequestsPerMinute { get; init; } = 30;

    /// <summary>How long a login lasts without use (sliding). Default 8 hours.</summary>
    public int SessionHours { get; init; } = 8;
}

/// <summary>Hangfire (section <c>RecallFiles:Hangfire</c>).</summary>
internal sealed record HangfireSettings
{
    /// <summary>Hangfire storage on PostgreSQL; empty keeps the agent in memory and puts the cloud role on the cloud database.</summary>
    public string? PostgreSql { get; init; }

    /// <summary>The PostgreSQL schema of Hangfire's tables. Default <c>hangfire</c>.</summary>
    public string Schema { get; init; } = "hangfire";

    /// <summary>Hangfire worker threads of this server. Default max(2, 2 × cores).</summary>
    public int WorkerCount { get; init; } = Math.Max(2, Environment.ProcessorCount * 2);

    /// <summary>
    /// How often an idle server asks a PostgreSQL store for enqueued jobs (Hangfire.PostgreSql's QueuePollInterval): a job
    /// triggered on the dashboard or a practice's export starts at most this late. Default 15 seconds (issue 17).
    /// </summary>
    public TimeSpan QueuePollInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The problems, each naming its key.</summary>
    public IEnumerable<string> Validate(string prefix)
    {
        if (WorkerCount is < 1 or > 100)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{prefix}:WorkerCount is {WorkerCount}; allowed 1-100");
        }

        if (QueuePollInterval < TimeSpan.FromMilliseconds(100) || QueuePollInterval > TimeSpan.FromMinutes(10))
        {
            yield return $"{prefix}:QueuePollInterval is {QueuePollInterval}; allowed 00:00:00.1 to 00:10:00 (default 00:00:15)";
        }

        if (string.IsNullOrWhiteSpace(Schema) || !Schema.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            yield return $"{prefix}:Schema is '{Schema}'; allowed: lower-case letters, digits and _";
        }
    }
}

/// <summary>Retention (section <c>RecallFiles:Housekeeping</c>): the cloud's archive, the agent's export copies.</summary>
internal sealed record HousekeepingSettings
{
    /// <summary>Cron of the housekeeping job (UTC). Default 03:30 daily.</summary>
    public string Cron { get; init; } = "30 3 * * *";

    /// <summary>Cloud: archived files (PHI) older than this many days are deleted; 0 keeps everything. Default 90 (replay needs the archive).</summary>
    public int ArchiveRetentionDays { get; init; } = 90;

    /// <summary>Agent: copies of exported files (PHI) older than this many days are deleted; 0 keeps everything. Default 7.</summary>
    public int ExportRetentionDays { get; init; } = 7;

    /// <summary>The problems, each naming its key.</summary>
    public IEnumerable<string> Validate(string prefix)
    {
        if (ArchiveRetentionDays is < 0 or > 36_500)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{prefix}:ArchiveRetentionDays is {ArchiveRetentionDays}; allowed 0 (keep all) to 36500");
        }

        if (ExportRetentionDays is < 0 or > 36_500)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{prefix}:ExportRetentionDays is {ExportRetentionDays}; allowed 0 (keep all) to 36500");
        }

        string? problem = null;
        try
        {
            Cronos.CronExpression.Parse(Cron);
        }
        catch (Cronos.CronFormatException ex)
        {
            problem = $"{prefix}:Cron '{Cron}' is not a cron expression ({ex.Message}); the default is '30 3 * * *'";
        }

        if (problem is not null)
        {
            yield return problem;
        }
    }
}
