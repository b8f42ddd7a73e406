using System.Text.Json;
using Hangfire;
using Microsoft.AspNetCore.Http;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Dashboards;
using RecallFiles.Scheduler.Hosting;

namespace RecallFiles.Scheduler.Health;

/// <summary>
/// <c>GET /health</c>: the configured databases, drop boxes and folders of the host's roles (the probes of
/// <c>recallfiles check</c>, the cloud's included) and Hangfire's storage. <c>Healthy</c> (200) when all pass;
/// <c>Degraded</c> (200: this host still works, the load balancer keeps it) when only drop boxes or their folders fail,
/// as with a rotated host key; <c>Unhealthy</c> (503) when a database or the storage fails. Callers the dashboard would
/// let in see every check; others (a load balancer) see only the overall status. Results are kept 15 s so that polling
/// does not hammer the drop boxes.
/// </summary>
internal sealed class HealthReporter(RecallFilesSettings settings, HostInfo host, JobStorage storage, DashboardAccess access, TimeProvider time,
    CloudHealthTarget? cloud = null)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(15);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTimeOffset At, IReadOnlyList<ProbeResult> Results)? _last;

    /// <summary>Runs (or reuses) the probes.</summary>
    public async Task<IReadOnlyList<ProbeResult>> CheckAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } last && time.GetUtcNow() - last.At < CacheFor)
            {
                return last.Results;
            }

            var catalog = HostProbes.Create(settings, host.Role, cloud?.Settings);
            catalog.Add(new Probe(ProbeKind.Storage, "hangfire", _ =>
            {
                var servers = storage.GetMonitoringApi().Servers();
                return Task.FromResult($"{storage.GetType().Name}: {servers.Count} server(s)");
            }));
            var results = await catalog.RunAsync(TimeSpan.FromSeconds(10), cancellationToken);
            _last = (time.GetUtcNow(), results);
            return results;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Writes the report.</summary>
    public async Task WriteAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var results = await CheckAsync(context.RequestAborted);
        var status = Status(results);
        // Issue 17: open alert incidents (an overdue practice, a failed batch…) make a working host Degraded.
        var incidents = await Alerts.AlertHealth.OpenAsync(context.RequestServices, context.RequestAborted);
        status = status == "Healthy" && incidents > 0 ? "Degraded" : status;
        context.Response.StatusCode = status == "Unhealthy" ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        var detailed = await access.ResolveAsync(context) is not null;
        object body = detailed
            ? new
            {
                status,
                role = host.Role.ToString().ToLowerInvariant(),
                openIncidents = incidents,
                checks = results.Select(r => new
                {
                    kind = r.Kind.ToString().ToLowerInvariant(),
                    name = r.Name,
                    ok = r.Ok,
                    detail = Logging.PhiText.Mask(r.Detail),
                    ms = (long)r.Elapsed.TotalMilliseconds,
                }),
            }
            : new { status };
        await context.Response.WriteAsync(JsonSerializer.Serialize(body, Json), context.RequestAborted);
    }

    /// <summary><c>Healthy</c>, <c>Degraded</c> (only drop boxes or their folders fail) or <c>Unhealthy</c>.</summary>
    internal static string Status(IReadOnlyList<ProbeResult> results) =>
        results.All(r => r.Ok) ? "Healthy"
        : results.Where(r => !r.Ok).All(r => r.Kind is ProbeKind.DropBox || (r.Kind is ProbeKind.Folder && r.Name.Contains(' ', StringComparison.Ordinal))) ? "Degraded"
        : "Unhealthy";
}
