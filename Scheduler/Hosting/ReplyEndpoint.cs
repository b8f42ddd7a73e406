using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Npgsql;
using RecallFiles.Importer.Status;
using RecallFiles.Reminders;
using RecallFiles.Reminders.Replies;
using RecallFiles.Schemas;
using RecallFiles.Scheduler.Logging;

namespace RecallFiles.Scheduler.Hosting;

/// <summary>
/// <c>POST /api/replies</c> (cloud role): a patient's answer from the reminder channel, as a status update for the
/// PMS — the same as <c>./recallfiles reply</c>. Body <c>{"practice":"ACME-01","appLid":"1042","answer":"confirm"|"cancel"|STATUS}</c>,
/// STATUS any of PENDING, APPROVED, CANCELLED by USER, CANCELLED by ADMIN; a cancellation cancels the planned reminders at once.
/// Machines only (issue 12): <c>Authorization: Bearer</c> with an API key from <c>recallfiles api-key create</c>, never a
/// person's login and never open on loopback. 401 for a missing, unknown or revoked key, 403 for a practice the key is
/// not limited to. Answers 201 with the update id, 400 for a malformed body, 415 for anything but JSON, 404 for an
/// appointment the cloud does not know. Every answer past the key check, and every refused key, is audited.
/// </summary>
internal static class ReplyEndpoint
{
    private sealed record Reply(string? Practice, string? AppLid, string? Answer);

    public static void Map(WebApplication app, NpgsqlDataSource store)
    {
        app.MapPost("/api/replies", async (HttpContext context, AuditLog audit, ApiKeys keys) =>
        {
            var (check, key) = keys.Check(context.Request.Headers.Authorization.ToString() is { Length: > 0 } h ? h : null);
            if (check != ApiKeyCheck.Valid)
            {
                var caller = key is null ? "api:(none)" : $"api:{key.Name}";
                audit.Record("reply", "-", $"POST /api/replies from {context.Connection.RemoteIpAddress}", caller, $"refused 401: {check.ToString().ToLowerInvariant()} key");
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"RecallFiles\"";
                return Results.Unauthorized();
            }

            var who = $"api:{key!.Name}";

            // JSON only: a cross-site form cannot send it without a CORS preflight, which this host never allows.
            if (!context.Request.HasJsonContentType())
            {
                return Results.Problem("send the reply as application/json", statusCode: StatusCodes.Status415UnsupportedMediaType);
            }

            Reply? reply;
            try
            {
                reply = await JsonSerializer.DeserializeAsync<Reply>(context.Request.Body, new JsonSerializerOptions(JsonSerializerDefaults.Web), context.RequestAborted);
            }
            catch (JsonException ex)
            {
                return Results.Problem($"the body is not JSON: {ex.Message}", statusCode: StatusCodes.Status400BadRequest);
            }

            AppointmentStatus? status = ReplyParser.TryParseAnswer(reply?.Answer, out var parsed) ? parsed : null;
            if (reply is null || !PracticeId.IsValid(reply.Practice) || string.IsNullOrWhiteSpace(reply.AppLid) || reply.AppLid.Length > 50 || status is null)
            {
                return Results.Problem("expected {\"practice\": a practice id, \"appLid\": the appointment (1-50 characters), \"answer\": \"confirm\", \"cancel\" or a status (PENDING, APPROVED, CANCELLED by USER, CANCELLED by ADMIN)}",
                    statusCode: StatusCodes.Status400BadRequest);
            }

            if (key.Practices.Count > 0 && !key.Practices.Contains(reply.Practice!, StringComparer.Ordinal))
            {
                audit.Record("reply", reply.Practice!, $"{reply.AppLid.Trim()} {status.Value.ToWire()}", who, "refused 403: the key is not for this practice");
                return Results.Problem($"the API key '{key.Name}' is not allowed to act for practice {reply.Practice}", statusCode: StatusCodes.Status403Forbidden);
            }

            try
            {
                var id = await StatusUpdates.AddAsync(store, reply.Practice!, reply.AppLid.Trim(), status.Value, "api", context.RequestAborted);
                await ReminderEngine.CancelPlannedForStatusAsync(store, reply.Practice!, reply.AppLid.Trim(), status.Value, context.RequestAborted);
                audit.Record("reply", reply.Practice!, $"{reply.AppLid.Trim()} {status.Value.ToWire()} update {id}", who, "queued");
                return Results.Created($"/api/replies/{id}", new { id, practice = reply.Practice, appLid = reply.AppLid.Trim(), status = status.Value.ToWire(), state = "queued" });
            }
            catch (NotFoundException ex)
            {
                audit.Record("reply", reply.Practice!, $"{reply.AppLid.Trim()} {status.Value.ToWire()}", who, "not found");
                return Results.Problem(ex.Message, statusCode: StatusCodes.Status404NotFound);
            }
        });
    }
}
