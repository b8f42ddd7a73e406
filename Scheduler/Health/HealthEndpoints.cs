using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace RecallFiles.Scheduler.Health;

/// <summary>
/// Probes for load balancers and orchestrators (issue 17): <c>GET /health/live</c> answers 200 while the process serves
/// requests (nothing else is checked); <c>GET /health/ready</c> runs the <c>/health</c> probes (cached 15 s) and answers
/// 503 when the store, Hangfire's storage or a drop box is unreachable, else 200. Only the status and the failing
/// probes' kinds and names are shown: no detail, so the endpoint can stay open to the load balancer.
/// </summary>
internal static class HealthEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void Map(WebApplication app)
    {
        app.MapGet("/health/live", (HttpContext context) => context.Response.WriteAsync("{\"status\":\"live\"}"));
        app.MapGet("/health/ready", async (HttpContext context) =>
        {
            var results = await context.RequestServices.GetRequiredService<HealthReporter>().CheckAsync(context.RequestAborted);
            var failing = results.Where(r => !r.Ok && r.Kind is ProbeKind.Database or ProbeKind.Storage or ProbeKind.DropBox).ToList();
            context.Response.StatusCode = failing.Count == 0 ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new
            {
                status = failing.Count == 0 ? "ready" : "unavailable",
                failing = failing.Select(r => $"{r.Kind.ToString().ToLowerInvariant()} {r.Name}"),
            }, Json), context.RequestAborted);
        });
    }
}
