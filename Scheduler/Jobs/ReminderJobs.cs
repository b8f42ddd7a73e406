using System.ComponentModel;
using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;
using RecallFiles.Importer.Feed;
using RecallFiles.Reminders;
using RecallFiles.Reminders.Delivery;
using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Scheduler.Jobs;

/// <summary>
/// "Reminders": plans from new appointment events, sends what is due (SMTP and the SMS gateway when configured, else
/// the outbox), and forwards the
/// events to the webhook when one is configured. Every minute by default; never two at once.
/// </summary>
internal sealed class ReminderJob(NpgsqlDataSource dataSource, ReminderSettings settings, TimeProvider time, IHttpClientFactory http, ILogger<ReminderJob> logger)
{
    /// <summary>The recurring job id.</summary>
    public const string RecurringId = "reminders";

    // The engine's tables are created once per database per process (the statement is idempotent either way).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> SchemaReady = new(StringComparer.Ordinal);

    /// <summary>Runs one round; returns what it did, for the dashboard.</summary>
    [JobDisplayName("Reminders")]
    [DisplayName("Reminders")]
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [30, 120, 600])]
    [DisableConcurrentExecution("recallfiles:reminders", 600)]
    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var (planned, sent, forwarded) = await RunOnceAsync(cancellationToken);
        return $"{planned} event(s) planned, {sent} message(s) sent, {forwarded} event(s) to the webhook";
    }

    internal async Task<(int Events, int Sent, int Forwarded)> RunOnceAsync(CancellationToken cancellationToken)
    {
        if (!SchemaReady.ContainsKey(dataSource.ConnectionString))
        {
            await ReminderEngine.EnsureSchemaAsync(dataSource, cancellationToken);
            SchemaReady[dataSource.ConnectionString] = true;
        }

        var sender = new SenderRouter(
            email: settings.Smtp is { } smtp ? new SmtpSender(smtp) : null,
            sms: settings.Sms is { } sms ? new SmsGatewaySender(sms, http.CreateClient("sms")) : null);
        var engine = new ReminderEngine(dataSource, settings.Engine, time, sender, logger);
        var events = await engine.PlanAsync(cancellationToken);
        var sent = await engine.SendDueAsync(cancellationToken: cancellationToken);
        var forwarded = await new WebhookForwarder(dataSource, settings.Webhook, http.CreateClient("webhook"), time, logger).ForwardAsync(cancellationToken);
        return (events, sent, forwarded);
    }
}

/// <summary>The cloud role's reminder job module.</summary>
internal sealed class ReminderJobs(ReminderSettings settings) : IJobModule
{
    public IReadOnlyList<string> Prefixes { get; } = [ReminderJob.RecurringId];

    public IEnumerable<RecurringJobSpec> Recurring()
    {
        yield return new RecurringJobSpec(ReminderJob.RecurringId, settings.Cron, TimeZoneInfo.Utc,
            (manager, jobId, cron, options) => manager.AddOrUpdate<ReminderJob>(jobId, job => job.RunAsync(CancellationToken.None), cron, options));
    }

    public void OnStart(IBackgroundJobClient jobs)
    {
    }
}
