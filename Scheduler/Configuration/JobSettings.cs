using Microsoft.Extensions.Configuration;
using RecallFiles.Importer.Feed;
using RecallFiles.Reminders;
using RecallFiles.Reminders.Delivery;

namespace RecallFiles.Scheduler.Configuration;

/// <summary>
/// The reminder feed's settings: the reference engine (<c>RecallFiles:Reminders</c>), its optional SMTP server
/// (<c>RecallFiles:Reminders:Smtp</c>, on when <c>Host</c> is set) and SMS gateway (<c>RecallFiles:Reminders:SmsGateway</c>,
/// on when <c>Url</c> is set) — without them messages go to the outbox — and the optional webhook (<c>RecallFiles:Webhook</c>).
/// </summary>
internal sealed record ReminderSettings(ReminderOptions Engine, WebhookOptions Webhook, string Cron, SmtpOptions? Smtp = null, SmsGatewayOptions? Sms = null)
{
    /// <summary>Binds and validates both sections; throws <see cref="SettingsException"/> naming the key of a wrong value.</summary>
    public static ReminderSettings From(IConfiguration configuration)
    {
        var engine = configuration.GetSection("RecallFiles:Reminders").Get<ReminderOptions>() ?? new ReminderOptions();
        var webhook = configuration.GetSection("RecallFiles:Webhook").Get<WebhookOptions>() ?? new WebhookOptions();
        var cron = configuration["RecallFiles:Reminders:Cron"] is { Length: > 0 } c ? c : "* * * * *";
        var smtp = configuration.GetSection("RecallFiles:Reminders:Smtp").Get<SmtpOptions>() is { Host.Length: > 0 } m ? m : null;
        var sms = configuration.GetSection("RecallFiles:Reminders:SmsGateway").Get<SmsGatewayOptions>() is { Url: not null } g ? g : null;
        var errors = engine.Validate().Concat(webhook.Validate()).Concat(smtp?.Validate() ?? []).Concat(sms?.Validate() ?? []).ToList();
        try
        {
            Cronos.CronExpression.Parse(cron);
        }
        catch (Cronos.CronFormatException ex)
        {
            errors.Add($"RecallFiles:Reminders:Cron '{cron}' is not a cron expression ({ex.Message}); the default is '* * * * *'");
        }

        return errors.Count == 0 ? new ReminderSettings(engine, webhook, cron, smtp, sms)
            : throw new SettingsException("invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)));
    }
}

/// <summary>The cloud side's status schedules (UTC): <c>RecallFiles:Status:Cron</c>, the status export, and <c>RecallFiles:Status:ResultsCron</c>, the results import.</summary>
internal sealed record StatusCloudSettings(string Cron, string ResultsCron = StatusCloudSettings.DefaultResultsCron)
{
    public const string CronKey = "RecallFiles:Status:Cron";

    public const string ResultsCronKey = "RecallFiles:Status:ResultsCron";

    /// <summary>The status export: every 5 minutes at minute 0, 5, 10… (UTC).</summary>
    public const string DefaultCron = "*/5 * * * *";

    /// <summary>
    /// The results import: minute 2, 7, 12… — after the agent's status apply (default minute 1, 6, 11…), itself one minute
    /// after the export, so the PMS's answer is back within the interval (issue 14; both used to fire in the same second).
    /// </summary>
    public const string DefaultResultsCron = "2-59/5 * * * *";

    public static StatusCloudSettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new StatusCloudSettings(Read(configuration, CronKey, DefaultCron, "every 5 minutes"),
            Read(configuration, ResultsCronKey, DefaultResultsCron, "every 5 minutes, two minutes after the status export"));
    }

    private static string Read(IConfiguration configuration, string key, string defaultCron, string meaning)
    {
        var cron = configuration[key] is { Length: > 0 } value ? value : defaultCron;
        try
        {
            Cronos.CronExpression.Parse(cron);
        }
        catch (Cronos.CronFormatException ex)
        {
            throw new SettingsException($"{key} '{cron}' is not a cron expression ({ex.Message}); the default is '{defaultCron}' ({meaning})", ex);
        }

        return cron;
    }
}
