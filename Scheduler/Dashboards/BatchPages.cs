using System.Globalization;
using System.Text;
using RecallFiles.Importer.Batches;

namespace RecallFiles.Scheduler.Dashboards;

/// <summary>
/// Batches: search by practice, file name, APP_LID, state and date, newest first, 50 a page (keyset paging on the id,
/// so a page costs the same however deep); support can replay every failed batch that matches the practice or dates.
/// </summary>
internal sealed class BatchesPage : HtmlPage
{
    /// <summary>Batches per page.</summary>
    public const int PageSize = 50;

    /// <inheritdoc />
    public override void Execute() => Render("Batches", html =>
    {
        string? Q(string name) => Context.Request.GetQuery(name) is { Length: > 0 } v ? v.Trim() : null;
        var practice = Q("practice");
        var file = Q("file");
        var appLid = Q("app_lid");
        var state = Q("state") is { } s && BatchStates.All.Contains(s) ? s : null;
        var from = Day(Q("from"));
        var to = Day(Q("to"));
        var before = long.TryParse(Q("before"), NumberStyles.None, CultureInfo.InvariantCulture, out var b) ? b : (long?)null;
        var filter = new BatchFilter(practice, state is null ? null : [state], PageSize + 1)
        {
            FileName = file, AppLid = appLid, From = from, To = to?.AddDays(1), BeforeId = before,
        };
        var batches = BatchQueries.ListAsync(Store!, filter, CancellationToken.None).GetAwaiter().GetResult();
        var more = batches.Count > PageSize;
        html.Append(CultureInfo.InvariantCulture, $"<form class=\"form-inline\" id=\"search\" method=\"get\" action=\"{Url.To("/batches")}\" style=\"margin-bottom:1em\">");
        Input(html, "practice", "practice", practice);
        Input(html, "file", "file name contains", file);
        Input(html, "app_lid", "APP_LID", appLid);
        html.Append("<select class=\"form-control\" name=\"state\"><option value=\"\">any state</option>");
        foreach (var option in BatchStates.All)
        {
            html.Append(CultureInfo.InvariantCulture, $"<option{(option == state ? " selected" : "")}>{E(option)}</option>");
        }

        html.Append("</select> ");
        html.Append(CultureInfo.InvariantCulture, $"<input class=\"form-control\" type=\"date\" name=\"from\" title=\"received on or after (UTC)\" value=\"{E(Q("from"))}\"> ");
        html.Append(CultureInfo.InvariantCulture, $"<input class=\"form-control\" type=\"date\" name=\"to\" title=\"received on or before (UTC)\" value=\"{E(Q("to"))}\"> ");
        html.Append("<button class=\"btn btn-default\" type=\"submit\">Search</button></form>");
        if (!IsReadOnly && (practice is not null || from is not null || to is not null))
        {
            var query = Query(("practice", practice), ("from", Q("from")), ("to", Q("to")));
            html.Append(CultureInfo.InvariantCulture, $"<p><button class=\"btn btn-primary js-replay-failed\" data-ajax=\"{Url.To("/batches/replay-failed" + query)}\" " +
                $"data-loading-text=\"Replaying…\" data-confirm=\"Replay every failed batch of {E(practice ?? "every practice")} in these dates, oldest first?\">Replay every failed batch of {E(practice ?? "these dates")}</button></p>");
        }

        html.Append("<div class=\"table-responsive\"><table class=\"table table-striped\" id=\"batches\"><thead><tr><th>Batch</th><th>Practice</th><th>File</th><th>State</th><th>Received</th>" +
            "<th>Rows</th><th>Invalid</th><th>+ / ~ / −</th><th>Reason</th></tr></thead><tbody>");
        foreach (var batch in batches.Take(PageSize))
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td><a href=\"{Url.To($"/batches/{batch.Id}")}\">{batch.Id}</a></td><td>{E(batch.PracticeId)}</td><td>{E(batch.RemoteName)}</td><td>{State(batch.State)}</td>" +
                $"<td>{T(new DateTimeOffset(batch.ClaimedAt, TimeSpan.Zero))}</td><td>{batch.RowsTotal}</td><td>{batch.RowsInvalid}</td><td>{batch.Inserted} / {batch.Updated} / {batch.Removed}</td><td>{E(batch.Reason)}</td></tr>");
        }

        html.Append("</tbody></table></div>");
        if (batches.Count == 0)
        {
            html.Append("<p>No batch matches.</p>");
        }

