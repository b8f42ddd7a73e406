using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Hangfire;
using Hangfire.Dashboard;
using Hangfire.Dashboard.Pages;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Loading;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Logging;

using RecallFiles.Schemas;

namespace RecallFiles.Scheduler.Dashboards;

/// <summary>
/// The RecallFiles pages of the Hangfire dashboard (issue 7.3), in its layout and menu: Practices (freshness, overdue
/// on top), Batches (filter, detail with masked row errors, replay and approve for support) and Status (status updates,
/// issue 6). Registered once per process: Hangfire's route table is static.
/// </summary>
internal static class DashboardPages
{
    private static int s_registered;

    /// <summary>Adds the routes and menu items (idempotent).</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 1)
        {
            return;
        }

        DashboardRoutes.Routes.AddRazorPage("/practices", _ => new PracticesPage());
        DashboardRoutes.Routes.AddRazorPage("/batches", _ => new BatchesPage());
        DashboardRoutes.Routes.AddRazorPage("/batches/(?<id>\\d+)", m => new BatchPage(long.Parse(m.Groups["id"].Value, CultureInfo.InvariantCulture)));
        DashboardRoutes.Routes.AddRazorPage("/status", _ => new StatusPage());
        DashboardRoutes.Routes.Add("/batches/(?<id>\\d+)/replay", new BatchActionDispatcher(LoadMode.Normal));
        DashboardRoutes.Routes.Add("/batches/(?<id>\\d+)/approve", new BatchActionDispatcher(LoadMode.Approve));
        DashboardRoutes.Routes.Add("/status/issue", new StatusIssueDispatcher());
        DashboardRoutes.Routes.Add("/batches/(?<id>\\d+)/file", new BatchDownloadDispatcher(report: false));
        DashboardRoutes.Routes.Add("/batches/(?<id>\\d+)/report", new BatchDownloadDispatcher(report: true));
        DashboardRoutes.Routes.Add("/batches/replay-failed", new ReplayFailedDispatcher());
        DashboardRoutes.Routes.AddRazorPage("/trace", _ => new TracePage());
        NavigationMenu.Items.Add(page => new MenuItem("Practices", page.Url.To("/practices")) { Active = page.RequestPath.StartsWith("/practices", StringComparison.Ordinal) });
        NavigationMenu.Items.Add(page => new MenuItem("Batches", page.Url.To("/batches")) { Active = page.RequestPath.StartsWith("/batches", StringComparison.Ordinal) });
        NavigationMenu.Items.Add(page => new MenuItem("Status", page.Url.To("/status")) { Active = page.RequestPath.StartsWith("/status", StringComparison.Ordinal) });
        NavigationMenu.Items.Add(page => new MenuItem("Trace", page.Url.To("/trace")) { Active = page.RequestPath.StartsWith("/trace", StringComparison.Ordinal) });
        Alerts.SnoozeDispatcher.Register();
        PracticeManagePages.Register();   // issue 17: manage practices, pictures
        AgentPages.Register();
    }
}

/// <summary>A page written as HTML: text is encoded and contact data masked on the way out.</summary>
internal abstract class HtmlPage : RazorPage
{
    /// <summary>The cloud store, when this host runs the cloud role.</summary>
    protected NpgsqlDataSource? Store => Context.GetHttpContext().RequestServices.GetService<NpgsqlDataSource>();

    /// <summary>The host's settings.</summary>
    protected RecallFilesSettings Settings => Context.GetHttpContext().RequestServices.GetRequiredService<RecallFilesSettings>();

    /// <summary>Now, from the host's clock.</summary>
    protected DateTimeOffset Now => Context.GetHttpContext().RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();

    /// <summary>HTML-encoded, with phones and e-mails masked.</summary>
    protected static string E(object? value) => WebUtility.HtmlEncode(PhiText.Mask(Convert.ToString(value, CultureInfo.InvariantCulture)));

    /// <summary>An instant as UTC text.</summary>
    protected static string T(DateTimeOffset? at) => at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "never";

    /// <summary>A duration as "3 h 20 min" / "2 d 4 h".</summary>
    protected static string D(TimeSpan? span) => span switch
    {
        null => "—",
        { TotalDays: >= 1 } s => string.Create(CultureInfo.InvariantCulture, $"{(int)s.TotalDays} d {s.Hours} h"),
        { TotalHours: >= 1 } s => string.Create(CultureInfo.InvariantCulture, $"{(int)s.TotalHours} h {s.Minutes} min"),
        { } s => string.Create(CultureInfo.InvariantCulture, $"{(int)s.TotalMinutes} min"),
    };

