using System.Globalization;
using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Practices;

namespace RecallFiles.Scheduler.Dashboards;

/// <summary>
/// <c>/pictures?practice=ID</c> (issue 17): a practice's last 14 days of files — arrived, applied, failed, held per UTC day —
/// and the files per hour of the last 48 hours, for that practice or all of them; inline SVG written on the server
/// (<see cref="FileCharts"/>), from two index range reads of <c>batches</c> (<see cref="FileTimeline"/>).
/// </summary>
internal sealed class PicturesPage : HtmlPage
{
    /// <summary>Days in the timeline.</summary>
    public const int Days = 14;

    /// <summary>Hours in the files-per-hour chart.</summary>
    public const int Hours = 48;

    /// <inheritdoc />
    public override void Execute() => Render("Pictures", html =>
    {
        var (rows, _) = ManagedPractices.ReadAsync(Store!, CancellationToken.None).GetAwaiter().GetResult();
        var ids = rows.Select(r => r.Options.Id).ToList();
        var practice = Context.Request.GetQuery("practice") is { Length: > 0 } p && ids.Contains(p, StringComparer.Ordinal) ? p : null;
        var now = Now;
        html.Append(CultureInfo.InvariantCulture, $"<form class=\"form-inline\" method=\"get\" id=\"pictures-practice\" action=\"{E(Url.To("/pictures"))}\" style=\"margin-bottom:1em\">")
            .Append("<label for=\"pictures-select\">Practice</label> <select class=\"form-control\" id=\"pictures-select\" name=\"practice\"><option value=\"\">all practices</option>")
            .Append(string.Concat(ids.Select(id => $"<option{(id == practice ? " selected" : "")}>{E(id)}</option>")))
            .Append("</select> <button class=\"btn btn-default\" type=\"submit\">Show</button></form>");
        var who = practice ?? "all practices";
        var days = FileTimeline.DailyAsync(Store!, practice, now, Days, CancellationToken.None).GetAwaiter().GetResult();
        var hours = FileTimeline.HourlyAsync(Store!, practice, now, Hours, CancellationToken.None).GetAwaiter().GetResult();
        html.Append(CultureInfo.InvariantCulture, $"<h3>Last {Days} days: {E(who)}</h3><p>Files that arrived each UTC day, by what became of them.</p>")
            .Append("<div class=\"chart\" style=\"overflow-x:auto\">").Append(FileCharts.Daily("timeline", $"Files of {who}, last {Days} days", days)).Append("</div>")
            .Append(CultureInfo.InvariantCulture, $"<h3>Files per hour, last {Hours} hours: {E(who)}</h3>")
            .Append("<div class=\"chart\" style=\"overflow-x:auto\">").Append(FileCharts.Hourly("per-hour", $"Files per hour of {who}, last {Hours} hours", hours)).Append("</div>");

        // The same numbers as a table, for screen readers and for copying.
        html.Append("<details><summary>The timeline as a table</summary><table class=\"table table-condensed\" id=\"timeline-table\"><thead><tr><th>Day (UTC)</th>" +
            "<th>Arrived</th><th>Applied</th><th>Failed</th><th>Held</th><th>Other</th></tr></thead><tbody>");
        foreach (var d in days)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{d.Start:yyyy-MM-dd}</td><td>{d.Arrived}</td><td>{d.Applied}</td><td>{d.Failed}</td><td>{d.Held}</td><td>{d.Other}</td></tr>");
        }

        html.Append("</tbody></table></details>");
    });
}
