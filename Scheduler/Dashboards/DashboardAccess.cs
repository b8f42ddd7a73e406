using System.Net;
using System.Security.Claims;
using System.Text;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Http;
using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Scheduler.Dashboards;

/// <summary>
/// Who may see and do what on <c>/hangfire</c> (issue 7.2). When the host listens on loopback only
/// (<c>127.0.0.1</c>, <c>::1</c>, <c>localhost</c>) a caller from 127.0.0.1 or ::1 needs no login and may do
/// everything. Bound to anything else — including another 127.x address or 0.0.0.0 — every caller, local
/// ones too (a reverse proxy on the same machine makes every request look local), logs in with HTTP Basic:
/// <see cref="DashboardRole.Msp"/> sees every page and changes nothing (403 on any action),
/// <see cref="DashboardRole.Support"/> may trigger, requeue, delete, replay and approve.
/// </summary>
public sealed class DashboardAccess
{
    /// <summary>The authentication type of a caller let in because host and caller are both loopback.</summary>
    public const string LoopbackAuthentication = "loopback";

    private readonly DashboardUsers _users;

    /// <summary>Creates the policy for a host listening on <paramref name="urls"/> (<c>;</c>-separated).</summary>
    public DashboardAccess(DashboardUsers users, string urls)
    {
        _users = users;
        Urls = urls;
        LoopbackOnly = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).All(IsLoopbackUrl);
    }

    /// <summary>Where the host listens.</summary>
    public string Urls { get; }

    /// <summary>True when the host listens on 127.0.0.1, ::1 or localhost only.</summary>
    public bool LoopbackOnly { get; }

    /// <summary>True when some binding is plain http on a non-loopback address: Basic credentials would cross the network in clear.</summary>
    public bool PlainHttpOnNetwork => Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Any(u => !IsLoopbackUrl(u) && u.StartsWith("http:", StringComparison.OrdinalIgnoreCase));

    /// <summary>Start-up check: a dashboard on the network without any login is refused.</summary>
    public static IEnumerable<string> Validate(RecallFilesSettings settings, DashboardUsers users, string urls)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(users);
        var access = new DashboardAccess(users, urls);
        if (settings.Dashboard.Enabled && !access.LoopbackOnly && users.Count == 0)
        {
            yield return $"RecallFiles:Dashboard:Users is empty but the host listens on {urls}: the dashboard is never open to the network without a login. " +
                "Add a login (RecallFiles__Dashboard__Users__0__Name, __PasswordHash from './recallfiles dashboard-hash-password', __Role Msp or Support), " +
                "or listen on http://127.0.0.1:5080 only, or set RecallFiles:Dashboard:Enabled to false.";
        }
    }

    /// <summary>The caller's principal (loopback, a verified login) or null when it must log in.</summary>
    public ClaimsPrincipal? Resolve(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (LoopbackOnly && IsLoopbackCaller(context.Connection.RemoteIpAddress))
        {
            return Principal("local", DashboardRole.Support, LoopbackAuthentication);
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
        }
        catch (FormatException)
        {
            return null;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return null;
        }

        var name = decoded[..colon];
        return _users.Authenticate(name, decoded[(colon + 1)..]) is { } role ? Principal(name, role, "Basic") : null;
    }

    /// <summary>The role of a resolved principal.</summary>
    public static DashboardRole? RoleOf(ClaimsPrincipal? user) =>
        user?.Identity?.IsAuthenticated == true && Enum.TryParse<DashboardRole>(user.FindFirstValue(ClaimTypes.Role), out var role) ? role : null;

    /// <summary>The name an action is audited under: the login, or <c>local</c> for loopback callers.</summary>
    public static string WhoIs(ClaimsPrincipal? user) =>
        user?.Identity is { IsAuthenticated: true, Name: { } name } identity
            ? identity.AuthenticationType == LoopbackAuthentication ? $"local({Environment.MachineName})" : $"dashboard:{name}"
            : "anonymous";

    /// <summary>Middleware for <c>/hangfire</c>: 401 with a Basic challenge without a valid login, 403 for an MSP login's actions.</summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var user = Resolve(context);
        if (user is null)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"RecallFiles dashboard\", charset=\"UTF-8\"";
            return;
        }

        context.User = user;
        if (RoleOf(user) != DashboardRole.Support && IsAction(context.Request))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        await next(context);
    }

    // Reading is GET; the only read-only POST of the Hangfire dashboard is its live statistics poll.
    private static bool IsAction(HttpRequest request) =>
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
public sealed class DashboardAuthorizationFilter : IDashboardAuthorizationFilter
{
    /// <inheritdoc />
    public bool Authorize(DashboardContext context) => DashboardAccess.RoleOf(context?.GetHttpContext().User) is not null;

    /// <summary>Hangfire hides its buttons (and refuses its commands) for anyone but support.</summary>
    public static bool IsReadOnly(DashboardContext context) => DashboardAccess.RoleOf(context?.GetHttpContext().User) != DashboardRole.Support;
}
