using System.Security;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using Npgsql;
using RecallFiles.Importer.Feed;
using RecallFiles.Reminders.Delivery;
using RecallFiles.Reminders.Replies;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Logging;

namespace RecallFiles.Scheduler.Hosting;

/// <summary>
/// The reminder channels' callbacks (cloud role), each authenticated by its signature, never by a login:
/// <list type="bullet">
/// <item><c>POST /api/sms/status</c>: a delivery receipt — JSON <c>{"id","status","error"}</c> signed like the webhook
/// with <c>SmsGateway:CallbackSecret</c>, or Twilio's form (<c>MessageSid</c>, <c>MessageStatus</c>, <c>ErrorCode</c>)
/// with <c>X-Twilio-Signature</c>;</item>
/// <item><c>POST /api/sms/inbound</c>: a patient's SMS — JSON <c>{"from","text"}</c> or Twilio's form (<c>From</c>,
/// <c>Body</c>); the answer to send back is in the response (<c>{"outcome","reply"}</c>, or TwiML for Twilio);</item>
/// <item><c>POST /api/email/inbound</c>: a forwarded e-mail reply, JSON <c>{"from","text"}</c> signed with
/// <c>Smtp:InboundSecret</c>.</item>
/// </list>
/// 401 for a missing or wrong signature (audited), 404 when the channel is not configured, 400 for a malformed body.
/// </summary>
internal static class ReminderCallbackEndpoints
{
    private sealed record JsonReceipt(string? Id, string? Status, string? Error);

    private sealed record JsonReply(string? From, string? Text);

    public static void Map(WebApplication app, NpgsqlDataSource store)
    {
        app.MapPost("/api/sms/status", async (HttpContext context, ReminderSettings settings, TimeProvider time, AuditLog audit) =>
        {
            var (sms, form, body, refusal) = await SmsCallbackAsync(context, settings, time, audit, "sms-status");
            if (refusal is not null)
            {
                return refusal;
            }

            var receipt = sms.Api == SmsApi.Twilio
                ? new JsonReceipt(form!["MessageSid"], form["MessageStatus"], form["ErrorCode"])
                : Read<JsonReceipt>(body);
            if (receipt is not { Id.Length: > 0, Status.Length: > 0 })
            {
                return Results.Problem("expected a message id and a status", statusCode: StatusCodes.Status400BadRequest);
            }

            var known = await new DeliveryReceipts(store, time).ApplyAsync(receipt.Id, receipt.Status, receipt.Error, context.RequestAborted);
            return known ? Results.NoContent() : Results.NotFound();
        });

        app.MapPost("/api/sms/inbound", async (HttpContext context, ReminderSettings settings, TimeProvider time, AuditLog audit) =>
        {
            var (sms, form, body, refusal) = await SmsCallbackAsync(context, settings, time, audit, "reply");
            if (refusal is not null)
            {
                return refusal;
            }

            var reply = sms.Api == SmsApi.Twilio ? new JsonReply(form!["From"], form["Body"]) : Read<JsonReply>(body);
            var result = await HandleAsync(context, store, settings, time, audit, "sms", reply);
            if (result is null)
            {
                return Results.Problem("expected {\"from\", \"text\"}", statusCode: StatusCodes.Status400BadRequest);
            }

            return sms.Api == SmsApi.Twilio
                ? Results.Text($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>{(result.Answer is { } a ? $"<Message>{SecurityElement.Escape(a)}</Message>" : "")}</Response>",
                    "application/xml")
                : Results.Ok(new { outcome = result.Outcome.ToString(), reply = result.Answer });
        });

        app.MapPost("/api/email/inbound", async (HttpContext context, ReminderSettings settings, TimeProvider time, AuditLog audit) =>
        {
            if (settings.Smtp is not { InboundSecret.Length: > 0 } smtp)
            {
                return Results.NotFound();
            }

            var body = await ReadBodyAsync(context);
            if (!CallbackSignatures.VerifyJson(smtp.InboundSecret, Header(context, WebhookForwarder.TimestampHeader), Header(context, WebhookForwarder.SignatureHeader),
                body, time.GetUtcNow()))
            {
                audit.Record("reply", "-", $"POST /api/email/inbound from {context.Connection.RemoteIpAddress}", "mail-forwarder", "refused 401: bad signature");
                return Results.Unauthorized();
            }

            var result = await HandleAsync(context, store, settings, time, audit, "email", Read<JsonReply>(body));
            return result is null
                ? Results.Problem("expected {\"from\", \"text\"}", statusCode: StatusCodes.Status400BadRequest)
                : Results.Ok(new { outcome = result.Outcome.ToString(), reply = result.Answer });
        });
    }

