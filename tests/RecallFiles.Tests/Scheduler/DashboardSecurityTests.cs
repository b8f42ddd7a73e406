using System.Net;
using System.Text.RegularExpressions;
using Hangfire;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Dashboards;
using RecallFiles.Scheduler.Hosting;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Scheduler;

/// <summary>
/// The dashboard on a real Kestrel. "The network" is simulated honestly: the host binds http://127.0.0.2:PORT, which
/// the access policy treats as a non-loopback binding (only 127.0.0.1, ::1 and localhost count as loopback), so every
/// caller must log in — exactly as when bound to 0.0.0.0 behind a proxy. People log in on /login (cookie; issue 12
/// replaced HTTP Basic), Support with a TOTP code.
/// </summary>
[TestClass]
public sealed partial class DashboardSecurityTests
{
    internal const string MspPassword = "msp-password-123";
    internal const string SupportPassword = "support-password-123";
    internal const string SupportTotpSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    private static WebApplication s_app = null!;
    private static string s_base = null!;

    public TestContext TestContext { get; set; } = null!;

    internal static Dictionary<string, string?> Logins() => new()
    {
        ["RecallFiles:Dashboard:Users:0:Name"] = "msp",
        ["RecallFiles:Dashboard:Users:0:Role"] = "Msp",
        ["RecallFiles:Dashboard:Users:0:PasswordHash"] = PasswordHash.Create(MspPassword),
        ["RecallFiles:Dashboard:Users:1:Name"] = "support",
        ["RecallFiles:Dashboard:Users:1:Role"] = "Support",
        ["RecallFiles:Dashboard:Users:1:PasswordHash"] = PasswordHash.Create(SupportPassword),
        ["RecallFiles:Dashboard:Users:1:TotpSecret"] = SupportTotpSecret,
    };

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        var values = Logins();
        values["RecallFiles:DataFolder"] = Directory.CreateTempSubdirectory("rf-dashboard-").FullName;
        values["RecallFiles:Logging:Console"] = "false";
        var settings = RecallFilesSettings.From(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), null);
        s_base = $"http://127.0.0.2:{Ports.FreeTcpPort()}";
        s_app = RecallFilesHost.Build(settings, HostRole.Agent, s_base);
        await s_app.StartAsync(context.CancellationToken);
        s_app.Services.GetRequiredService<IRecurringJobManager>().AddOrUpdate("test:noop", () => Console.WriteLine("triggered"), Cron.Never());
    }

    [ClassCleanup]
    public static async Task Stop()
    {
        await s_app.StopAsync();
        await s_app.DisposeAsync();
    }

    /// <summary>A client with a session of <paramref name="user"/> (msp or support), or an anonymous one.</summary>
    internal static Task<HttpClient> Client(string baseUrl, string? user, CancellationToken cancellationToken) => user switch
    {
        null => Task.FromResult(DashboardLogin.Anonymous(baseUrl)),
        "msp" => DashboardLogin.ClientAsync(baseUrl, "msp", MspPassword, null, cancellationToken),
        _ => DashboardLogin.ClientAsync(baseUrl, "support", SupportPassword, SupportTotpSecret, cancellationToken),
    };

    /// <summary>POSTs as the dashboard's own script does: with the antiforgery cookie and header from a page it loaded.</summary>
    internal static async Task<HttpResponseMessage> PostLikeTheDashboard(HttpClient client, string page, string path, CancellationToken cancellationToken,
        params KeyValuePair<string, string>[] form)
    {
        var html = await client.GetStringAsync(new Uri(page, UriKind.Relative), cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new FormUrlEncodedContent(form) };
        var header = HeaderName().Match(html);
        var token = TokenValue().Match(html);
        if (header.Success && token.Success)
        {
            request.Headers.Add(WebUtility.HtmlDecode(header.Groups[1].Value), WebUtility.HtmlDecode(token.Groups[1].Value));
        }

        return await client.SendAsync(request, cancellationToken);
    }

    [GeneratedRegex("<meta name=\"csrf-header\" content=\"([^\"]+)\"")]
    private static partial Regex HeaderName();

    [GeneratedRegex("<meta name=\"csrf-token\" content=\"([^\"]+)\"")]
    private static partial Regex TokenValue();

    [TestMethod]
    public async Task Dashboard_RedirectsToLoginAndRefusesActions_ForAnonymousAndWrongPassword_WhenNotBoundToLoopback()
    {
        // Issue 12 replaced HTTP Basic (401 with a challenge) by the /login page: a page redirects there, an action gets 401.
        using var anonymous = DashboardLogin.Anonymous(s_base);
        using var wrong = DashboardLogin.Anonymous(s_base);

        var page = await anonymous.GetAsync(new Uri("/hangfire/recurring", UriKind.Relative), TestContext.CancellationToken);
        var action = await anonymous.PostAsync(new Uri("/hangfire/recurring/trigger", UriKind.Relative), new FormUrlEncodedContent([new("jobs[]", "test:noop")]), TestContext.CancellationToken);
        var login = await DashboardLogin.PostLoginAsync(wrong, "support", "not-the-password", DashboardLogin.Code(SupportTotpSecret), TestContext.CancellationToken);
        var after = await wrong.GetAsync(new Uri("/hangfire", UriKind.Relative), TestContext.CancellationToken);

        Assert.AreEqual(HttpStatusCode.Redirect, page.StatusCode);
        StringAssert.StartsWith(page.Headers.Location!.OriginalString, "/login?ReturnUrl=%2Fhangfire%2Frecurring");
        Assert.AreEqual(HttpStatusCode.Unauthorized, action.StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, login.StatusCode);
        Assert.AreEqual(HttpStatusCode.Redirect, after.StatusCode, "a wrong password gets no session");
    }

    [TestMethod]
    public async Task Login_RequiresTheTotpCode_ForSupport()
    {
        using var client = DashboardLogin.Anonymous(s_base);

        var withoutCode = await DashboardLogin.PostLoginAsync(client, "support", SupportPassword, null, TestContext.CancellationToken);
        var wrongCode = await DashboardLogin.PostLoginAsync(client, "support", SupportPassword, "000000", TestContext.CancellationToken);

        Assert.AreEqual(HttpStatusCode.Unauthorized, withoutCode.StatusCode);
        StringAssert.Contains(await withoutCode.Content.ReadAsStringAsync(TestContext.CancellationToken), "6-digit code");
        Assert.AreEqual(HttpStatusCode.Unauthorized, wrongCode.StatusCode);
        Assert.AreEqual(HttpStatusCode.Redirect, (await client.GetAsync(new Uri("/hangfire", UriKind.Relative), TestContext.CancellationToken)).StatusCode);
    }

    [TestMethod]
    public async Task Dashboard_LetsMspRead_ButReturns403OnActions()
    {
        using var msp = await Client(s_base, "msp", TestContext.CancellationToken);

        var home = await msp.GetAsync(new Uri("/hangfire", UriKind.Relative), TestContext.CancellationToken);
        var recurring = await msp.GetAsync(new Uri("/hangfire/recurring", UriKind.Relative), TestContext.CancellationToken);
        var stats = await PostLikeTheDashboard(msp, "/hangfire", "/hangfire/stats", TestContext.CancellationToken);
        var trigger = await PostLikeTheDashboard(msp, "/hangfire/recurring", "/hangfire/recurring/trigger", TestContext.CancellationToken, new KeyValuePair<string, string>("jobs[]", "test:noop"));

        Assert.AreEqual(HttpStatusCode.OK, home.StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, recurring.StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, stats.StatusCode, "the live statistics poll is reading");
        Assert.AreEqual(HttpStatusCode.Forbidden, trigger.StatusCode);
    }

    [TestMethod]
    public async Task Dashboard_LetsSupportAct_WithTheAntiforgeryToken()
    {
        using var support = await Client(s_base, "support", TestContext.CancellationToken);

        var trigger = await PostLikeTheDashboard(support, "/hangfire/recurring", "/hangfire/recurring/trigger", TestContext.CancellationToken, new KeyValuePair<string, string>("jobs[]", "test:noop"));
        using var forged = new HttpRequestMessage(HttpMethod.Post, new Uri("/hangfire/recurring/trigger", UriKind.Relative)) { Content = new FormUrlEncodedContent([]) };
        using var other = await Client(s_base, "support", TestContext.CancellationToken);
        var withoutToken = await other.SendAsync(forged, TestContext.CancellationToken);

        Assert.IsTrue(trigger.IsSuccessStatusCode, $"support may trigger: {trigger.StatusCode}");
        Assert.AreEqual(HttpStatusCode.Forbidden, withoutToken.StatusCode, "a cross-site POST without the token is refused even with a session");
    }

    [TestMethod]
    public async Task Health_ShowsOnlyTheStatusToAnonymousCallers_AndEveryCheckToALogin()
    {
        using var anonymous = DashboardLogin.Anonymous(s_base);
        using var msp = await Client(s_base, "msp", TestContext.CancellationToken);

        var brief = await anonymous.GetStringAsync(new Uri("/health", UriKind.Relative), TestContext.CancellationToken);
        var full = await msp.GetStringAsync(new Uri("/health", UriKind.Relative), TestContext.CancellationToken);

        StringAssert.Contains(brief, "\"status\": \"Healthy\"");
        Assert.DoesNotContain("checks", brief);
        StringAssert.Contains(full, "\"kind\": \"storage\"");
        StringAssert.Contains(full, "\"kind\": \"folder\"");
    }

    [TestMethod]
    public void Build_RefusesToStart_WhenNotBoundToLoopbackAndNoLoginIsConfigured()
    {
        var settings = RecallFilesSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RecallFiles:DataFolder"] = Directory.CreateTempSubdirectory("rf-dashboard-").FullName,
        }).Build(), null);

        var ex = Assert.ThrowsExactly<SettingsException>(() => RecallFilesHost.Build(settings, HostRole.Agent, "http://0.0.0.0:5080"));

        StringAssert.Contains(ex.Message, "RecallFiles:Dashboard:Users is empty but the host listens on http://0.0.0.0:5080");
    }
}
