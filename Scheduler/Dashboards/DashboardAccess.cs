using System.Net;
using System.Security.Claims;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Scheduler.Dashboards;

/// <summary>
/// Who may see and do what on <c>/hangfire</c> (issues 7.2 and 12). The no-login exemption is for the person at the
/// machine only: the host listens on loopback only (<c>127.0.0.1</c>, <c>::1</c>, <c>localhost</c>), no login is
/// configured (or <c>RequireLogin</c> is false), the connection comes from 127.0.0.1 or ::1, the <c>Host</c> header is
/// <c>localhost</c>, <c>127.0.0.1</c> or <c>[::1]</c> (with this port), and no <c>Forwarded</c>, <c>X-Forwarded-*</c> or
/// <c>X-Real-IP</c> header is present — a rebinding web page sends a foreign Host, a reverse proxy on the machine sends
/// forwarded headers. Everyone else logs in on <c>/login</c> (a cookie): <see cref="DashboardRole.Msp"/> sees every page
/// and changes nothing (403 on any action), <see cref="DashboardRole.Support"/> may trigger, requeue, delete, replay
/// and approve. Every action is audited (<see cref="DashboardActionAudit"/>).
/// </summary>
internal sealed class DashboardAccess
{
    /// <summary>The authentication type of a caller let in as the person at the machine.</summary>
    public const string LoopbackAuthentication = "loopback";

    /// <summary>The cookie authentication scheme of people's logins.</summary>
    public const string CookieScheme = "RecallFiles";

    private const string ProxiedItem = "recallfiles:proxied";
    private static readonly string[] ProxyHeaders = ["Forwarded", "X-Real-IP"];

    private readonly DashboardUsers _users;