        var here = Query(("practice", practice), ("file", file), ("app_lid", appLid), ("state", state), ("from", Q("from")), ("to", Q("to")));
        html.Append("<ul class=\"pager\">");
        if (before is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $"<li class=\"previous\"><a id=\"newest\" href=\"{Url.To("/batches" + here)}\">Newest</a></li>");
        }

        if (more)
        {
            var next = here + (here.Length == 0 ? "?" : "&") + "before=" + batches[PageSize - 1].Id.ToString(CultureInfo.InvariantCulture);
            html.Append(CultureInfo.InvariantCulture, $"<li class=\"next\"><a id=\"older\" href=\"{Url.To("/batches" + next)}\">Older</a></li>");
        }

        html.Append("</ul>");
    });

    private static void Input(StringBuilder html, string name, string placeholder, string? value) =>
        html.Append(CultureInfo.InvariantCulture, $"<input class=\"form-control\" name=\"{name}\" placeholder=\"{E(placeholder)}\" value=\"{E(value)}\"> ");

    private static DateTime? Day(string? text) =>
        DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var day) ? day : null;

    /// <summary>A query string of the non-empty values.</summary>
    internal static string Query(params (string Name, string? Value)[] values)
    {
        var parts = values.Where(v => v.Value is { Length: > 0 }).Select(v => $"{v.Name}={Uri.EscapeDataString(v.Value!)}").ToList();
        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }
}

/// <summary>One batch (one primary-key read): summary, downloads, history, row errors (masked), trace links, replay and approve for support.</summary>
internal sealed class BatchPage(long id) : HtmlPage
{
    /// <inheritdoc />
    public override void Execute() => Render($"Batch {id}", html =>
    {
        var batch = BatchQueries.FindAsync(Store!, id, CancellationToken.None).GetAwaiter().GetResult();
        if (batch is null)
        {
            html.Append("<p>No such batch.</p>");
            return;
        }

        html.Append(CultureInfo.InvariantCulture, $"<dl class=\"dl-horizontal\" id=\"batch\"><dt>Practice</dt><dd><a href=\"{Url.To("/batches" + BatchesPage.Query(("practice", batch.PracticeId)))}\">{E(batch.PracticeId)}</a></dd><dt>File</dt><dd>{E(batch.RemoteName)}</dd>" +
            $"<dt>State</dt><dd id=\"state\">{State(batch.State)}</dd><dt>Reason</dt><dd id=\"reason\">{E(batch.Reason ?? "—")}</dd><dt>SHA-256</dt><dd><code>{E(batch.Sha256)}</code></dd>" +
            $"<dt>Rows</dt><dd>{batch.RowsTotal} ({batch.RowsValid} valid, {batch.RowsInvalid} invalid)</dd><dt>Changes</dt><dd>+{batch.Inserted} ~{batch.Updated} −{batch.Removed} ={batch.Unchanged}</dd>" +
            $"<dt>Remote file</dt><dd>{E(batch.RemoteDisposition ?? "not moved yet")}</dd><dt>Attempts</dt><dd>{batch.Attempts}</dd></dl>");
        if (!IsReadOnly)
        {
            html.Append("<p>");
            if (batch.ArchivePath is not null)
            {
                html.Append(CultureInfo.InvariantCulture, $"<a class=\"btn btn-default\" id=\"download-file\" href=\"{Url.To($"/batches/{id}/file")}\">Download the archived file</a> ");
            }

            if (batch.HasReport)
            {
                html.Append(CultureInfo.InvariantCulture, $"<a class=\"btn btn-default\" id=\"download-report\" href=\"{Url.To($"/batches/{id}/report")}\">Download the error report</a> ");
            }

            if (batch.State is BatchStates.Failed or BatchStates.NeedsReview)
            {
                html.Append(CultureInfo.InvariantCulture, $"<button class=\"btn btn-primary js-replay\" data-ajax=\"{Url.To($"/batches/{id}/replay")}\" data-loading-text=\"Replaying…\">Replay</button> ");
            }

            if (batch.State == BatchStates.NeedsReview)
            {
                html.Append(CultureInfo.InvariantCulture,
                    $"<button class=\"btn btn-warning js-approve\" data-ajax=\"{Url.To($"/batches/{id}/approve")}\" data-loading-text=\"Approving…\" data-confirm=\"Apply this snapshot past the mass-removal guard?\">Approve</button>");
            }

            html.Append("</p>");
        }

        html.Append("<h3>History</h3><table class=\"table table-condensed\" id=\"history\"><thead><tr><th>When</th><th>From</th><th>To</th><th>Who</th><th>Why</th></tr></thead><tbody>");
        foreach (var e in SupportQueries.HistoryAsync(Store!, id, CancellationToken.None).GetAwaiter().GetResult())
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{T(e.At)}</td><td>{E(e.From)}</td><td>{E(e.To)}</td><td>{E(e.Actor)}</td><td>{E(e.Reason)}</td></tr>");
        }

        html.Append("</tbody></table><h3>Row errors</h3><table class=\"table table-condensed\" id=\"row-errors\"><thead><tr><th>Line</th><th>Column</th><th>Rule</th><th>Severity</th><th>Message</th></tr></thead><tbody>");
        foreach (var r in SupportQueries.RowErrorsAsync(Store!, id, 500, CancellationToken.None).GetAwaiter().GetResult())
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{r.Line}</td><td>{E(r.Column)}</td><td>{E(r.Code)}</td><td>{E(r.Severity)}</td><td>{E(r.Message)}</td></tr>");
        }

