using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Hosting;

namespace RecallFiles.Scheduler.Cli;

/// <summary><c>recallfiles run [--role agent|cloud|all] [--once] [--urls URL]</c>: the long-running host.</summary>
internal static class RunCommand
{
    public const string DefaultUrls = "http://127.0.0.1:5080";

    public static Command Create()
    {
        var role = new Option<string>("--role") { Description = "agent (practice side), cloud, or all.", DefaultValueFactory = _ => "agent" };
        role.AcceptOnlyFromAmong("agent", "cloud", "all");
        var once = new Option<bool>("--once") { Description = "Run every job once, print a summary and exit." };
        var urls = new Option<string>("--urls") { Description = "Where the dashboard listens.", DefaultValueFactory = _ => DefaultUrls };
        var config = ExportCommand.ConfigOption();
        var command = new Command("run", "Run the RecallFiles host: scheduled jobs and the Hangfire dashboard on /hangfire.") { role, once, urls, config };
        command.SetAction((parse, ct) => RunAsync(Enum.Parse<HostRole>(parse.GetValue(role)!, ignoreCase: true), parse.GetValue(once), parse.GetValue(urls)!,
            parse.GetValue(config), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    private static async Task<int> RunAsync(HostRole role, bool once, string urls, string? configFile, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        RecallFilesSettings settings;
        try
        {
            settings = RecallFilesSettings.Load(configFile);
        }
        catch (SettingsException ex)
        {
            await stderr.WriteLineAsync($"recallfiles run: {ex.Message}");
            return ExitCodes.Usage;
        }

        if (role != HostRole.Agent)
        {
            await stderr.WriteLineAsync($"recallfiles run: the {role.ToString().ToLowerInvariant()} role is not available in this build yet; use --role agent");
            return ExitCodes.Usage;
        }

        var embedded = EmbeddedDefault.Applies(settings);
        if (embedded)
        {
            try
            {
                settings = EmbeddedDefault.Create(settings, DateTimeOffset.UtcNow);
            }
            catch (SettingsException ex)
            {
                await stderr.WriteLineAsync($"recallfiles run: {ex.Message}");
                return ExitCodes.Usage;
            }

            await stdout.WriteLineAsync($"No configuration: running the embedded default. Sample PMS {settings.Agent.Practices[0].ConnectionString["Data Source=".Length..]}, " +
                $"practice {EmbeddedDefault.PracticeId}, drop box {settings.Agent.Practices[0].DropBox!.RootPath}.");
        }

        if (settings.Agent.Practices.Count == 0)
        {
            await stderr.WriteLineAsync("recallfiles run: no practices configured (RecallFiles:Agent:Practices); see docs/configuration.md");
            return ExitCodes.Usage;
        }

        if (once)
        {
            return await ExportCommand.ExportAllAsync(settings, null, dryRun: false, output: null, now: null, stdout, stderr, cancellationToken);
        }

        await using var app = RecallFilesHost.Build(settings, role, urls);
        await app.StartAsync(cancellationToken);
        await stdout.WriteLineAsync($"RecallFiles {role.ToString().ToLowerInvariant()} running: {settings.Agent.Practices.Count} practice(s); dashboard on {urls}/hangfire. Ctrl+C stops.");
        await app.WaitForShutdownAsync(cancellationToken);
        return ExitCodes.Ok;
    }
}
