using System.Globalization;
using System.Net;
using System.Text;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RecallFiles.Importer.Practices;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Logging;
using RecallFiles.Schemas;
using RecallFiles.Transport;

namespace RecallFiles.Scheduler.Dashboards;

/// <summary>
/// Practices without restarts on the dashboard (issue 17): <c>/manage/practices</c> lists every cloud practice with where
/// it is configured — JSON practices are marked "configured in JSON, read-only" — and gives support a form to add or edit
/// a database practice and buttons to disable or enable one (<see cref="PracticeSaveDispatcher"/>; antiforgery token,
/// support only, audited). The pictures are on <c>/pictures</c> (<see cref="PicturesPage"/>).
/// </summary>
internal static class PracticeManagePages
{
    /// <summary>Adds the routes and menu items; called by <see cref="DashboardPages.Register"/>.</summary>
    public static void Register()
    {
        DashboardRoutes.Routes.AddRazorPage("/manage/practices", _ => new PracticeManagePage());
        DashboardRoutes.Routes.Add("/manage/practices/save", new PracticeSaveDispatcher());
        DashboardRoutes.Routes.Add("/manage/practices/(?<id>[A-Za-z0-9_-]{1,40})/(?<what>disable|enable)", new PracticeSaveDispatcher());
        DashboardRoutes.Routes.AddRazorPage("/pictures", _ => new PicturesPage());
        NavigationMenu.Items.Add(page => new MenuItem("Manage practices", page.Url.To("/manage/practices")) { Active = page.RequestPath.StartsWith("/manage/practices", StringComparison.Ordinal) });
        NavigationMenu.Items.Add(page => new MenuItem("Pictures", page.Url.To("/pictures")) { Active = page.RequestPath.StartsWith("/pictures", StringComparison.Ordinal) });
    }

    /// <summary>The admin service of this request's host, or null on a host without the cloud role.</summary>
    internal static PracticeAdmin? AdminOf(HttpContext http)
    {
        var services = http.RequestServices;
        if (services.GetService<Npgsql.NpgsqlDataSource>() is not { } store || services.GetService<ImportSettings>() is not { } settings)
        {
            return null;
        }

        return new PracticeAdmin(store, settings.Catalog, settings.DropBoxes, settings.Importer, services.GetRequiredService<AuditLog>(),
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILoggerFactory>().CreateLogger<PracticeAdmin>());
    }
}

/// <summary>Every cloud practice, where it is configured, and (support) the add/edit form.</summary>
internal sealed class PracticeManagePage : HtmlPage
{
    /// <inheritdoc />
    public override void Execute() => Render("Manage practices", html =>
    {
        var services = Context.GetHttpContext().RequestServices;
        var settings = services.GetService<ImportSettings>();
        var (rows, version) = ManagedPractices.ReadAsync(Store!, CancellationToken.None).GetAwaiter().GetResult();
        var support = !DashboardAuthorizationFilter.IsReadOnly(Context);
        if (Context.Request.GetQuery("saved") is { Length: > 0 } done && Context.Request.GetQuery("done") is "disabled" or "enabled")
        {
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"alert alert-success\" id=\"saved\">Practice <strong>{E(done)}</strong> {E(Context.Request.GetQuery("done"))}; " +
                $"running servers take it in within RecallFiles:Importer:PracticeRefresh.</div>");
        }
        else if (Context.Request.GetQuery("saved") is { Length: > 0 } saved)
        {
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"alert alert-success\" id=\"saved\">Practice <strong>{E(saved)}</strong> saved; folders on its drop box: " +
                $"{E(Context.Request.GetQuery("folders"))}. Running servers take it in within {E(settings?.Importer.PracticeRefresh.ToString("c", CultureInfo.InvariantCulture))} (RecallFiles:Importer:PracticeRefresh), without a restart.</div>");
        }

