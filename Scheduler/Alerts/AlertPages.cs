using System.Globalization;
using System.Net;
using System.Text;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using RecallFiles.Scheduler.Dashboards;

namespace RecallFiles.Scheduler.Alerts;

/// <summary>
/// Alerts (issue 17): open incidents (newest first), the running snoozes, and the incidents resolved in the last 7 days;
/// support snoozes and unsnoozes a practice here (<see cref="SnoozeDispatcher"/>). Server-rendered, no script.
/// </summary>
internal sealed class AlertsPage : HtmlPage
{
    /// <summary>How far back resolved incidents are listed.</summary>
    public static readonly TimeSpan RecentFor = TimeSpan.FromDays(7);

    /// <inheritdoc />
    public override void Execute() => Render("Alerts", html =>
    {
        var now = Now;
        var incidents = AlertStore.RecentAsync(Store!, now - RecentFor, 500, CancellationToken.None).GetAwaiter().GetResult();
        var snoozes = AlertStore.SnoozesAsync(Store!, now, CancellationToken.None).GetAwaiter().GetResult();
        var options = Context.GetHttpContext().RequestServices.GetService<AlertOptions>() ?? new AlertOptions();
        var open = incidents.Where(i => i.IsOpen).ToList();
        var channels = string.Join(" and ", new[] { options.Email.Enabled ? "e-mail" : null, options.Webhook.Url is not null ? $"webhook ({options.Webhook.Format})" : null }.OfType<string>());
        html.Append(CultureInfo.InvariantCulture, $"<p><strong id=\"open-count\">{open.Count}</strong> open incident(s). Messages go by {(channels.Length == 0 ? "no channel (none configured: RecallFiles:Alerts:Email, :Webhook)" : E(channels))}; " +
            $"an open incident is sent again every {E(D(options.RenotifyInterval))}, and once more when it resolves.</p>");
        if (Context.Request.GetQuery("snoozed") is { Length: > 0 } snoozed)
        {
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"alert alert-success\" id=\"snoozed\">{E(snoozed)}: {E(Context.Request.GetQuery("done"))}.</div>");
        }

        html.Append("<h3>Open</h3>");
        Table(html, "open-incidents", open, snoozes, now);
        html.Append("<h3>Snoozed practices</h3><table class=\"table table-condensed\" id=\"snoozes\"><thead><tr><th>Practice</th><th>Until</th><th>Reason</th><th>By</th></tr></thead><tbody>");
        foreach (var s in snoozes)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(s.PracticeId)}</td><td>{T(s.Until)}</td><td>{E(s.Reason ?? "—")}</td><td>{E(s.Actor)}</td></tr>");
        }

        html.Append(snoozes.Count == 0 ? "<tr><td colspan=\"4\">none</td></tr></tbody></table>" : "</tbody></table>");
        if (!DashboardAuthorizationFilter.IsReadOnly(Context))
        {
            html.Append(SnoozeDispatcher.Form(Url.To("/alerts/snooze"), Context.AntiforgeryToken));
        }

        html.Append("<h3>Resolved in the last 7 days</h3>");
        Table(html, "resolved-incidents", [.. incidents.Where(i => !i.IsOpen)], snoozes, now);
    });

    private void Table(StringBuilder html, string id, IReadOnlyList<Incident> incidents, IReadOnlyList<Snooze> snoozes, DateTimeOffset now)
    {
        html.Append("<div class=\"table-responsive\"><table class=\"table table-striped\" id=\"").Append(id).Append("\"><thead><tr><th>#</th><th>Rule</th><th>Practice</th>" +
            "<th>Opened</th><th>State</th><th>What</th><th>Messages</th></tr></thead><tbody>");
        foreach (var i in incidents)
        {
            var snooze = snoozes.FirstOrDefault(s => s.PracticeId == i.PracticeId);
            var state = !i.IsOpen ? $"<span class=\"label label-success\">resolved {T(i.ResolvedAt)}</span>"
                : snooze is not null ? $"<span class=\"label label-default\">snoozed until {T(snooze.Until)}</span>"
                : $"<span class=\"label label-danger\">open {E(D(now - i.OpenedAt))}</span>";
            var messages = i.NotifiedAt is null ? "none yet" : string.Create(CultureInfo.InvariantCulture, $"{i.NotifyCount}, last {T(i.NotifiedAt)}");
            var link = Url.To("/batches?practice=" + Uri.EscapeDataString(i.PracticeId));
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{i.Id}</td><td>{E(AlertRules.Title(i.Rule))}</td><td><a href=\"{WebUtility.HtmlEncode(link)}\">{E(i.PracticeId)}</a></td>" +
                $"<td>{T(i.OpenedAt)}</td><td>{state}</td><td>{E(i.Summary)}{(i.Detail is { Length: > 0 } d ? $"<br><small class=\"text-muted\">{E(d)}</small>" : "")}</td>" +
                $"<td>{messages}{(i.LastError is { } error ? $"<br><small class=\"text-danger\">{E(error)}</small>" : "")}</td></tr>");
        }

        html.Append(incidents.Count == 0 ? "<tr><td colspan=\"7\">none</td></tr></tbody></table></div>" : "</tbody></table></div>");
    }
}

