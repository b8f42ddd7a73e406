using System.Globalization;
using System.Text;
using Hangfire.Dashboard;
using Hangfire.Dashboard.Pages;
using Microsoft.Extensions.DependencyInjection;
using RecallFiles.Exporter.Ledger;
using RecallFiles.Exporter.StatusApply;
using RecallFiles.Importer.Agents;

namespace RecallFiles.Scheduler.Dashboards;

/// <summary>
/// Issue 17: the agent's own dashboard pages, read from its local ledger (SQLite beside the agent): Exports (recent runs:
/// time, practice, rows, file, result, error) and Status applies (each status file with its rows counted OK / CONFLICT /
/// NOT_FOUND / failed). A cloud-only server says so. The Practices page's agent table (<see cref="AgentHealthTable"/>) is
/// the cloud's view of every agent.
/// </summary>
internal static class AgentPages
{
    /// <summary>Adds the routes and menu items; called from <see cref="DashboardPages.Register"/>.</summary>
    public static void Register()
    {
        DashboardRoutes.Routes.AddRazorPage("/agent/exports", _ => new AgentExportsPage());
        DashboardRoutes.Routes.AddRazorPage("/agent/status-applies", _ => new AgentStatusAppliesPage());
        NavigationMenu.Items.Add(page => new MenuItem("Agent exports", page.Url.To("/agent/exports")) { Active = page.RequestPath.StartsWith("/agent/exports", StringComparison.Ordinal) });
        NavigationMenu.Items.Add(page => new MenuItem("Status applies", page.Url.To("/agent/status-applies")) { Active = page.RequestPath.StartsWith("/agent/status-applies", StringComparison.Ordinal) });
    }
}

/// <summary>A page of the agent role: rendered from the agent's ledger, with or without the cloud store.</summary>
internal abstract class AgentPage : HtmlPage
{
    /// <summary>The agent's export ledger, when this host runs the agent role.</summary>
    protected ExportLedger? Ledger => Context.GetHttpContext().RequestServices.GetService<ExportLedger>();

    /// <summary>Renders <paramref name="body"/> inside the layout, or says this server runs no agent.</summary>
    protected void RenderAgent(string title, Action<StringBuilder, ExportLedger> body)
    {
        Layout = new LayoutPage(title);
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<div class=\"row\"><div class=\"col-md-12\"><h1 class=\"page-header\">{E(title)}</h1>");
        if (Ledger is not { } ledger)
        {
            html.Append("<div class=\"alert alert-info\">This server does not run the agent role: each agent shows its exports and status applies on its own dashboard; " +
                "the cloud shows every agent's heartbeat on the Practices page.</div>");
        }
        else
        {
            html.Append(CultureInfo.InvariantCulture, $"<p>Agent <strong id=\"agent-name\">{E(Settings.Agent.Name)}</strong> on {E(Environment.MachineName)}.</p>");
            body(html, ledger);
        }

        html.Append("</div></div>");
        WriteLiteral(html.ToString());
    }
}

/// <summary>Agent exports: the newest runs of the ledger, failures first to the eye (red).</summary>
internal sealed class AgentExportsPage : AgentPage
{
    /// <inheritdoc />
    public override void Execute() => RenderAgent("Agent exports", (html, ledger) =>
    {
        var runs = ledger.List(null, 200);
        html.Append(CultureInfo.InvariantCulture, $"<p>The last {runs.Count} export run(s) of this agent, newest first.</p>");
        html.Append("<div class=\"table-responsive\"><table class=\"table table-striped\" id=\"agent-exports\"><thead><tr><th>Started</th><th>Finished</th><th>Practice</th>" +
            "<th>Rows</th><th>File</th><th>Result</th><th>Error</th></tr></thead><tbody>");
        foreach (var run in runs)
        {
            var label = run.Status switch
            {
                ExportStatus.Uploaded => "label-success",
                ExportStatus.Failed => "label-danger",
                ExportStatus.Running => "label-warning",
                _ => "label-default",
            };
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{T(run.StartedUtc)}</td><td>{T(run.FinishedUtc)}</td><td>{E(run.PracticeId)}</td><td>{run.Rows?.ToString(CultureInfo.InvariantCulture) ?? "—"}</td>" +
                $"<td>{E(run.FileName ?? "—")}</td><td><span class=\"label {label}\">{E(run.Status.ToString())}</span></td><td>{E(run.Error ?? "—")}</td></tr>");
        }

        html.Append("</tbody></table></div>");
    });
}