        if (Context.Request.GetQuery("error") is { Length: > 0 } error)
        {
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"alert alert-danger\" id=\"error\">{E(error)}</div>");
        }

        html.Append(CultureInfo.InvariantCulture, $"<p>{rows.Count} practice(s) (version {version}). Practices configured in JSON (<code>RecallFiles:Practices:{{id}}</code>) are " +
            $"read-only here; the others are managed here or with <code>recallfiles practices</code>.</p>");
        html.Append("<table class=\"table table-striped\" id=\"managed-practices\"><thead><tr><th>Practice</th><th>Configured in</th><th>Enabled</th><th>Drop box</th>" +
            "<th>Time zone</th><th>Cadence</th><th>Folder</th><th>Changed by</th><th></th></tr></thead><tbody>");
        foreach (var row in rows)
        {
            var p = row.Options;
            var json = row.Source == ManagedPractice.Json || settings?.Catalog.IsConfigured(p.Id) == true;
            var actions = json ? "<span class=\"text-muted read-only\">configured in JSON, read-only</span>"
                : !support ? ""
                : $"<a class=\"btn btn-xs btn-default js-edit\" href=\"{Url.To("/manage/practices?edit=" + Uri.EscapeDataString(p.Id))}\">Edit</a> " +
                  Button($"/manage/practices/{p.Id}/{(p.Enabled ? "disable" : "enable")}", p.Enabled ? "Disable" : "Enable");
            html.Append(CultureInfo.InvariantCulture, $"<tr data-practice=\"{E(p.Id)}\"><td>{E(p.Id)}</td><td class=\"source\">{(json ? "JSON" : "database")}</td><td>{(p.Enabled ? "yes" : "no")}</td>" +
                $"<td>{E(p.DropBox)}</td><td>{E(p.TimeZone)}</td><td>{E(D(p.Cadence))}</td><td>{E(p.EffectiveFolder)}</td><td>{E(json ? "—" : row.ChangedBy ?? "—")}</td><td>{actions}</td></tr>");
        }

        html.Append("</tbody></table>");
        if (support && settings is not null)
        {
            var editing = Context.Request.GetQuery("edit") is { Length: > 0 } edit ? rows.FirstOrDefault(r => r.Options.Id == edit && r.Source == ManagedPractice.Database)?.Options : null;
            html.Append(Form(editing, settings.DropBoxes.Keys.Order(StringComparer.Ordinal)));
        }
    });

    private string Button(string path, string text) =>
        $"<form method=\"post\" action=\"{E(Url.To(path))}\" style=\"display:inline\">{Token()}<button class=\"btn btn-xs btn-default js-{text.ToLowerInvariant()}\" type=\"submit\">{text}</button></form>";

    private string Token() => Context.AntiforgeryToken is { } token ? $"<input type=\"hidden\" name=\"__RequestVerificationToken\" value=\"{WebUtility.HtmlEncode(token)}\">" : "";

    private string Form(PracticeOptions? editing, IEnumerable<string> dropBoxes)
    {
        var p = editing ?? new PracticeOptions();
        var form = new StringBuilder();
        form.Append(CultureInfo.InvariantCulture, $"<h3>{(editing is null ? "Add a practice" : "Edit " + E(p.Id))}</h3>")
            .Append(CultureInfo.InvariantCulture, $"<form method=\"post\" id=\"practice-form\" action=\"{E(Url.To("/manage/practices/save"))}\" class=\"form-horizontal\" style=\"max-width:40em\">{Token()}")
            .Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"mode\" value=\"{(editing is null ? "add" : "edit")}\">");
        void Field(string name, string label, string input) =>
            form.Append(CultureInfo.InvariantCulture, $"<div class=\"form-group\"><label class=\"col-sm-4 control-label\" for=\"f-{name}\">{label}</label><div class=\"col-sm-8\">{input}</div></div>");
        Field("id", "Practice id", $"<input class=\"form-control\" id=\"f-id\" name=\"id\" required maxlength=\"{PracticeId.MaxLength}\" pattern=\"[A-Za-z0-9_\\-]{{1,40}}\" value=\"{E(p.Id)}\"{(editing is null ? "" : " readonly")}>");
        Field("drop_box", "Drop box", $"<select class=\"form-control\" id=\"f-drop_box\" name=\"drop_box\">" +
            string.Concat(dropBoxes.Select(d => $"<option{(d == p.DropBox ? " selected" : "")}>{E(d)}</option>")) + "</select>");
        Field("time_zone", "Time zone (IANA)", $"<input class=\"form-control\" id=\"f-time_zone\" name=\"time_zone\" required value=\"{E(p.TimeZone)}\">");
        Field("cadence", "Cadence (hh:mm:ss)", $"<input class=\"form-control\" id=\"f-cadence\" name=\"cadence\" value=\"{E(p.Cadence.ToString("c", CultureInfo.InvariantCulture))}\">");
        Field("folder", "Appointment folder", $"<input class=\"form-control\" id=\"f-folder\" name=\"folder\" placeholder=\"{{id}}/appointments\" value=\"{E(editing?.Folder ?? "")}\">");
        Field("row_errors", "Invalid rows", "<select class=\"form-control\" id=\"f-row_errors\" name=\"row_errors\">" +
            string.Concat(Enum.GetNames<RowErrorPolicy>().Select(n => $"<option{(n == p.RowErrors.ToString() ? " selected" : "")}>{n}</option>")) + "</select>");
        Field("strict_contacts", "Strict contacts", $"<input type=\"checkbox\" id=\"f-strict_contacts\" name=\"strict_contacts\" value=\"true\"{(p.StrictContacts ? " checked" : "")}>");
        form.Append(CultureInfo.InvariantCulture, $"<div class=\"form-group\"><div class=\"col-sm-offset-4 col-sm-8\"><button class=\"btn btn-primary\" type=\"submit\" id=\"practice-save\">" +
            $"{(editing is null ? "Add practice and create its folders" : "Save")}</button></div></div></form>");
        return form.ToString();
    }
}

