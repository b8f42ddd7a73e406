using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Npgsql;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Hosting;

using RecallFiles.Schemas;

namespace RecallFiles.Scheduler.Cli;

/// <summary><c>recallfiles run [--role agent|cloud|all] [--once] [--urls URL]</c>: the long-running host.</summary>
internal static class RunCommand
{
    public const string DefaultUrls = "http://127.0.0.1:5080";

    public static Command Create()
    {
        var role = new Option<string?>("--role") { Description = "agent (practice side), cloud, or all. Default: agent; all for the embedded default." };
        role.AcceptOnlyFromAmong("agent", "cloud", "all");
        var once = new Option<bool>("--once") { Description = "Run one full cycle at once, print a summary and exit." };
        var urls = new Option<string>("--urls") { Description = "Where the dashboard listens (';' between several).", DefaultValueFactory = _ => DefaultUrls };
        var config = ExportCommand.ConfigOption();
        var command = new Command("run", "Run the RecallFiles host: scheduled jobs, the Hangfire dashboard on /hangfire and /health.") { role, once, urls, config };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(role) is { } r ? Enum.Parse<HostRole>(r, ignoreCase: true) : null, parse.GetValue(once), parse.GetValue(urls)!,
            parse.GetValue(config), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    private static async Task<int> RunAsync(HostRole? requestedRole, bool once, string urls, string? configFile, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        RecallFilesSettings settings;
        try
        {
            settings = RecallFilesSettings.Load(configFile, readAgent: requestedRole is not HostRole.Cloud);
        }
        catch (SettingsException ex)
        {
            await stderr.WriteLineAsync($"recallfiles run: {ex.Message}");
            return ExitCodes.Usage;
        }

        DateTimeOffset? asOf = null;
        var embedded = EmbeddedDefault.Applies(settings);
        if (embedded)
        {
            try
            {
                settings = EmbeddedDefault.Create(settings, DateTimeOffset.UtcNow, out var reference);
                asOf = once ? reference : null;
            }
            catch (SettingsException ex)
            {
                await stderr.WriteLineAsync($"recallfiles run: {ex.Message}");
                return ExitCodes.Usage;
            }

            await stdout.WriteLineAsync($"No configuration: running the embedded default (both roles). Sample PMS {settings.Agent.Practices[0].ConnectionString["Data Source=".Length..]}, " +
                $"practice {EmbeddedDefault.PracticeId}, local drop box {Path.GetDirectoryName(settings.Agent.Practices[0].DropBox!.RootPath)}.");
        }

        var role = requestedRole ?? (embedded ? HostRole.All : HostRole.Agent);
        var agent = role is HostRole.Agent or HostRole.All && settings.Agent.Practices.Count > 0;
        // Issue 17: a cloud whose practices are all managed in the database (recallfiles practices add) has only its store configured.
        var cloudConfigured = role is HostRole.Cloud or HostRole.All
            && (CloudContext.IsConfigured(settings) || role is HostRole.Cloud && settings.Configuration[ImportSettings.DatabaseKey] is { Length: > 0 });
        if (!agent && !cloudConfigured)
        {
            await stderr.WriteLineAsync(role switch
            {
                HostRole.Agent => "recallfiles run: no practices configured for the agent (RecallFiles:Agent:Practices); see docs/configuration.md",
                HostRole.Cloud => "recallfiles run: no practices configured for the cloud role (RecallFiles:Practices:{id}) and no store (RecallFiles:Database:ConnectionString) to manage them in; see docs/configuration.md",
                _ => "recallfiles run: nothing configured (RecallFiles:Agent:Practices, RecallFiles:Practices:{id}); see docs/configuration.md",
            });
            return ExitCodes.Usage;
        }

        CloudContext? cloud = null;
        try
        {
            if (cloudConfigured)
            {
                if (embedded)
                {
                    await stdout.WriteLineAsync($"Starting the private PostgreSQL cluster in {await EmbeddedCluster.FolderAsync(settings.DataFolder, cancellationToken)} (stopped when this ends) …");
                }

                try
                {
                    cloud = await CloudContext.OpenAsync(settings, cancellationToken);
                }
                catch (Exception ex) when (ex is InvalidOperationException or ConfigurationException)
                {
                    // No PostgreSQL binaries, or the cluster cannot start: the message says what to install or fix.
                    await stderr.WriteLineAsync($"recallfiles run: the cloud store cannot start: {ex.Message}");
                    return ExitCodes.Failed;
                }
            }

            WebApplication app;
            try
            {
                app = RecallFilesHost.Build(settings, role, urls, cloud, quietConsole: once);
            }
            catch (SettingsException ex)
            {
                await stderr.WriteLineAsync($"recallfiles run: {ex.Message}");
                return ExitCodes.Usage;
            }

            await using var host = app;
            if (once)
            {
                var failed = await OnceCycle.RunAsync(app, settings, role, cloud, asOf, stdout, stderr, cancellationToken);
                if (embedded)
                {
                    foreach (var line in OnceCycle.WhereToLook(settings, cloud, null))
                    {
                        await stdout.WriteLineAsync(line);
                    }
                }

                await stdout.WriteLineAsync(failed == 0 ? "cycle done" : $"cycle done with {failed} failure(s)");
                return failed == 0 ? ExitCodes.Ok : ExitCodes.Failed;
            }

            await app.StartAsync(cancellationToken);
            if (embedded)
            {
                await OnceCycle.RunAsync(app, settings, role, cloud, null, stdout, stderr, cancellationToken);
                foreach (var line in OnceCycle.WhereToLook(settings, cloud, urls.Split(';')[0]))
                {
                    await stdout.WriteLineAsync(line);
                }
            }

            await stdout.WriteLineAsync($"RecallFiles {role.ToString().ToLowerInvariant()} running: {settings.Agent.Practices.Count} agent practice(s), " +
                $"{cloud?.Settings.Importer.Practices.Count ?? 0} cloud practice(s); dashboard on {urls.Split(';')[0]}/hangfire. Ctrl+C stops.");
            await app.WaitForShutdownAsync(cancellationToken);
            return ExitCodes.Ok;
        }
        catch (SettingsException ex)
        {
            await stderr.WriteLineAsync($"recallfiles run: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (NpgsqlException ex)
        {
            await stderr.WriteLineAsync($"recallfiles run: the cloud database is not reachable ({ex.Message}); check {ImportSettings.DatabaseKey}");
            return ExitCodes.Failed;
        }
        finally
        {
            if (cloud is not null)
            {
                await cloud.DisposeAsync();
            }
        }
    }
}
