using System.Net;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using RecallFiles.Scheduler.Logging;

namespace RecallFiles.Scheduler.Dashboards;

/// <summary>
/// <c>GET/POST /login</c> and <c>POST /logout</c> (issue 12): a form with login, password and — for a login enrolled with
/// a TOTP secret (every Support login) — the 6-digit code; antiforgery-checked; ASP.NET Core's cookie handler keeps the
/// session (<c>SameSite=Strict</c>, <c>HttpOnly</c>, <c>Secure</c> when the request came over TLS, directly or through a
/// known proxy). Failures count towards <see cref="LoginLockout"/>; <c>POST /login</c> is also rate-limited per address.
/// Every login, failure and lockout is audited.
/// </summary>
internal static class LoginEndpoints
{
    public const string RateLimitPolicy = "login";

    public static void Map(WebApplication app)
    {
        app.MapGet("/login", (HttpContext context, IAntiforgery antiforgery) =>
            Page(context, antiforgery, StatusCodes.Status200OK, null));
        app.MapPost("/login", LoginAsync).RequireRateLimiting(RateLimitPolicy);
        app.MapPost("/logout", async (HttpContext context, IAntiforgery antiforgery) =>
        {
            await antiforgery.ValidateRequestAsync(context);
            await context.SignOutAsync(DashboardAccess.CookieScheme);
            return Results.Redirect("/login");
        });
    }

    private static async Task<IResult> LoginAsync(HttpContext context, IAntiforgery antiforgery, DashboardAccess access, LoginLockout lockout, AuditLog audit, TimeProvider time)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return Results.Problem("the login form expired or came from another site: reload /login", statusCode: StatusCodes.Status400BadRequest);
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var name = form["name"].ToString().Trim();
        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var who = $"dashboard:{(name.Length is > 0 and <= 64 ? name : "(blank)")}";
        if (lockout.LockedUntil(name, address) is { } until)
        {
            audit.Record("login", "-", $"from {address}", who, $"refused: locked until {until:yyyy-MM-ddTHH:mm:ssZ}");
            return Page(context, antiforgery, StatusCodes.Status429TooManyRequests, "Too many failed attempts: this login or address is locked for a while.");
        }

        var check = access.Users.Verify(name, form["password"].ToString(), form["code"].ToString(), time.GetUtcNow());
        if (check is not { Outcome: LoginOutcome.Ok, Role: { } role })
        {
            var locked = check.Outcome != LoginOutcome.CodeRequired && lockout.Fail(name, address);
            audit.Record("login", "-", $"from {address}", who, locked ? $"failed ({check.Outcome}); locked" : $"failed ({check.Outcome})");
            return Page(context, antiforgery, StatusCodes.Status401Unauthorized,
                check.Outcome == LoginOutcome.CodeRequired ? "Enter the 6-digit code of your authenticator app." : "Wrong login, password or code.");
        }

        lockout.Succeed(name);
        await context.SignInAsync(DashboardAccess.CookieScheme, DashboardAccess.LoginPrincipal(name, role));
        audit.Record("login", "-", $"from {address} role={role}", who, "signed in");
        var back = form["ReturnUrl"].ToString();
        return Results.Redirect(IsLocal(back) ? back : "/hangfire");
    }

    // Only a path on this host: never an open redirect.
    private static bool IsLocal(string url) =>
        url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal);

    private static IResult Page(HttpContext context, IAntiforgery antiforgery, int status, string? message)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var back = context.Request.HasFormContentType ? context.Request.Form["ReturnUrl"].ToString() : context.Request.Query["ReturnUrl"].ToString();
        static string E(string? value) => WebUtility.HtmlEncode(value ?? "");
        var html = $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>RecallFiles — log in</title>
            <style>body{"{"}font-family:sans-serif;max-width:22em;margin:4em auto{"}"} label,input,button{"{"}display:block;width:100%;margin:.3em 0{"}"} .error{"{"}color:#a00{"}"}</style></head>
            <body><h1>RecallFiles</h1>
            {(message is null ? "" : $"<p class=\"error\" id=\"login-error\">{E(message)}</p>")}
            <form method="post" action="/login" id="login">
            <input type="hidden" name="{E(tokens.FormFieldName)}" value="{E(tokens.RequestToken)}">
            <input type="hidden" name="ReturnUrl" value="{E(back)}">
            <label for="name">Login</label><input id="name" name="name" autocomplete="username" required>
            <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
            <label for="code">Code (authenticator app; Support logins)</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code">
            <button type="submit" id="submit">Log in</button>
            </form></body></html>
            """;
        context.Response.Headers.CacheControl = "no-store";
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}
