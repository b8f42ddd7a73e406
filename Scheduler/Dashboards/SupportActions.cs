using System.Globalization;
using Hangfire.Dashboard;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RecallFiles.Importer.Batches;
using RecallFiles.Scheduler.Logging;
using RecallFiles.Schemas;

namespace RecallFiles.Scheduler.Dashboards;

/// <summary>
/// GET <c>/batches/{id}/file</c> (the archived copy) and <c>/batches/{id}/report</c> (the error report, as uploaded to
/// errors/): support only — the file holds patients' contact data — 403 for anyone else; every download, refused ones
/// too, is in the audit log with its login (issue 14).
/// </summary>
internal sealed class BatchDownloadDispatcher(bool report) : IDashboardDispatcher
{
    /// <inheritdoc />
    public async Task Dispatch(DashboardContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.GetHttpContext();
        var store = http.RequestServices.GetService<NpgsqlDataSource>();
        var audit = http.RequestServices.GetRequiredService<AuditLog>();
        var who = DashboardAccess.WhoIs(http.User);
        var id = long.Parse(context.UriMatch.Groups["id"].Value, CultureInfo.InvariantCulture);
        var what = report ? "error report" : "archived file";
        var batch = store is null ? null : await BatchQueries.FindAsync(store, id, http.RequestAborted);
        if (batch is null)
        {
            context.Response.StatusCode = 404;
            return;
        }

        var subject = $"batch {id} {what}";
        if (DashboardAuthorizationFilter.IsReadOnly(context))
        {
            audit.Record("download", batch.PracticeId, subject, who, "refused 403 (not support)");
            context.Response.StatusCode = 403;
            return;
        }

        // The report is a few megabytes at most (stored in the batch); the archived file may be a hundred: streamed.
        var name = report ? RecallFiles.Importer.Loading.VendorReport.ReportName(batch.RemoteName) : batch.RemoteName;
        var bytes = report ? await BatchQueries.ErrorReportAsync(store!, id, http.RequestAborted) : null;
        var path = report ? null : batch.ArchivePath is { } archived && File.Exists(archived) ? archived : null;
        if (bytes is null && path is null)
        {
            audit.Record("download", batch.PracticeId, subject, who, "failed 404 (not there)");
            context.Response.StatusCode = 404;
            return;
        }

        await using var content = bytes is not null ? new MemoryStream(bytes) : (Stream)new FileStream(path!, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        audit.Record("download", batch.PracticeId, subject, who, string.Create(CultureInfo.InvariantCulture, $"done ({content.Length} bytes)"));
        context.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = new Microsoft.Net.Http.Headers.ContentDispositionHeaderValue("attachment") { FileNameStar = name }.ToString();
        http.Response.Headers.CacheControl = "no-store";
        await content.CopyToAsync(http.Response.Body, http.RequestAborted);
    }
}

/// <summary>
/// POST <c>/batches/replay-failed?practice=ID&amp;from=yyyy-MM-dd&amp;to=yyyy-MM-dd</c>: replays every failed batch that
/// matches, oldest first (<see cref="BulkReplay"/>); support only (the access middleware answers 403 to anyone else),
/// each replay audited.
/// </summary>
internal sealed class ReplayFailedDispatcher : IDashboardDispatcher
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

        static DateTime? Day(string? text) =>
            DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var day) ? day : null;
        var practice = http.Request.Query["practice"].ToString() is { Length: > 0 } p ? p : null;
        var to = Day(http.Request.Query["to"].ToString());
        try
        {
            var outcomes = await BulkReplay.ReplayFailedAsync(store, practice, Day(http.Request.Query["from"].ToString()), to?.AddDays(1),
                DashboardAccess.WhoIs(http.User), http.RequestServices.GetRequiredService<AuditLog>(), http.RequestAborted);
            context.Response.ContentType = "application/json";
            context.Response.StatusCode = 200;
            await context.Response.WriteAsync(System.Text.Json.JsonSerializer.Serialize(new
            {
                replayed = outcomes.Count,
                applied = outcomes.Count(o => o.State == BatchStates.Applied),
                batches = outcomes.Select(o => new { batch = o.BatchId, state = o.State, reason = o.Detail is null ? null : PhiText.Mask(o.Detail) }),
            }));
        }
        catch (ConflictException ex)
        {
            context.Response.StatusCode = 409;
            await context.Response.WriteAsync(ex.Message);
        }
    }
}

/// <summary>The guard every support action of our pages passes first.</summary>
internal static class SupportAction
{
    /// <summary>
    /// The cloud store when the request is a POST by support on a cloud host; otherwise null, with the answer set:
    /// 405 (not a POST), 403 (not support), 404 (no cloud store here).
    /// </summary>
    public static NpgsqlDataSource? StoreOf(DashboardContext context)
    {
        if (!string.Equals(context.Request.Method, "POST", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = 405;
            return null;
        }

        if (DashboardAuthorizationFilter.IsReadOnly(context))
        {
            context.Response.StatusCode = 403;
            return null;
        }

        var store = context.GetHttpContext().RequestServices.GetService<NpgsqlDataSource>();
        if (store is null)
        {
            context.Response.StatusCode = 404;
        }

        return store;
    }
}
