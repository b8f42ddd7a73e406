using Hangfire;
using Hangfire.InMemory;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RecallFiles.Exporter;
using RecallFiles.Exporter.Ledger;
using RecallFiles.Exporter.StatusApply;
using RecallFiles.Importer.Pickup;
using RecallFiles.Importer.Status;
using NLog.Extensions.Logging;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Dashboards;
using RecallFiles.Scheduler.Health;
using RecallFiles.Scheduler.Logging;
using RecallFiles.Scheduler.Jobs;

namespace RecallFiles.Scheduler.Hosting;

/// <summary>Which jobs a host runs.</summary>
internal enum HostRole
{
    /// <summary>Practice side: export, status apply.</summary>
    Agent,

    /// <summary>Cloud side: import, status export, results import, housekeeping.</summary>
    Cloud,

    /// <summary>Both (the embedded default).</summary>
    All,
}

/// <summary>
/// The long-running <c>recallfiles run</c> host: ASP.NET Core (dashboard, <c>/health</c>) + Hangfire server, as a
/// Windows service or a systemd unit when started by one; NLog with PHI masking. The agent role keeps Hangfire in
/// memory (nothing to install at the practice) unless RecallFiles:Hangfire:PostgreSql is set.
/// </summary>
internal static partial class RecallFilesHost
{
    /// <summary>Builds the host for <paramref name="role"/>; throws <see cref="SettingsException"/> for a configuration the host refuses.</summary>
    public static WebApplication Build(RecallFilesSettings settings, HostRole role, string urls, CloudContext? cloud = null, bool quietConsole = false,
        TimeProvider? time = null)
    {
        if (role is HostRole.Cloud or HostRole.All && cloud is null && CloudContext.IsConfigured(settings))
        {
            throw new InvalidOperationException("the cloud role needs its store: open a CloudContext first");
        }

        ArgumentNullException.ThrowIfNull(settings);
        DataFolders.Create(settings.DataFolder);
        var users = DashboardUsers.Load(settings.Dashboard);
        var problems = DashboardAccess.Validate(settings, users, urls).ToList();
        if (problems.Count > 0)
        {
            throw new SettingsException(string.Join(Environment.NewLine, problems));
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddConfiguration(settings.Configuration);
        builder.WebHost.UseUrls(urls);
        builder.Logging.ClearProviders();
        builder.Logging.AddNLog(RecallFilesLogging.ProviderOptions, _ => RecallFilesLogging.CreateFactory(settings, quietConsole));
        builder.Services.AddWindowsService(o => o.ServiceName = "RecallFiles");
        builder.Services.AddSystemd();
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(time ?? TimeProvider.System);
        builder.Services.AddSingleton(settings.Housekeeping);
        builder.Services.AddSingleton(new AuditLog(settings.LogFolder));
        builder.Services.AddSingleton(new ApiKeys(settings.ApiKeysPath));
        var access = new DashboardAccess(users, urls, settings.Dashboard.RequireLogin);
        WebSecurity.AddServices(builder, settings, access);
        builder.Services.AddSingleton(new HostInfo(role, urls));
        builder.Services.AddSingleton<HealthReporter>();
        Metrics.MetricsEndpoint.AddServices(builder, settings);

        // The cloud role keeps Hangfire on its own database unless told otherwise: servers sharing it share the work.
        var postgres = string.IsNullOrWhiteSpace(settings.Hangfire.PostgreSql) ? cloud?.ConnectionString : settings.Hangfire.PostgreSql;
        builder.Services.AddHangfire(config =>
        {
            config.SetDataCompatibilityLevel(CompatibilityLevel.Version_180).UseSimpleAssemblyNameTypeSerializer().UseRecommendedSerializerSettings();
            if (string.IsNullOrWhiteSpace(postgres))
            {
                config.UseInMemoryStorage(new InMemoryStorageOptions());
            }
            else
            {
                Hangfire.PostgreSql.PostgreSqlBootstrapperConfigurationExtensions.UsePostgreSqlStorage(config, o => o.UseNpgsqlConnection(postgres),
                    new Hangfire.PostgreSql.PostgreSqlStorageOptions
                    {
                        SchemaName = settings.Hangfire.Schema, PrepareSchemaIfNecessary = true, QueuePollInterval = settings.Hangfire.QueuePollInterval,
                    });
            }
        });
        builder.Services.AddHangfireServer(o =>
        {
            o.WorkerCount = settings.Hangfire.WorkerCount;
            o.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}";
            // Issue 17: an agent's server takes only its own queue (agent_{name}), so agents sharing a store run only their own jobs.
            o.Queues = role switch
            {
                HostRole.Agent => [AgentName.QueueOf(settings.Agent.Name)],
                HostRole.All => [AgentName.QueueOf(settings.Agent.Name), "default"],
                _ => ["default"],
            };
        });

        if (role is HostRole.Agent or HostRole.All)
        {
            builder.Services.AddSingleton(_ => new ExportLedger(settings.LedgerPath));
            builder.Services.AddSingleton<ExportRunner>();
            builder.Services.AddTransient<ExportJob>();
            builder.Services.AddSingleton(sp => new RecallFiles.Exporter.Heartbeat.HeartbeatSender(sp.GetRequiredService<ExportLedger>(), new StatusLedger(settings.LedgerPath),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<RecallFiles.Exporter.Heartbeat.HeartbeatSender>()));
            builder.Services.AddSingleton(sp => new StatusApplier(new StatusLedger(settings.LedgerPath), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<StatusApplier>()));
            builder.Services.AddTransient<StatusApplyJob>();
            builder.Services.AddSingleton<IJobModule, AgentJobs>();
            if (cloud is null)
            {
                builder.Services.AddSingleton(new HousekeepingTarget(null, AgentExports(settings)));
                builder.Services.AddTransient<HousekeepingJob>();
            }
        }

        if (cloud is not null)
        {
            builder.Services.AddSingleton(cloud.Settings);
            builder.Services.AddSingleton(new CloudHealthTarget(cloud.Settings with { ConnectionString = cloud.ConnectionString }));
            builder.Services.AddSingleton(cloud.DataSource);
            builder.Services.AddSingleton(sp => new PickupService(cloud.DataSource, cloud.Settings.Importer, cloud.Settings.DropBoxes, sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<PickupService>()));
            DataFolders.Create(cloud.Settings.Importer.ArchiveFolder);
            builder.Services.AddSingleton(new HousekeepingTarget(cloud.Settings.Importer.ArchiveFolder, role == HostRole.All ? AgentExports(settings) : null));
            builder.Services.AddTransient<ImportJob>();
            builder.Services.AddSingleton(StatusCloudSettings.From(settings.Configuration));
            builder.Services.AddSingleton(sp => new StatusExport(cloud.DataSource, cloud.Settings.Importer, cloud.Settings.DropBoxes, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<StatusExport>()));
            builder.Services.AddSingleton(sp => new ResultsImport(cloud.DataSource, cloud.Settings.Importer, cloud.Settings.DropBoxes, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<ResultsImport>()));
            builder.Services.AddTransient<StatusExportJob>();
            builder.Services.AddTransient<StatusResultsJob>();
            builder.Services.AddTransient<HousekeepingJob>();
            builder.Services.AddSingleton<IJobModule, CloudJobs>();
            builder.Services.AddSingleton<PracticeRefresh>();   // issue 17: database practices taken in without a restart
            builder.Services.AddHostedService(sp => sp.GetRequiredService<PracticeRefresh>());
            builder.Services.AddSingleton(ReminderSettings.From(settings.Configuration));
            builder.Services.AddHttpClient("webhook");
            builder.Services.AddHttpClient("sms");
            builder.Services.AddTransient<ReminderJob>();
            builder.Services.AddSingleton<IJobModule, ReminderJobs>();
            Alerts.AlertSettings.AddServices(builder, settings);
        }

        builder.Services.AddHostedService<JobSchedule>();
        var app = builder.Build();
        if (access.PlainHttpOnNetwork)
        {
            PlainHttp(app.Logger, urls);
        }

        WebSecurity.Use(app, settings);
        LoginEndpoints.Map(app);

        app.MapGet("/", () => Microsoft.AspNetCore.Http.Results.Redirect("/hangfire"));
        app.MapGet("/health", (HttpContext context, HealthReporter health) => health.WriteAsync(context));
        HealthEndpoints.Map(app);
        Metrics.MetricsEndpoint.Map(app);
        if (cloud is not null)
        {
            ReplyEndpoint.Map(app, cloud.DataSource);
            ReminderCallbackEndpoints.Map(app, cloud.DataSource);
        }
        if (settings.Dashboard.Enabled)
        {
            app.UseWhen(c => c.Request.Path.StartsWithSegments("/hangfire"), branch => branch.Use((context, next) => access.InvokeAsync(context, next)));
            DashboardPages.Register();
            app.UseHangfireDashboard("/hangfire", new DashboardOptions
            {
                DashboardTitle = "RecallFiles",
                DisplayStorageConnectionString = false,
                Authorization = [new DashboardAuthorizationFilter()],
                IsReadOnlyFunc = DashboardAuthorizationFilter.IsReadOnly,
                AppPath = null,
            });
        }

        return app;
    }

    /// <summary>The agent's copies of exported files, one sub-folder per practice.</summary>
    private static string AgentExports(RecallFilesSettings settings) => Path.GetDirectoryName(settings.ExportFolder("x"))!;

    [LoggerMessage(LogLevel.Warning, "The dashboard listens on {Urls} with plain HTTP: logins would send passwords in clear. Put a TLS-terminating proxy in front of it, or listen on https://")]
    private static partial void PlainHttp(ILogger logger, string urls);
}

/// <summary>What this host runs and where it listens.</summary>
internal sealed record HostInfo(HostRole Role, string Urls);