    /// <summary>Creates the policy for a host listening on <paramref name="urls"/> (<c>;</c>-separated).</summary>
    public DashboardAccess(DashboardUsers users, string urls, bool? requireLogin = null)
    {
        ArgumentNullException.ThrowIfNull(users);
        _users = users;
        Urls = urls;
        LoopbackOnly = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).All(IsLoopbackUrl);
        RequireLogin = requireLogin ?? users.Count > 0;
    }

    /// <summary>Where the host listens.</summary>
    public string Urls { get; }

    /// <summary>True when the host listens on 127.0.0.1, ::1 or localhost only.</summary>
    public bool LoopbackOnly { get; }

    /// <summary>Every caller logs in (<c>RecallFiles:Dashboard:RequireLogin</c>; default: when any login is configured).</summary>
    public bool RequireLogin { get; }

    /// <summary>The users this policy checks sessions against.</summary>
    public DashboardUsers Users => _users;

    /// <summary>True when some binding is plain http on a non-loopback address: passwords would cross the network in clear.</summary>
    public bool PlainHttpOnNetwork => Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Any(u => !IsLoopbackUrl(u) && u.StartsWith("http:", StringComparison.OrdinalIgnoreCase));

    /// <summary>Start-up check: a dashboard on the network without any login is refused, and so is RequireLogin without logins.</summary>
    public static IEnumerable<string> Validate(RecallFilesSettings settings, DashboardUsers users, string urls)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(users);
        var access = new DashboardAccess(users, urls, settings.Dashboard.RequireLogin);
        if (settings.Dashboard.Enabled && !access.LoopbackOnly && users.Count == 0)
        {
            yield return $"RecallFiles:Dashboard:Users is empty but the host listens on {urls}: the dashboard is never open to the network without a login. " +
                "Add a login (RecallFiles__Dashboard__Users__0__Name, __PasswordHash from './recallfiles dashboard-hash-password', __Role Msp or Support), " +
                "or listen on http://127.0.0.1:5080 only, or set RecallFiles:Dashboard:Enabled to false.";
        }
        else if (settings.Dashboard.RequireLogin == true && users.Count == 0)
        {
            yield return "RecallFiles:Dashboard:RequireLogin is true but RecallFiles:Dashboard:Users is empty: nobody could get in. Add a login or remove RequireLogin.";
        }
    }

    /// <summary>
    /// The first middleware: notes whether the request came through a proxy (any forwarded header), before the
    /// forwarded-headers middleware consumes those headers.
    /// </summary>
    public static Task MarkProxiedAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var headers = context.Request.Headers;
        context.Items[ProxiedItem] = ProxyHeaders.Any(headers.ContainsKey)
            || headers.Keys.Any(k => k.StartsWith("X-Forwarded-", StringComparison.OrdinalIgnoreCase));
        return next(context);
    }

    /// <summary>True when the caller is the person at the machine (see the class summary); fails closed.</summary>
    public bool IsLocalOperator(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return !RequireLogin && LoopbackOnly
            && context.Items.TryGetValue(ProxiedItem, out var proxied) && proxied is false
            && IsLoopbackCaller(context.Connection.RemoteIpAddress)
            && IsLocalHostHeader(context.Request.Host, context.Connection.LocalPort);
    }

    /// <summary>The caller's principal (the local operator, a live login session) or null when it must log in.</summary>
    public async Task<ClaimsPrincipal?> ResolveAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (IsLocalOperator(context))
        {
            return Principal("local", DashboardRole.Support, LoopbackAuthentication);
        }

        var result = await context.AuthenticateAsync(CookieScheme);
        if (!result.Succeeded || result.Principal.Identity?.Name is not { } name || RoleOf(result.Principal) is not { } role || !_users.Has(name, role))
        {
            return null;
        }

        return result.Principal;
    }

    /// <summary>A signed-in person's principal.</summary>
    public static ClaimsPrincipal LoginPrincipal(string name, DashboardRole role) => Principal(name, role, CookieScheme);

    /// <summary>The role of a resolved principal.</summary>
    public static DashboardRole? RoleOf(ClaimsPrincipal? user) =>
        user?.Identity?.IsAuthenticated == true && Enum.TryParse<DashboardRole>(user.FindFirstValue(ClaimTypes.Role), out var role) ? role : null;

    /// <summary>The name an action is audited under: the login, or <c>local(HOST)</c> for the person at the machine.</summary>
    public static string WhoIs(ClaimsPrincipal? user) =>
        user?.Identity is { IsAuthenticated: true, Name: { } name } identity
            ? identity.AuthenticationType == LoopbackAuthentication ? $"local({Environment.MachineName})" : $"dashboard:{name}"
            : "anonymous";

    /// <summary>
    /// Middleware for <c>/hangfire</c>: without a login a page redirects to <c>/login</c> and an action gets 401; an MSP
    /// login's actions get 403. Every action that got this far (allowed or refused) is audited with its actor.
    /// </summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var user = await ResolveAsync(context);
        if (user is null)
        {
            if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
            {
                var back = context.Request.PathBase + context.Request.Path + context.Request.QueryString;
                context.Response.Redirect("/login?ReturnUrl=" + Uri.EscapeDataString(back));
            }
            else
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            }

            return;
        }

        context.User = user;
        var action = IsAction(context.Request);
        if (RoleOf(user) != DashboardRole.Support && action)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await DashboardActionAudit.RecordAsync(context, user);
            return;
        }

        if (!action)
        {
            await next(context);
            return;
        }

        await DashboardActionAudit.ReadFormAsync(context);
        await next(context);
        await DashboardActionAudit.RecordAsync(context, user);
    }

    // Reading is GET; the only read-only POST of the Hangfire dashboard is its live statistics poll.
    internal static bool IsAction(HttpRequest request) =>
        !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method)
        && !request.Path.Value!.EndsWith("/stats", StringComparison.OrdinalIgnoreCase);

    private static ClaimsPrincipal Principal(string name, DashboardRole role, string authenticationType) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role.ToString())], authenticationType));

    private static bool IsLoopbackCaller(IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return address.Equals(IPAddress.Loopback) || address.Equals(IPAddress.IPv6Loopback);
    }

    private static bool IsLocalHostHeader(HostString host, int localPort)
    {
        if (!host.HasValue || (host.Port ?? 80) != localPort)
        {
            return false;
        }

        return host.Host is "127.0.0.1" or "[::1]" || string.Equals(host.Host, "localhost", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsLoopbackUrl(string url)
    {
        // Kestrel's wildcard forms ("http://*:5080", "http://+:5080") are not valid URIs: they are the network.
        if (!Uri.TryCreate(url.Replace("://*", "://wildcard", StringComparison.Ordinal).Replace("://+", "://wildcard", StringComparison.Ordinal), UriKind.Absolute, out var uri))
        {
            return false;
        }

        return uri.Host is "127.0.0.1" or "[::1]" or "::1" || string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>Hangfire's own check, after <see cref="DashboardAccess"/>: the caller must have been let in.</summary>
internal sealed class DashboardAuthorizationFilter : IDashboardAuthorizationFilter
{
    /// <inheritdoc />
    public bool Authorize(DashboardContext context) => DashboardAccess.RoleOf(context?.GetHttpContext().User) is not null;

    /// <summary>Hangfire hides its buttons (and refuses its commands) for anyone but support.</summary>
    public static bool IsReadOnly(DashboardContext context) => DashboardAccess.RoleOf(context?.GetHttpContext().User) != DashboardRole.Support;
}