        html.Append("</tbody></table>");
        var lids = BatchQueries.AppLidsAsync(Store!, id, 20, CancellationToken.None).GetAwaiter().GetResult();
        if (lids.Count > 0)
        {
            html.Append("<h3>Appointments it changed</h3><p id=\"appointments\">");
            foreach (var lid in lids.Distinct(StringComparer.Ordinal))
            {
                html.Append(CultureInfo.InvariantCulture, $"<a class=\"trace\" href=\"{Url.To("/trace" + BatchesPage.Query(("practice", batch.PracticeId), ("app_lid", lid)))}\">{E(lid)}</a> ");
            }

            html.Append("</p>");
        }
    });
}

/// <summary>Trace: one appointment's batches (the row as received), events, reminders, replies, status updates and PMS result, in one timeline (masked).</summary>
internal sealed class TracePage : HtmlPage
{
    /// <inheritdoc />
    public override void Execute() => Render("Trace", html =>
    {
        var practice = Context.Request.GetQuery("practice")?.Trim();
        var appLid = Context.Request.GetQuery("app_lid")?.Trim();
        html.Append(CultureInfo.InvariantCulture, $"<form class=\"form-inline\" method=\"get\" action=\"{Url.To("/trace")}\" style=\"margin-bottom:1em\">");
        html.Append(CultureInfo.InvariantCulture, $"<input class=\"form-control\" name=\"practice\" placeholder=\"practice\" value=\"{E(practice)}\"> <input class=\"form-control\" name=\"app_lid\" placeholder=\"APP_LID\" value=\"{E(appLid)}\"> ");
        html.Append("<button class=\"btn btn-default\" type=\"submit\">Trace</button></form>");
        if (string.IsNullOrEmpty(practice) || string.IsNullOrEmpty(appLid))
        {
            html.Append("<p>Name a practice and an APP_LID.</p>");
            return;
        }

        var trace = AppointmentTrace.TraceAsync(Store!, practice, appLid, CancellationToken.None).GetAwaiter().GetResult();
        if (trace.Current is null && trace.Timeline.Count == 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p id=\"not-found\">Practice {E(practice)} has no appointment {E(appLid)} in the cloud store.</p>");
            return;
        }

        if (trace.Current is { } current)
        {
            html.Append("<h3>Now</h3><p id=\"current\">" + string.Join(", ", current.Select(f => $"{E(f.Key)}=<strong>{E(f.Value)}</strong>")) + "</p>");
        }

        html.Append("<h3>Batches that carried it</h3><table class=\"table table-condensed\" id=\"trace-batches\"><thead><tr><th>Batch</th><th>File</th><th>State</th><th>Received</th><th>Line</th><th>Row as received</th></tr></thead><tbody>");
        foreach (var b in trace.Batches)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td><a href=\"{Url.To($"/batches/{b.Id}")}\">{b.Id}</a></td><td>{E(b.RemoteName)}</td><td>{State(b.State)}</td><td>{T(b.ClaimedAt)}</td><td>{b.Line}</td>" +
                $"<td>{string.Join(", ", b.Row.Select(f => $"{E(f.Key)}={E(f.Value)}"))}{(b.Note is null ? "" : $" <em>{E(b.Note)}</em>")}</td></tr>");
        }

        html.Append("</tbody></table><h3>Timeline</h3><table class=\"table table-condensed\" id=\"timeline\"><thead><tr><th>When (UTC)</th><th>What</th><th></th></tr></thead><tbody>");
        foreach (var e in trace.Timeline)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr class=\"trace-{E(e.Kind)}\"><td>{e.At.UtcDateTime:yyyy-MM-dd HH:mm:ss}</td><td><span class=\"label label-default\">{E(e.Kind)}</span></td><td>{E(e.What)}</td></tr>");
        }

        html.Append("</tbody></table>");
    });
}
