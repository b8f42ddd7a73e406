using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using RecallFiles.Reminders;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Dashboards;
using RecallFiles.Scheduler.Hosting;

namespace RecallFiles.Scheduler.Metrics;

/// <summary>The metrics endpoint's settings (section <c>RecallFiles:Metrics</c>).</summary>
internal sealed record MetricsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "RecallFiles:Metrics";

    /// <summary>Whether <c>/metrics</c> is served (default true).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The scrape path (default <c>/metrics</c>).</summary>
    public string Path { get; init; } = "/metrics";

    /// <summary>Binds the section.</summary>
    public static MetricsOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<MetricsOptions>() ?? new MetricsOptions();
        return options.Path.StartsWith('/') && options.Path.Length > 1 && !options.Path.StartsWith("/hangfire", StringComparison.OrdinalIgnoreCase)
            ? options
            : throw new SettingsException($"{Section}:Path '{options.Path}' must start with / and not be the dashboard's /hangfire (default /metrics)");
    }
}

/// <summary>
/// <c>GET /metrics</c> (issue 17): the OpenTelemetry metrics of this host (<see cref="RecallFilesMetrics"/>,
/// <see cref="ReminderMetrics"/>) in Prometheus' text format, behind the dashboard's access rules: whoever the dashboard
/// lets in (a login session, or the person at the machine on a loopback-only host), or a machine with an API key that is
/// not limited to practices (<c>recallfiles api-key create prometheus</c>; Prometheus sends it as
/// <c>authorization: credentials</c>). Anyone else gets 401.
/// </summary>
internal static class MetricsEndpoint
{
    public static void AddServices(WebApplicationBuilder builder, RecallFilesSettings settings)
    {
        var options = MetricsOptions.From(settings.Configuration);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<RecallFilesMetrics>();
        if (options.Enabled)
        {
            builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(RecallFilesMetrics.MeterName, ReminderMetrics.MeterName).AddPrometheusExporter());
        }
    }

    public static void Map(WebApplication app)
    {
        var options = app.Services.GetRequiredService<MetricsOptions>();
        if (!options.Enabled)
        {
            return;
        }

        // Resolved once: the gauge of open incidents reads what the last alert evaluation found.
        app.Services.GetRequiredService<RecallFilesMetrics>();
        app.UseWhen(c => c.Request.Path.Equals(options.Path, StringComparison.OrdinalIgnoreCase), branch => branch.Use(async (context, next) =>
        {
            if (await AllowedAsync(context))
            {
                await next(context);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }));
        app.MapPrometheusScrapingEndpoint(options.Path);
    }

    private static async Task<bool> AllowedAsync(HttpContext context)
    {
        var (check, entry) = context.RequestServices.GetRequiredService<ApiKeys>().Check(context.Request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null);
        if (check == ApiKeyCheck.Valid)
        {
            return entry!.Practices.Count == 0;
        }

        return check == ApiKeyCheck.Missing && await context.RequestServices.GetRequiredService<DashboardAccess>().ResolveAsync(context) is not null;
    }
}
