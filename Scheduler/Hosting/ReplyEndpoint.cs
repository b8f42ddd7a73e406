using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Npgsql;
using RecallFiles.Importer.Status;
using RecallFiles.Schemas;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Dashboards;
using RecallFiles.Scheduler.Logging;

namespace RecallFiles.Scheduler.Hosting;

/// <summary>
/// <c>POST /api/replies</c> (cloud role): a patient's answer from the reminder channel, as a status update for the
/// PMS — the same as <c>./recallfiles reply</c>. Body <c>{"practice":"ACME-01","appLid":"1042","answer":"confirm"|"cancel"}</c>.
/// The same access rule as the dashboard: open on a loopback-only host, otherwise a support login (an MSP login
/// gets 403). Answers 201 with the update id, 400 for a malformed body, 415 for anything but JSON, 404 for an
/// appointment the cloud does not know.
/// </summary>
internal static class ReplyEndpoint
{
    private sealed record Reply(string? Practice, string? AppLid, string? Answer);

    public static void Map(WebApplication app, DashboardAccess access, NpgsqlDataSource store)
    {
        app.MapPost("/api/replies", async (HttpContext context, AuditLog audit) =>
        {
            var user = access.Resolve(context);
            if (user is null)
            {
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"RecallFiles\"";
                return Results.Unauthorized();
            }

            if (DashboardAccess.RoleOf(user) != DashboardRole.Support)
            {
                return Results.Problem("only a support login may record replies", statusCode: StatusCodes.Status403Forbidden);
            }

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

            AppointmentStatus? status = reply?.Answer?.Trim().ToUpperInvariant() switch
            {
                "CONFIRM" => AppointmentStatus.Approved,
                "CANCEL" => AppointmentStatus.CancelledByUser,
                _ => null,
            };
            if (reply is null || !PracticeId.IsValid(reply.Practice) || string.IsNullOrWhiteSpace(reply.AppLid) || reply.AppLid.Length > 50 || status is null)
            {
                return Results.Problem("expected {\"practice\": a practice id, \"appLid\": the appointment (1-50 characters), \"answer\": \"confirm\" or \"cancel\"}",
                    statusCode: StatusCodes.Status400BadRequest);
            }

            try
            {
                var id = await StatusUpdates.AddAsync(store, reply.Practice!, reply.AppLid.Trim(), status.Value, "api", context.RequestAborted);
                audit.Record("reply", reply.Practice!, $"{reply.AppLid.Trim()} {status.Value.ToWire()} update {id}", DashboardAccess.WhoIs(user), "pending");
                return Results.Created($"/api/replies/{id}", new { id, practice = reply.Practice, appLid = reply.AppLid.Trim(), status = status.Value.ToWire(), state = "pending" });
            }
            catch (NotFoundException ex)
            {
                return Results.Problem(ex.Message, statusCode: StatusCodes.Status404NotFound);
            }
        });
    }
}
