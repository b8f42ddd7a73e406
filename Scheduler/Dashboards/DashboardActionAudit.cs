using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using RecallFiles.Scheduler.Logging;

namespace RecallFiles.Scheduler.Dashboards;

/// <summary>
/// The audit line of every dashboard action (issue 12): Hangfire's own (trigger, requeue, delete, enqueue, remove, …)
/// and ours, allowed or refused, with the path, the form's job ids and the response status. Replay and approve that
/// ran are audited by their dispatcher with the batch's practice and outcome, so they are skipped here unless refused.
/// </summary>
internal static partial class DashboardActionAudit
{
    /// <summary>Reads the form before Hangfire does (ASP.NET Core caches it), so its job ids can be audited after.</summary>
    public static async Task ReadFormAsync(HttpContext context)
    {
        if (context.Request.HasFormContentType)
        {
            await context.Request.ReadFormAsync(context.RequestAborted);
        }
    }

    public static Task RecordAsync(HttpContext context, System.Security.Claims.ClaimsPrincipal user)
    {
        var path = context.Request.PathBase + context.Request.Path;
        var status = context.Response.StatusCode;
        if (status < 400 && BatchAction().IsMatch(path.Value ?? ""))
        {
            return Task.CompletedTask;
        }

        var subject = new StringBuilder("POST ").Append(path.Value);
        if (context.Request.HasFormContentType)
        {
            foreach (var (key, values) in context.Request.Form.Where(f => !f.Key.StartsWith("__", StringComparison.Ordinal)))
            {
                subject.Append(' ').Append(key).Append('=').Append(string.Join(",", values.Take(20)));
            }
        }

        var outcome = status switch
        {
            StatusCodes.Status403Forbidden => "refused 403 (not support)",
            < 400 => $"done {status}",
            _ => $"failed {status}",
        };
        context.RequestServices.GetRequiredService<AuditLog>().Record("dashboard", "-", subject.ToString(), DashboardAccess.WhoIs(user), outcome);
        return Task.CompletedTask;
    }

    [GeneratedRegex("/batches/\\d+/(replay|approve)$")]
    private static partial Regex BatchAction();
}
