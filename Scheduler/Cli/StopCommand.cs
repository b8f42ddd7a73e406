using System.CommandLine;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Hosting;

namespace RecallFiles.Scheduler.Cli;

/// <summary>
/// <c>recallfiles stop</c>: stops the private PostgreSQL cluster of the data folder when one is left running — by a host
/// that was killed, say (issue 14); a host or verb that ends normally stops the cluster it started. Exit 0 (stopped, or
/// nothing was running), 1 when it does not stop, 2 on a configuration error.
/// </summary>
internal static class StopCommand
{
    public static Command Create()
    {
        var config = ExportCommand.ConfigOption();
        var command = new Command("stop", "Stop the private PostgreSQL cluster of the data folder when one is left running (the embedded default's store).") { config };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(config), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    private static async Task<int> RunAsync(string? configFile, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        RecallFilesSettings settings;
        try
        {
            settings = RecallFilesSettings.Load(configFile, readAgent: false);
        }
        catch (SettingsException ex)
        {
            await stderr.WriteLineAsync($"recallfiles stop: {ex.Message}");
            return ExitCodes.Usage;
        }

        IReadOnlyList<string> stopped;
        try
        {
            stopped = await EmbeddedCluster.StopLeftoverAsync(settings.DataFolder, cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            await stderr.WriteLineAsync($"recallfiles stop: the private PostgreSQL cluster did not stop: {ex.Message}");
            return ExitCodes.Failed;
        }

        foreach (var folder in stopped)
        {
            CliAudit.Record(settings, "stop", "*", $"private cluster {folder}", "stopped");
            await stdout.WriteLineAsync($"stopped the private PostgreSQL cluster in {folder}");
        }

        if (stopped.Count == 0)
        {
            await stdout.WriteLineAsync($"no private PostgreSQL cluster is running for {settings.DataFolder} ({string.Join(", ", EmbeddedCluster.Candidates(settings.DataFolder))})");
        }

        return ExitCodes.Ok;
    }
}
