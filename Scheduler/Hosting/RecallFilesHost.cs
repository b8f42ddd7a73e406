using Hangfire;
using Hangfire.InMemory;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RecallFiles.Exporter;
using RecallFiles.Exporter.Ledger;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Jobs;

namespace RecallFiles.Scheduler.Hosting;

/// <summary>Which jobs a host runs.</summary>
public enum HostRole
{
    /// <summary>Practice side: export, status apply.</summary>
    Agent,

    /// <summary>Cloud side: import, status export, results import, housekeeping.</summary>
    Cloud,

    /// <summary>Both (the embedded default).</summary>
    All,
}

/// <summary>
/// The long-running <c>recallfiles run</c> host: ASP.NET Core (dashboard) + Hangfire server, as a
/// Windows service or a systemd unit when started by one. The agent role keeps Hangfire in memory
/// (nothing to install at the practice) unless RecallFiles:Hangfire:PostgreSql is set.
/// </summary>
public static class RecallFilesHost
{
    /// <summary>Builds the host for <paramref name="role"/>.</summary>
    public static WebApplication Build(RecallFilesSettings settings, HostRole role, string urls, string[]? args = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args ?? [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddConfiguration(settings.Configuration);
        builder.WebHost.UseUrls(urls);
        builder.Services.AddWindowsService(o => o.ServiceName = "RecallFiles");
        builder.Services.AddSystemd();
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(TimeProvider.System);

        var postgres = settings.Configuration["RecallFiles:Hangfire:PostgreSql"];
        builder.Services.AddHangfire(config =>
        {
            config.SetDataCompatibilityLevel(CompatibilityLevel.Version_180).UseSimpleAssemblyNameTypeSerializer().UseRecommendedSerializerSettings();
            if (string.IsNullOrWhiteSpace(postgres))
            {
                config.UseInMemoryStorage(new InMemoryStorageOptions());
            }
            else
            {
                Hangfire.PostgreSql.PostgreSqlBootstrapperConfigurationExtensions.UsePostgreSqlStorage(config, o => o.UseNpgsqlConnection(postgres));
            }
        });
        builder.Services.AddHangfireServer(o =>
        {
            o.WorkerCount = Math.Max(2, Environment.ProcessorCount * 2);
            o.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}";
        });

        if (role is HostRole.Agent or HostRole.All)
        {
            builder.Services.AddSingleton(_ => new ExportLedger(settings.LedgerPath));
            builder.Services.AddSingleton<ExportRunner>();
            builder.Services.AddTransient<ExportJob>();
            builder.Services.AddHostedService<AgentSchedule>();
        }

        var app = builder.Build();
        app.MapGet("/", () => Microsoft.AspNetCore.Http.Results.Redirect("/hangfire"));
        app.UseHangfireDashboard("/hangfire", new DashboardOptions { DashboardTitle = "RecallFiles", DisplayStorageConnectionString = false });
        return app;
    }
}

/// <summary>
/// Registers the agent's recurring jobs from configuration (cron in each practice's time zone) and
/// enqueues an export at once for every practice that has never uploaded one (the initial upload).
/// </summary>
internal sealed class AgentSchedule(RecallFilesSettings settings, IRecurringJobManager recurring, IBackgroundJobClient jobs, ExportLedger ledger,
    ILogger<AgentSchedule> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var practice in settings.Agent.Practices)
        {
            ExportWindow.TryFindTimeZone(practice.TimeZone, out var zone);
            var id = practice.PracticeId;
            recurring.AddOrUpdate<ExportJob>(ExportJob.RecurringId(id), job => job.RunAsync(id, CancellationToken.None), practice.Cron,
                new RecurringJobOptions { TimeZone = zone });
            if (!ledger.List(id, 200).Any(e => e.Status == ExportStatus.Uploaded))
            {
                jobs.Enqueue<ExportJob>(job => job.RunAsync(id, CancellationToken.None));
                logger.LogInformation("Practice {PracticeId} has never uploaded an export: initial export queued", id);
            }

            logger.LogInformation("Export {PracticeId} scheduled '{Cron}' in {TimeZone}", id, practice.Cron, zone.Id);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