/// <summary>
/// POST <c>/alerts/snooze</c> (form: <c>practice</c>, <c>hours</c>, <c>reason</c>; <c>hours</c> 0 ends the snooze): support
/// only (403 otherwise), audited by <see cref="DashboardActionAudit"/> with the form's fields; answers 303 to the Alerts page.
/// </summary>
internal sealed class SnoozeDispatcher : IDashboardDispatcher
{
    /// <summary>The longest snooze (a week): a practice is never silenced for good by accident.</summary>
    public const int MaxHours = 168;

    /// <summary>The form of the Alerts page: support only.</summary>
    public static string Form(string action, string? antiforgeryToken) =>
        "<form class=\"form-inline\" method=\"post\" id=\"snooze\" action=\"" + WebUtility.HtmlEncode(action) + "\" style=\"margin-bottom:1em\">" +
        (antiforgeryToken is null ? "" : $"<input type=\"hidden\" name=\"__RequestVerificationToken\" value=\"{WebUtility.HtmlEncode(antiforgeryToken)}\">") +
        "<input class=\"form-control\" name=\"practice\" placeholder=\"practice\" required> " +
        $"<input class=\"form-control\" name=\"hours\" type=\"number\" min=\"0\" max=\"{MaxHours}\" value=\"4\" title=\"hours; 0 ends the snooze\"> " +
        "<input class=\"form-control\" name=\"reason\" placeholder=\"reason (shown here)\"> " +
        "<button class=\"btn btn-warning\" type=\"submit\">Snooze (0 h: end)</button></form>";

    /// <inheritdoc />
    public async Task Dispatch(DashboardContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.GetHttpContext();
        if (SupportAction.StoreOf(context) is not { } store)
        {
            return;
        }

        var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(http.RequestAborted) : null;
        var practice = form?["practice"].ToString().Trim() ?? "";
        if (practice.Length == 0 || !int.TryParse(form?["hours"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var hours) || hours > MaxHours)
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsync($"practice and hours (0 to {MaxHours}; 0 ends the snooze) are required");
            return;
        }

        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var reason = form?["reason"].ToString().Trim() is { Length: > 0 } r ? r : null;
        var done = hours == 0
            ? await AlertStore.UnsnoozeAsync(store, practice, http.RequestAborted) ? "snooze ended" : "was not snoozed"
            : await AlertStore.SnoozeAsync(store, practice, now.AddHours(hours), reason, DashboardAccess.WhoIs(http.User), http.RequestAborted)
                ? $"snoozed until {now.AddHours(hours).UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)}" : null;
        if (done is null)
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsync($"no practice {practice}");
            return;
        }

        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        http.Response.Headers.Location = new UrlHelper(context).To($"/alerts?snoozed={Uri.EscapeDataString(practice)}&done={Uri.EscapeDataString(done)}");
    }

    /// <summary>Adds the routes and the menu item; called from <see cref="DashboardPages.Register"/>.</summary>
    public static void Register()
    {
        DashboardRoutes.Routes.AddRazorPage("/alerts", _ => new AlertsPage());
        DashboardRoutes.Routes.Add("/alerts/snooze", new SnoozeDispatcher());
        NavigationMenu.Items.Add(page => new MenuItem("Alerts", page.Url.To("/alerts")) { Active = page.RequestPath.StartsWith("/alerts", StringComparison.Ordinal) });
    }
}