/// <summary>
/// POST <c>/manage/practices/save</c> (form: mode add|edit, id, drop_box, time_zone, cadence, folder, row_errors, strict_contacts)
/// and <c>/manage/practices/{id}/disable|enable</c>: support only (403 otherwise, by the access middleware and here), the
/// antiforgery token checked by the dashboard, one audit line by <see cref="PracticeAdmin"/> (refusals too) beside the
/// dashboard's own. Answers 303 to the manage page with what was saved or why not.
/// </summary>
internal sealed class PracticeSaveDispatcher : IDashboardDispatcher
{
    /// <inheritdoc />
    public async Task Dispatch(DashboardContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.GetHttpContext();
        if (SupportAction.StoreOf(context) is null)
        {
            return;
        }

        if (PracticeManagePages.AdminOf(http) is not { } admin)
        {
            context.Response.StatusCode = 404;
            return;
        }

        var who = DashboardAccess.WhoIs(http.User);
        var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(http.RequestAborted) : null;
        string Field(string name) => form?[name].ToString().Trim() ?? "";
        var url = new UrlHelper(context);
        string back;
        try
        {
            if (context.UriMatch.Groups["what"].Success)
            {
                var id = context.UriMatch.Groups["id"].Value;
                if (context.UriMatch.Groups["what"].Value == "disable")
                {
                    await admin.DisableAsync(id, who, http.RequestAborted);
                }
                else
                {
                    await admin.EditAsync(id, p => p with { Enabled = true }, who, http.RequestAborted);
                }

                back = "/manage/practices?saved=" + Uri.EscapeDataString(id) + "&done=" + context.UriMatch.Groups["what"].Value + "d";
            }
            else
            {
                var id = Field("id");
                PracticeOptions Apply(PracticeOptions p) => p with
                {
                    DropBox = Field("drop_box") is { Length: > 0 } box ? box : p.DropBox,
                    TimeZone = Field("time_zone") is { Length: > 0 } zone ? zone : p.TimeZone,
                    Cadence = Field("cadence") is { Length: > 0 } cadence ? ParseSpan(cadence, "cadence") : p.Cadence,
                    Folder = Field("folder") is { Length: > 0 } folder ? folder : null,
                    RowErrors = Enum.TryParse<RowErrorPolicy>(Field("row_errors"), out var policy) ? policy : p.RowErrors,
                    StrictContacts = Field("strict_contacts") == "true",
                };
                var folders = Field("mode") == "edit"
                    ? await admin.EditAsync(id, Apply, who, http.RequestAborted)
                    : await admin.AddAsync(Apply(new PracticeOptions { Id = id }), who, http.RequestAborted);
                back = "/manage/practices?saved=" + Uri.EscapeDataString(id) + "&folders=" + Uri.EscapeDataString(string.Join(", ", folders));
            }
        }
        catch (Exception ex) when (ex is RecallFilesException or DropBoxException)
        {
            back = "/manage/practices?error=" + Uri.EscapeDataString(PhiText.Mask(ex.Message));
        }

        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        http.Response.Headers.Location = url.To(back);
    }

    private static TimeSpan ParseSpan(string text, string field) => TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span)
        ? span
        : throw new ConfigurationException($"{field} '{text}' is not a time span: write hh:mm:ss, or d.hh:mm:ss for a day or more");
}
