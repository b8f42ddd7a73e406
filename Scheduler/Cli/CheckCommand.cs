using System.CommandLine;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Health;
using RecallFiles.Scheduler.Hosting;

namespace RecallFiles.Scheduler.Cli;

/// <summary>
/// <c>recallfiles check [--role agent|cloud|all] [--timeout SECONDS]</c>: tests every configured database, drop box
/// (pinned host key and login) and folder; one line per check; exit 0 only when all pass, 1 when any fails,
/// 2 on a configuration error.
/// </summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var role = new Option<string>("--role") { Description = "Which role's configuration to check: agent, cloud or all (default: what is configured).", DefaultValueFactory = _ => "all" };
        role.AcceptOnlyFromAmong("agent", "cloud", "all");
        var timeout = new Option<int>("--timeout") { Description = "Seconds allowed per check.", DefaultValueFactory = _ => 20 };
        var config = ExportCommand.ConfigOption();
        var command = new Command("check", "Test every configured database, drop box (host key and login) and folder; one line per check.") { role, timeout, config };
        command.SetAction((parse, ct) => RunAsync(Enum.Parse<HostRole>(parse.GetValue(role)!, ignoreCase: true), parse.GetValue(timeout), parse.GetValue(config),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    private static async Task<int> RunAsync(HostRole role, int timeoutSeconds, string? configFile, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (timeoutSeconds is < 1 or > 600)
        {
            await stderr.WriteLineAsync($"recallfiles check: --timeout {timeoutSeconds} is out of range; allowed 1-600 seconds");
            return ExitCodes.Usage;
        }

        RecallFilesSettings settings;
        ProbeCatalog catalog;
        try
        {
            settings = RecallFilesSettings.Load(configFile, readAgent: role is not HostRole.Cloud);
            if (EmbeddedDefault.Applies(settings))
            {
                // What `run` uses without configuration: the sample PMS, the local drop box and the private cluster (issue 14).
                settings = EmbeddedDefault.Create(settings, DateTimeOffset.UtcNow, out _);
                await stdout.WriteLineAsync("No configuration: checking the embedded default (both roles).");
            }

            var cloud = role is HostRole.Cloud or HostRole.All && CloudContext.IsConfigured(settings) ? ImportSettings.From(settings) : null;
            catalog = HostProbes.Create(settings, role, cloud);
            if (cloud is not null)
            {
                Health.CloudProbes.AddPracticesTo(catalog, cloud);
            }
        }
        catch (SettingsException ex)
        {
            await stderr.WriteLineAsync($"recallfiles check: {ex.Message}");
            return ExitCodes.Usage;
        }

        if (catalog.Probes.Count == 0)
        {
            await stderr.WriteLineAsync("recallfiles check: nothing is configured to check (RecallFiles:Agent:Practices, RecallFiles:Practices); see docs/configuration.md");
            return ExitCodes.Usage;
        }

        var results = await catalog.RunAsync(TimeSpan.FromSeconds(timeoutSeconds), cancellationToken);
        foreach (var result in results)
        {
            await stdout.WriteLineAsync(result.ToString());
        }

        var failed = results.Count(r => !r.Ok);
        await stdout.WriteLineAsync(failed == 0 ? $"all {results.Count} check(s) passed" : $"{failed} of {results.Count} check(s) failed");
        return failed == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
