using System.Globalization;
using MimeKit;
using RecallFiles.Reminders.Delivery;

namespace RecallFiles.Scheduler.Alerts;

/// <summary>The cloud's alerts (section <c>RecallFiles:Alerts</c>, docs/alerts.md).</summary>
internal sealed record AlertOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "RecallFiles:Alerts";

    /// <summary>Whether the cloud evaluates the rules at all (default true; incidents are recorded even without a channel).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The evaluation job's schedule, UTC (default every minute).</summary>
    public string Cron { get; init; } = "* * * * *";

    /// <summary>How long an open incident waits before it is sent again (default 4 h).</summary>
    public TimeSpan RenotifyInterval { get; init; } = TimeSpan.FromHours(4);

    /// <summary>"Agent silent" when the newest heartbeat is older than this many of the agent's own intervals (default 1.5).</summary>
    public double AgentSilentFactor { get; init; } = RecallFiles.Importer.Agents.AgentStatus.SilentAfterIntervals;

    /// <summary>"Status updates failing" when at least this many failed or conflicted in <see cref="StatusProblemWindow"/> (default 10).</summary>
    public int StatusProblemThreshold { get; init; } = 10;

    /// <summary>The window the status problems are counted over (default 24 h).</summary>
    public TimeSpan StatusProblemWindow { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Rules switched off, by name (<c>overdue</c>, <c>batch_failed</c>, …; none by default).</summary>
    public IReadOnlyList<string> DisabledRules { get; init; } = [];

    /// <summary>The dashboard's address, linked from messages (such as <c>https://recall.example.net</c>; none by default).</summary>
    public Uri? DashboardUrl { get; init; }

    /// <summary>The e-mail channel (on when <c>Host</c> is set).</summary>
    public AlertEmailOptions Email { get; init; } = new();

    /// <summary>The webhook channel (on when <c>Url</c> is set).</summary>
    public AlertWebhookOptions Webhook { get; init; } = new();

    /// <summary>Checks the values, naming the key of a wrong one.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        try
        {
            Cronos.CronExpression.Parse(Cron);
        }
        catch (Cronos.CronFormatException ex)
        {
            errors.Add($"{Section}:Cron '{Cron}' is not a cron expression ({ex.Message}); the default is '* * * * *'");
        }

        if (RenotifyInterval < TimeSpan.FromMinutes(1))
        {
            errors.Add($"{Section}:RenotifyInterval is {RenotifyInterval}; allowed 00:01:00 or more (default 04:00:00)");
        }

        if (AgentSilentFactor is < 1 or > 100)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{Section}:AgentSilentFactor is {AgentSilentFactor}; allowed 1 to 100 (default 1.5)"));
        }

        if (StatusProblemThreshold < 1)
        {
            errors.Add($"{Section}:StatusProblemThreshold must be 1 or more (default 10)");
        }

        if (StatusProblemWindow <= TimeSpan.Zero)
        {
            errors.Add($"{Section}:StatusProblemWindow must be positive (default 1.00:00:00)");
        }

        if (DisabledRules.FirstOrDefault(r => !AlertRules.All.Contains(r)) is { } unknown)
        {
            errors.Add($"{Section}:DisabledRules: '{unknown}' is not a rule; the rules are {string.Join(", ", AlertRules.All)}");
        }

        if (Email.Enabled)
        {
            errors.AddRange(Email.ToSmtp().Validate($"{Section}:Email"));
            if (Email.To.Count == 0 || Email.To.Any(t => !MailboxAddress.TryParse(t, out _) || !t.Contains('@', StringComparison.Ordinal)))
            {
                errors.Add($"{Section}:Email:To needs at least one e-mail address (RecallFiles__Alerts__Email__To__0=ops@example.net)");
            }
        }

        if (Webhook.Url is { } url && (url.Scheme is not ("https" or "http") || (url.Scheme == "http" && !Webhook.AllowInsecure)))
        {
            errors.Add($"{Section}:Webhook:Url must be an https address (http needs {Section}:Webhook:AllowInsecure true)");
        }

        return errors;
    }
}

/// <summary>Alert e-mail through an SMTP server (MailKit), keyed as <c>RecallFiles:Reminders:Smtp</c> plus <see cref="To"/>.</summary>
internal sealed record AlertEmailOptions
{
    /// <summary>The SMTP server's host name; none = no e-mail.</summary>
    public string? Host { get; init; }

    /// <summary>The port (default 587 with STARTTLS; 465 for implicit TLS).</summary>
    public int Port { get; init; } = 587;

    /// <summary><c>StartTls</c> (default), <c>Tls</c> or <c>None</c> (only with <see cref="AllowInsecure"/>).</summary>
    public SmtpSecurity Security { get; init; } = SmtpSecurity.StartTls;

    /// <summary>The login; none = no AUTH.</summary>
    public string? UserName { get; init; }

    /// <summary>The password of <see cref="UserName"/> (a secret: environment or secret store).</summary>
    public string? Password { get; init; }

    /// <summary>The sender address.</summary>
    public string From { get; init; } = "";

    /// <summary>The sender's display name (default <c>RecallFiles alerts</c>).</summary>
    public string? FromName { get; init; } = "RecallFiles alerts";

    /// <summary>The recipients (numbered 0, 1, …).</summary>
    public IReadOnlyList<string> To { get; init; } = [];

    /// <summary>The SHA-1 or SHA-256 thumbprint of the server's certificate, to accept it without a CA.</summary>
    public string? CertificateThumbprint { get; init; }

    /// <summary>Allows <c>Security: None</c>.</summary>
    public bool AllowInsecure { get; init; }

    /// <summary>The connect and command timeout (default 30 s).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>True when a host is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Host);

    /// <summary>The same settings in the reminder sender's shape (shared validation).</summary>
    public SmtpOptions ToSmtp() => new()
    {
        Host = Host, Port = Port, Security = Security, UserName = UserName, Password = Password, From = From, FromName = FromName,
        CertificateThumbprint = CertificateThumbprint, AllowInsecure = AllowInsecure, Timeout = Timeout,
    };
}

/// <summary>The body a webhook gets.</summary>
internal enum AlertWebhookFormat
{
    /// <summary>RecallFiles' own JSON: <c>event</c>, <c>incident</c>, <c>text</c>.</summary>
    Generic,

    /// <summary>A Slack incoming webhook: <c>{"text": …}</c>.</summary>
    Slack,

    /// <summary>A Microsoft Teams workflow webhook: a message with one Adaptive Card.</summary>
    Teams,
}

/// <summary>Alerts as an HTTP POST of JSON.</summary>
internal sealed record AlertWebhookOptions
{
    /// <summary>Where to POST; none = no webhook.</summary>
    public Uri? Url { get; init; }

    /// <summary><c>Generic</c> (default), <c>Slack</c> or <c>Teams</c>.</summary>
    public AlertWebhookFormat Format { get; init; } = AlertWebhookFormat.Generic;

    /// <summary>The request timeout (default 10 s).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Allows an <c>http://</c> URL (a receiver on the same host); messages then cross the network in clear.</summary>
    public bool AllowInsecure { get; init; }
}
