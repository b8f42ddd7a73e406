using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using RecallFiles.Importer.Batches;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Hosting;
using RecallFiles.Scheduler.Jobs;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Scheduler;

/// <summary>
/// A real cloud host for the dashboard's page tests: a fresh PostgreSQL store, Hangfire on it, a local drop box with
/// <c>.done</c> markers, the test logins (<see cref="DashboardSecurityTests.Logins"/>) and http://127.0.0.2 so logins are
/// required. The files given are dropped before start and imported once per practice.
/// </summary>
internal sealed class CloudHost : IAsyncDisposable
{
    private CloudHost(WebApplication app, CloudContext cloud, string baseUrl, IReadOnlyDictionary<string, IReadOnlyList<BatchSummary>> imports)
    {
        App = app;
        Cloud = cloud;
        Base = baseUrl;
        Imports = imports;
    }

    public WebApplication App { get; }

    public CloudContext Cloud { get; }

    public string Base { get; }

    /// <summary>The batches the first import of each practice that had a file brought to their end.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<BatchSummary>> Imports { get; }

    /// <summary>Starts the host with <paramref name="practices"/> (<c>ID:Key</c> → value under RecallFiles:Practices) and drops <paramref name="files"/>.</summary>
    public static async Task<CloudHost> StartAsync(string prefix, IReadOnlyDictionary<string, string> practices, IEnumerable<(string Practice, string Stamp, string Source)> files,
        CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? settings = null)
    {
        var folder = Directory.CreateTempSubdirectory($"rf-{prefix}-").FullName;
        var drop = Directory.CreateDirectory(Path.Combine(folder, "dropbox")).FullName;
        var values = DashboardSecurityTests.Logins();
        values["RecallFiles:DataFolder"] = folder;
        values["RecallFiles:Logging:Console"] = "false";
        values["RecallFiles:Database:ConnectionString"] = await PostgresFixture.CreateDatabaseAsync(prefix);
        values["RecallFiles:DropBoxes:default:Kind"] = "Local";
        values["RecallFiles:DropBoxes:default:RootPath"] = drop;
        values["RecallFiles:DropBoxes:default:RequireDoneFile"] = "true";
        foreach (var (key, value) in practices)
        {
            values["RecallFiles:Practices:" + key] = value;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            values[key] = value;
        }

        var recallFiles = RecallFilesSettings.From(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), null);
        var dropped = files.ToList();
        foreach (var (practice, stamp, source) in dropped)
        {
            var inbox = Directory.CreateDirectory(Path.Combine(drop, practice, "appointments")).FullName;
            var name = $"APPOINTMENTS_{practice}_{stamp}.csv";
            File.Copy(source, Path.Combine(inbox, name));
            File.WriteAllText(Path.Combine(inbox, name + ".done"), "");
        }

        var cloud = await CloudContext.OpenAsync(recallFiles, cancellationToken);
        var baseUrl = $"http://127.0.0.2:{Ports.FreeTcpPort()}";
        var app = RecallFilesHost.Build(recallFiles, HostRole.Cloud, baseUrl, cloud);
        await app.StartAsync(cancellationToken);
        var job = app.Services.GetRequiredService<ImportJob>();
        var imports = new Dictionary<string, IReadOnlyList<BatchSummary>>(StringComparer.Ordinal);
        foreach (var practice in dropped.Select(f => f.Practice).Distinct(StringComparer.Ordinal))
        {
            imports[practice] = (await job.ImportAsync(practice, once: false, cancellationToken)).Batches;
        }

        return new CloudHost(app, cloud, baseUrl, imports);
    }

    /// <summary>The audit log's text.</summary>
    public string AuditText() => File.ReadAllText(Path.Combine(App.Services.GetRequiredService<RecallFilesSettings>().LogFolder, "audit.log"));

    /// <summary>Headless Debian Chromium.</summary>
    public static Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium",
        Args = ["--no-sandbox", "--disable-background-networking", "--headless"],
    });

    /// <summary>A browser context with support's session (the login form itself is driven in the browser by ProxiedAccessTests).</summary>
    public async Task<IBrowserContext> SupportContextAsync(IBrowser browser, CancellationToken cancellationToken)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 720 }, AcceptDownloads = true });
        var session = await DashboardLogin.SessionAsync(Base, "support", DashboardSecurityTests.SupportPassword, DashboardSecurityTests.SupportTotpSecret, cancellationToken);
        await context.AddCookiesAsync(session.Select(c => new Microsoft.Playwright.Cookie { Name = c.Name, Value = c.Value, Url = Base }));
        return context;
    }

    /// <summary>docs/ with RECALLFILES_UPDATE_SCREENSHOTS=1 (so a test run leaves the tree clean), else a temp folder.</summary>
    public static string ScreenshotFolder() => Environment.GetEnvironmentVariable("RECALLFILES_UPDATE_SCREENSHOTS") == "1"
        ? Path.Combine(Approved.RepoRoot, "docs")
        : Directory.CreateTempSubdirectory("rf-screenshots-").FullName;

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        await Cloud.DisposeAsync();
    }
}
