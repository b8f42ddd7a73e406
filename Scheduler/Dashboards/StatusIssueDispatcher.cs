using System.Globalization;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RecallFiles.Importer.Status;
using RecallFiles.Reminders;
using RecallFiles.Schemas;

namespace RecallFiles.Scheduler.Dashboards;

/// <summary>
/// POST <c>/status/issue</c> (form: <c>practice</c>, <c>app_lid</c>, <c>status</c>): support issues any of the four statuses
/// (PENDING, APPROVED, CANCELLED by USER, CANCELLED by ADMIN) as a status update for the next status export, as
/// <c>recallfiles reply</c> does; a cancellation cancels the appointment's planned reminders at once (issue 15). Support
/// only (403 otherwise); audited by <see cref="DashboardActionAudit"/> with the form's fields. Answers 303 to the Status page.
/// </summary>
internal sealed class StatusIssueDispatcher : IDashboardDispatcher
{
    /// <summary>The form of the Status page: support only.</summary>
    public static string Form(string action, string? antiforgeryToken) =>
        "<h3>Issue a status</h3><form class=\"form-inline\" method=\"post\" id=\"issue-status\" action=\"" + System.Net.WebUtility.HtmlEncode(action) + "\" style=\"margin-bottom:1em\">" +
        (antiforgeryToken is null ? "" : $"<input type=\"hidden\" name=\"__RequestVerificationToken\" value=\"{System.Net.WebUtility.HtmlEncode(antiforgeryToken)}\">") +
        "<input class=\"form-control\" name=\"practice\" placeholder=\"practice\" required> <input class=\"form-control\" name=\"app_lid\" placeholder=\"APP_LID\" required> " +
        "<select class=\"form-control\" name=\"status\">" + string.Concat(AppointmentStatuses.WireNames.Select(n => $"<option>{n}</option>")) + "</select> " +
        "<button class=\"btn btn-primary\" type=\"submit\">Issue</button></form>";

    /// <inheritdoc />
    public async Task Dispatch(DashboardContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.GetHttpContext();
        if (!string.Equals(context.Request.Method, "POST", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = 405;
            return;
        }

        if (DashboardAuthorizationFilter.IsReadOnly(context))
        {
            context.Response.StatusCode = 403;
            return;
        }

        var store = http.RequestServices.GetService<NpgsqlDataSource>();
        if (store is null)
        {
            context.Response.StatusCode = 404;
            return;
        }

        var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(http.RequestAborted) : null;
        var practice = form?["practice"].ToString().Trim() ?? "";
        var appLid = form?["app_lid"].ToString().Trim() ?? "";
        if (practice.Length == 0 || appLid.Length == 0 || !AppointmentStatuses.TryParse(form?["status"].ToString(), out var status))
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsync("practice, app_lid and status (PENDING, APPROVED, CANCELLED by USER, CANCELLED by ADMIN) are required");
            return;
        }

        try
        {
            var id = await StatusUpdates.AddAsync(store, practice, appLid, status, DashboardAccess.WhoIs(http.User), http.RequestAborted);
            var stopped = await ReminderEngine.CancelPlannedForStatusAsync(store, practice, appLid, status, http.RequestAborted);
            context.Response.StatusCode = StatusCodes.Status303SeeOther;
            http.Response.Headers.Location = new UrlHelper(context).To(
                "/status?issued=" + id.ToString(CultureInfo.InvariantCulture) + "&stopped=" + stopped.ToString(CultureInfo.InvariantCulture));
        }
        catch (NotFoundException ex)
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsync(ex.Message);
        }
    }
}
