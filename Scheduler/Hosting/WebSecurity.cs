using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Dashboards;

namespace RecallFiles.Scheduler.Hosting;

/// <summary>
/// The host's web security (issue 12): cookie logins, antiforgery, the login rate limit, forwarded headers from the
/// configured proxies only, and the order they run in.
/// </summary>
internal static class WebSecurity
{
    public static void AddServices(WebApplicationBuilder builder, RecallFilesSettings settings, DashboardAccess access)
    {
        var dashboard = settings.Dashboard;
        builder.Services.AddSingleton(access);
        builder.Services.AddSingleton(sp => new LoginLockout(dashboard, sp.GetRequiredService<TimeProvider>()));
        // Sessions survive a restart; servers behind one proxy share RecallFiles:DataFolder/keys or use sticky sessions.
        builder.Services.AddDataProtection().SetApplicationName("RecallFiles")
            .PersistKeysToFileSystem(DataFolders.Create(Path.Combine(settings.DataFolder, "keys")));
        builder.Services.AddAuthentication(DashboardAccess.CookieScheme).AddCookie(DashboardAccess.CookieScheme, o =>
        {
            o.Cookie.Name = "RecallFiles.Session";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = TimeSpan.FromHours(dashboard.SessionHours);
            o.SlidingExpiration = true;
            o.LoginPath = "/login";
        });
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(LoginEndpoints.RateLimitPolicy, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = dashboard.LoginRequestsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
    }

    /// <summary>The middleware, in order: proxy detection, forwarded headers (known proxies only), routing, rate limits, authentication.</summary>
    public static void Use(WebApplication app, RecallFilesSettings settings)
    {
        app.Use((context, next) => DashboardAccess.MarkProxiedAsync(context, next));
        if (settings.Dashboard.KnownProxies.Count > 0)
        {
            var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto, ForwardLimit = 1 };
            // ASP.NET Core trusts loopback by default: only the configured proxies are believed.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in settings.Dashboard.KnownProxies)
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            app.UseForwardedHeaders(forwarded);
        }

        app.UseRouting();
        app.UseRateLimiter();
        app.UseAuthentication();
    }
}