/// <summary>Status applies: each status file the agent took, its state and its rows by result.</summary>
internal sealed class AgentStatusAppliesPage : AgentPage
{
    /// <inheritdoc />
    public override void Execute() => RenderAgent("Status applies", (html, _) =>
    {
        var files = new StatusLedger(Settings.LedgerPath).Summaries(200);
        html.Append(CultureInfo.InvariantCulture, $"<p>The last {files.Count} status file(s) applied to the PMS by this agent, newest first.</p>");
        html.Append("<div class=\"table-responsive\"><table class=\"table table-striped\" id=\"agent-status-applies\"><thead><tr><th>First seen</th><th>Practice</th><th>File</th>" +
            "<th>State</th><th>OK</th><th>CONFLICT</th><th>NOT_FOUND</th><th>Failed</th><th>Error</th></tr></thead><tbody>");
        foreach (var f in files)
        {
            var problem = f.Error is not null || f.Failed + f.Conflict + f.NotFound > 0 ? " class=\"warning\"" : "";
            html.Append(CultureInfo.InvariantCulture, $"<tr{problem}><td>{T(f.FirstSeenUtc)}</td><td>{E(f.PracticeId)}</td><td>{E(f.FileName)}</td><td>{E(f.State.ToString())}</td>" +
                $"<td>{f.Ok}</td><td>{f.Conflict}</td><td>{f.NotFound}</td><td>{f.Failed}</td><td>{E(f.Error ?? "—")}</td></tr>");
        }

        html.Append("</tbody></table></div>");
    });
}

/// <summary>The Practices page's agent table (issue 17): each practice's agent as its newest heartbeat shows it, silent ones on top.</summary>
internal static class AgentHealthTable
{
    /// <summary>Appends the table for <paramref name="agents"/> at <paramref name="now"/>; <paramref name="encode"/> encodes and masks text.</summary>
    public static void Append(StringBuilder html, IReadOnlyList<AgentStatus> agents, DateTimeOffset now, Func<object?, string> encode, Func<DateTimeOffset?, string> time,
        double silentFactor = AgentStatus.SilentAfterIntervals)
    {
        var silent = agents.Count(a => a.IsSilent(now, silentFactor));
        html.Append(CultureInfo.InvariantCulture, $"<h3>Agents</h3><p>{agents.Count} practice(s) with an agent heartbeat; <strong>{silent}</strong> silent " +
            $"(no heartbeat for more than {silentFactor:0.#} × its interval).</p>");
        html.Append("<div class=\"table-responsive\"><table class=\"table table-striped\" id=\"agents\"><thead><tr><th>Practice</th><th>Health</th><th>Agent</th><th>Version</th>" +
            "<th>Host</th><th>Last run</th><th>Last export</th><th>Last error</th><th>Ledger failures</th><th>Status applied / failed / conflicts</th></tr></thead><tbody>");
        foreach (var a in agents.OrderByDescending(a => a.IsSilent(now, silentFactor)).ThenByDescending(a => a.ExportFailed).ThenBy(a => a.PracticeId, StringComparer.Ordinal))
        {
            var health = a.IsSilent(now, silentFactor) ? "<span class=\"label label-danger agent-silent\">silent</span>"
                : a.ExportFailed ? "<span class=\"label label-warning\">export failing</span>"
                : "<span class=\"label label-success\">ok</span>";
            var result = a.ExportResult switch
            {
                "ok" => "<span class=\"label label-success\">ok</span>",
                "failed" => "<span class=\"label label-danger\">failed</span>",
                _ => "<span class=\"label label-default\">none</span>",
            };
            html.Append(CultureInfo.InvariantCulture, $"<tr data-practice=\"{encode(a.PracticeId)}\"><td>{encode(a.PracticeId)}</td><td>{health}</td><td>{encode(a.Agent)}</td>" +
                $"<td>{encode(a.Version)}</td><td>{encode(a.Host)}</td><td>{time(a.SentAt)}</td><td>{result} {time(a.ExportFinishedAt)}</td><td>{encode(a.ExportError ?? "—")}</td>" +
                $"<td>{a.LedgerFailures}</td><td>{a.StatusApplied} / {a.StatusFailed} / {a.StatusConflicts}</td></tr>");
        }

        html.Append("</tbody></table></div>");
    }
}
