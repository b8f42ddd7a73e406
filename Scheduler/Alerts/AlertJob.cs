using System.ComponentModel;
using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Jobs;
using RecallFiles.Scheduler.Metrics;

namespace RecallFiles.Scheduler.Alerts;

/// <summary>The alert settings as bound and validated from <c>RecallFiles:Alerts</c>.</summary>
internal static class AlertSettings
{
    /// <summary>Binds and validates; throws <see cref="SettingsException"/> naming the key of a wrong value.</summary>
    public static AlertOptions From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(AlertOptions.Section).Get<AlertOptions>() ?? new AlertOptions();
        var errors = options.Validate();
        return errors.Count == 0 ? options
            : throw new SettingsException("invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)));
    }

    /// <summary>The cloud role's alert services: the options, the job and its module.</summary>
    public static void AddServices(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder, RecallFilesSettings settings)
    {
        builder.Services.AddSingleton(From(settings.Configuration));
        builder.Services.AddHttpClient("alerts");
        builder.Services.AddTransient<AlertJob>();
        builder.Services.AddSingleton<IJobModule, AlertJobs>();
    }

    /// <summary>The channels configured in <paramref name="options"/>.</summary>
    public static IReadOnlyList<IAlertChannel> Channels(AlertOptions options, IHttpClientFactory http)
    {
        var channels = new List<IAlertChannel>();
        if (options.Email.Enabled)
        {
            channels.Add(new EmailAlertChannel(options.Email));
        }

        if (options.Webhook.Url is not null)
        {
            channels.Add(new WebhookAlertChannel(options.Webhook, http.CreateClient("alerts")));
        }

        return channels;
    }
}

/// <summary>"Alerts": evaluates the alert rules and sends what is due (<see cref="AlertEvaluator"/>); every minute by default.</summary>
internal sealed class AlertJob(NpgsqlDataSource store, AlertOptions options, RecallFilesSettings settings, IHttpClientFactory http, TimeProvider time,
    RecallFilesMetrics metrics, ILogger<AlertJob> logger)
{
    /// <summary>The recurring job id.</summary>
    public const string RecurringId = "alerts:evaluate";

    /// <summary>The evaluator this host uses.</summary>
    internal AlertEvaluator Evaluator => new(store, options, settings.Dashboard.OverdueAfterIntervals, AlertSettings.Channels(options, http), time, logger, metrics);

    /// <summary>Evaluates once; a channel failure fails the job (recorded on the incident; no retry: the next minute evaluates again).</summary>
    [JobDisplayName("Alerts")]
    [DisplayName("Alerts")]
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution("recallfiles:alerts", 60)]
    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var run = await Evaluator.EvaluateAsync(cancellationToken);
        return run.Errors.Count == 0 ? run.ToString() : throw new AlertDeliveryException($"{run}: {string.Join("; ", run.Errors)}");
    }
}

/// <summary>The cloud role's alert job module (prefix <c>alerts:</c>).</summary>
internal sealed class AlertJobs(AlertOptions options) : IJobModule
{
    public IReadOnlyList<string> Prefixes { get; } = ["alerts:"];

    public IEnumerable<RecurringJobSpec> Recurring()
    {
        if (options.Enabled)
        {
            yield return new RecurringJobSpec(AlertJob.RecurringId, options.Cron, TimeZoneInfo.Utc,
                (manager, jobId, cron, o) => manager.AddOrUpdate<AlertJob>(jobId, job => job.RunAsync(CancellationToken.None), cron, o));
        }
    }

    public void OnStart(IBackgroundJobClient jobs)
    {
    }
}
