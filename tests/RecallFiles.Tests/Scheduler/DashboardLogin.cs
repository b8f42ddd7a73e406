using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using OtpNet;

namespace RecallFiles.Tests.Scheduler;

/// <summary>
/// Logs in through the real <c>/login</c> form (antiforgery token, password, TOTP code) and hands out HTTP clients
/// carrying the session cookie. A TOTP code is accepted once (RFC 6238 5.2), so a login's session is made once per host
/// and shared by the tests of a class.
/// </summary>
internal static partial class DashboardLogin
{
    private static readonly ConcurrentDictionary<(string Base, string User), Lazy<Task<Cookie[]>>> s_sessions = new();

    /// <summary>A client without cookies, redirects not followed.</summary>
    public static HttpClient Anonymous(string baseUrl) =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = new Uri(baseUrl) };

    /// <summary>A client logged in as <paramref name="user"/> (the session is made on first use).</summary>
    public static async Task<HttpClient> ClientAsync(string baseUrl, string user, string password, string? totpSecret, CancellationToken cancellationToken)
    {
        var cookies = await s_sessions.GetOrAdd((baseUrl, user), _ => new Lazy<Task<Cookie[]>>(() => SignInAsync(baseUrl, user, password, totpSecret, cancellationToken))).Value;
        var container = new CookieContainer();
        foreach (var cookie in cookies)
        {
            container.Add(new Uri(baseUrl), new Cookie(cookie.Name, cookie.Value));
        }

        return new HttpClient(new HttpClientHandler { CookieContainer = container, AllowAutoRedirect = false }) { BaseAddress = new Uri(baseUrl) };
    }

    /// <summary>The session cookies of <paramref name="user"/> (made on first use), for a browser context.</summary>
    public static Task<Cookie[]> SessionAsync(string baseUrl, string user, string password, string? totpSecret, CancellationToken cancellationToken) =>
        s_sessions.GetOrAdd((baseUrl, user), _ => new Lazy<Task<Cookie[]>>(() => SignInAsync(baseUrl, user, password, totpSecret, cancellationToken))).Value;

    /// <summary>Posts the login form once; returns the response (302 on success).</summary>
    public static async Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string user, string password, string? code, CancellationToken cancellationToken)
    {
        var page = await client.GetStringAsync(new Uri("/login", UriKind.Relative), cancellationToken);
        var token = Token().Match(page);
        Assert.IsTrue(token.Success, "the login page carries an antiforgery token");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
            ["name"] = user,
            ["password"] = password,
            ["code"] = code ?? "",
        });
        return await client.PostAsync(new Uri("/login", UriKind.Relative), form, cancellationToken);
    }

    /// <summary>The current code of <paramref name="secret"/>.</summary>
    public static string Code(string secret, DateTimeOffset? at = null) => new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp((at ?? DateTimeOffset.UtcNow).UtcDateTime);

    private static async Task<Cookie[]> SignInAsync(string baseUrl, string user, string password, string? totpSecret, CancellationToken cancellationToken)
    {
        var container = new CookieContainer();
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = container, AllowAutoRedirect = false }) { BaseAddress = new Uri(baseUrl) };
        var response = await PostLoginAsync(client, user, password, totpSecret is null ? null : Code(totpSecret), cancellationToken);
        Assert.AreEqual(HttpStatusCode.Redirect, response.StatusCode, $"{user} logs in: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        var session = container.GetAllCookies().Where(c => c.Name == "RecallFiles.Session").ToArray();
        Assert.HasCount(1, session, "the session cookie");
        return session;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}