    /// <summary>Renders <paramref name="body"/> inside the dashboard's layout.</summary>
    protected void Render(string title, Action<StringBuilder> body)
    {
        Layout = new LayoutPage(title);
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<div class=\"row\"><div class=\"col-md-12\"><h1 class=\"page-header\">{E(title)}</h1>");
        if (Store is null)
        {
            html.Append("<div class=\"alert alert-info\">This server does not run the cloud role: batches and practices live in the cloud store. This agent's own runs: the Agent exports and Status applies pages.</div>");
        }
        else
        {
            body(html);
        }

        html.Append("</div></div>");
        WriteLiteral(html.ToString());
    }

    /// <summary>A state as a coloured label.</summary>
    protected static string State(string state) => state switch
    {
        BatchStates.Applied => $"<span class=\"label label-success\">{E(state)}</span>",
        BatchStates.Failed => $"<span class=\"label label-danger\">{E(state)}</span>",
        BatchStates.NeedsReview => $"<span class=\"label label-warning\">{E(state)}</span>",
        _ => $"<span class=\"label label-default\">{E(state)}</span>",
    };
}

/// <summary>Practices: last file received, last import, freshness against the cadence (overdue on top), appointments in window, last error.</summary>
internal sealed class PracticesPage : HtmlPage
{
    /// <inheritdoc />
    public override void Execute() => Render("Practices", html =>
    {
        var intervals = Settings.Dashboard.OverdueAfterIntervals;
        var now = Now;
        var practices = SupportQueries.PracticesAsync(Store!, CancellationToken.None).GetAwaiter().GetResult()
            .OrderByDescending(p => p.PollError is not null).ThenByDescending(p => p.IsOverdue(now, intervals)).ThenByDescending(p => p.Age(now) ?? TimeSpan.MaxValue).ThenBy(p => p.PracticeId, StringComparer.Ordinal).ToList();
        var overdue = practices.Count(p => p.IsOverdue(now, intervals));
        html.Append(CultureInfo.InvariantCulture, $"<p>{practices.Count} practice(s); <strong>{overdue}</strong> overdue (no file for more than {intervals:0.#} × its cadence).</p>");
        html.Append("<div class=\"table-responsive\"><table class=\"table table-striped\" id=\"practices\"><thead><tr><th>Practice</th><th>Freshness</th><th>Last file received</th>" +
            "<th>Last import applied</th><th>Cadence</th><th>Appointments in window</th><th>Last error</th></tr></thead><tbody>");
        foreach (var p in practices)
        {
            var fresh = !p.Enabled ? "<span class=\"label label-default\">disabled</span>"
                : p.PollError is not null ? $"<span class=\"label label-danger poll-failing\">poll failing since {T(p.PollFailedAt)}</span>"
                : p.IsOverdue(now, intervals) ? $"<span class=\"label label-danger\">overdue: {(p.Age(now) is { } age ? E(D(age)) : "no file yet")}</span>"
                : $"<span class=\"label label-success\">{E(D(p.Age(now)))} ago</span>";
            var link = Url.To("/batches?practice=" + Uri.EscapeDataString(p.PracticeId));
            html.Append(CultureInfo.InvariantCulture, $"<tr><td><a href=\"{link}\">{E(p.PracticeId)}</a></td><td>{fresh}</td><td>{T(p.LastReceived)}</td><td>{T(p.LastApplied)}</td>" +
                $"<td>{E(D(p.Cadence))}</td><td>{p.AppointmentsInWindow}</td><td>{(p.PollError is not null ? $"{T(p.PollFailedAt)}: poll failed: {E(p.PollError)}" : p.LastError is null ? "—" : $"{T(p.LastErrorAt)}: {E(p.LastError)}")}</td></tr>");
        }

        html.Append("</tbody></table></div>");
        // Silent as the "agent silent" alert sees it (RecallFiles:Alerts:AgentSilentFactor): the page and the alert never disagree.
        var silentFactor = Settings.Configuration.GetValue("RecallFiles:Alerts:AgentSilentFactor", RecallFiles.Importer.Agents.AgentStatus.SilentAfterIntervals);
        AgentHealthTable.Append(html, RecallFiles.Importer.Agents.AgentHealth.ListAsync(Store!, CancellationToken.None).GetAwaiter().GetResult(), now, E, T, silentFactor);
    });
}