    private static async Task<ReplyResult?> HandleAsync(HttpContext context, NpgsqlDataSource store, ReminderSettings settings, TimeProvider time, AuditLog audit,
        string channel, JsonReply? reply)
    {
        if (reply is not { From.Length: > 0 } || reply.Text is null)
        {
            return null;
        }

        var handler = new ReplyHandler(store, settings.Engine, time, logger: context.RequestServices.GetService<Microsoft.Extensions.Logging.ILogger<ReplyHandler>>());
        var result = await handler.HandleAsync(channel, reply.From, reply.Text, context.RequestAborted);
        audit.Record("reply", result.PracticeId ?? "-", $"{result.AppLid ?? "-"} {channel} {result.Outcome}{(result.UpdateId is { } id ? $" update {id}" : "")}",
            channel == "sms" ? "sms-gateway" : "mail-forwarder", "handled");
        return result;
    }

    /// <summary>The gateway's settings and the verified request, or the refusal: 404 without a gateway, 401 (audited) for a bad signature.</summary>
    private static async Task<(SmsGatewayOptions Sms, IFormCollection? Form, byte[] Body, IResult? Refusal)> SmsCallbackAsync(HttpContext context,
        ReminderSettings settings, TimeProvider time, AuditLog audit, string action)
    {
        if (settings.Sms is not { } sms)
        {
            return (new SmsGatewayOptions(), null, [], Results.NotFound());
        }

        var (ok, form, body) = await VerifyAsync(context, sms, time);
        if (!ok)
        {
            audit.Record(action, "-", $"POST {context.Request.Path} from {context.Connection.RemoteIpAddress}", "sms-gateway", "refused 401: bad signature");
            return (sms, null, [], Results.Unauthorized());
        }

        return (sms, form, body, null);
    }

    private static async Task<(bool Ok, IFormCollection? Form, byte[] Body)> VerifyAsync(HttpContext context, SmsGatewayOptions sms, TimeProvider time)
    {
        if (sms.Api == SmsApi.Twilio)
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            var url = $"{(sms.StatusCallback is { } cb ? cb.GetLeftPart(UriPartial.Authority) : $"{context.Request.Scheme}://{context.Request.Host}")}{context.Request.Path}";
            var fields = form.Select(f => new KeyValuePair<string, string>(f.Key, f.Value.ToString()));
            return (CallbackSignatures.VerifyTwilio(sms.Token ?? "", url, fields, Header(context, "X-Twilio-Signature")), form, []);
        }

        var body = await ReadBodyAsync(context);
        var ok = sms.CallbackSecret is { Length: > 0 } secret
            && CallbackSignatures.VerifyJson(secret, Header(context, WebhookForwarder.TimestampHeader), Header(context, WebhookForwarder.SignatureHeader), body, time.GetUtcNow());
        return (ok, null, body);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        return buffer.ToArray();
    }

    private static string? Header(HttpContext context, string name) =>
        context.Request.Headers.TryGetValue(name, out StringValues value) ? value.ToString() : null;

    private static T? Read<T>(byte[] body)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        }
        catch (JsonException)
        {
            return null;   // a malformed body is a 400, as a missing field
        }
    }
}