/// <summary>Status: status updates per practice (pending, exported, applied, conflicted, failed), problems on top, and the latest ones.</summary>
internal sealed class StatusPage : HtmlPage
{
    /// <inheritdoc />
    public override void Execute() => Render("Status", html =>
    {
        html.Append("<p>What patients answered, on its way back to each practice's PMS: <em>pending</em> (not yet in a status file), <em>exported</em> " +
            "(in a status file on the drop box), then what the PMS reported: <em>applied</em>, <em>conflicted</em> (the appointment moved since), " +
            "<em>failed</em> or <em>not found</em>.</p><table class=\"table\" id=\"status-counts\"><thead><tr><th>Practice</th><th>Queued</th><th>Exported</th>" +
            "<th>Applied</th><th>Conflicted</th><th>Failed</th><th>Not found</th><th>Replaced</th><th>Last change</th></tr></thead><tbody>");
        foreach (var c in SupportQueries.StatusCountsAsync(Store!, CancellationToken.None).GetAwaiter().GetResult())
        {
            var problem = c.Conflicted + c.Failed + c.NotFound > 0 ? " class=\"warning\"" : "";
            html.Append(CultureInfo.InvariantCulture, $"<tr{problem}><td>{E(c.PracticeId)}</td><td>{c.Queued}</td><td>{c.Exported}</td><td>{c.Applied}</td>" +
                $"<td>{c.Conflicted}</td><td>{c.Failed}</td><td>{c.NotFound}</td><td>{c.Replaced}</td><td>{(c.Last is { } at ? T(at) : "—")}</td></tr>");
        }

        html.Append("</tbody></table>");
        if (Context.Request.GetQuery("issued") is { Length: > 0 } issued)
        {
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"alert alert-success\" id=\"issued\">Status update {E(issued)} queued for the next status export; {E(Context.Request.GetQuery("stopped"))} planned reminder(s) cancelled.</div>");
        }

        if (!DashboardAuthorizationFilter.IsReadOnly(Context))
        {
            html.Append(StatusIssueDispatcher.Form(Url.To("/status/issue"), Context.AntiforgeryToken));
        }

        html.Append("<h3>Latest updates</h3><table class=\"table table-condensed\" id=\"status-updates\"><thead><tr><th>Id</th><th>Practice</th>" +
            "<th>APP_LID</th><th>Status</th><th>State</th><th>File</th><th>Result</th><th>Created</th></tr></thead><tbody>");
        foreach (var u in RecallFiles.Importer.Status.StatusUpdates.ListAsync(Store!, null, null, 100, CancellationToken.None).GetAwaiter().GetResult())
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{u.Id}</td><td>{E(u.PracticeId)}</td><td>{E(u.AppLid)}</td><td>{E(u.Status)}</td><td>{State(u.State)}</td>" +
                $"<td>{E(u.FileName ?? "—")}</td><td>{E(RecallFiles.Scheduler.Logging.PhiText.Mask(u.ResultMessage ?? ""))}</td><td>{T(new DateTimeOffset(u.CreatedAt.ToUniversalTime(), TimeSpan.Zero))}</td></tr>");
        }

        html.Append("</tbody></table>");
    });
}

/// <summary>POST <c>/batches/{id}/replay</c> and <c>/approve</c>: support only (403 otherwise), audited.</summary>
internal sealed partial class BatchActionDispatcher(LoadMode mode) : IDashboardDispatcher
{
    /// <inheritdoc />
    public async Task Dispatch(DashboardContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.GetHttpContext();
        if (SupportAction.StoreOf(context) is not { } store)
        {
            return;
        }

        var id = long.Parse(context.UriMatch.Groups["id"].Value, CultureInfo.InvariantCulture);
        var who = DashboardAccess.WhoIs(http.User);
        var audit = http.RequestServices.GetRequiredService<AuditLog>();
        try
        {
            var result = await BatchActions.RunAsync(store, id, mode, who, audit, http.RequestAborted);
            context.Response.ContentType = "application/json";
            context.Response.StatusCode = 200;
            await context.Response.WriteAsync(System.Text.Json.JsonSerializer.Serialize(new { batch = id, state = result.State, reason = result.Reason }));
        }
        catch (NotFoundException)
        {
            context.Response.StatusCode = 404;
        }
        catch (ConflictException ex)
        {
            context.Response.StatusCode = 409;
            await context.Response.WriteAsync(ex.Message);
        }
    }
}
