using System.CommandLine;
using Npgsql;
using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Pickup;
using RecallFiles.Transport;

using RecallFiles.Schemas;

using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Logging;

namespace RecallFiles.Scheduler.Cli;

/// <summary><c>recallfiles import --once [--practice ID] [--config FILE]</c>: one pickup poll of every (or one) practice.</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var once = new Option<bool>("--once") { Description = "Poll every practice's drop box once and exit (the schedule runs under 'recallfiles run --role cloud')." };
        var practice = new Option<string?>("--practice") { Description = "Only this practice id." };
        var config = ExportCommand.ConfigOption();
        var command = new Command("import", "Pick up appointment files from the practices' drop boxes and apply them. Exit 0 ok, 1 a poll failed, 2 usage or configuration error.")
        {
            once, practice, config,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(once), parse.GetValue(practice), parse.GetValue(config),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    /// <summary>", N file(s) still waiting": files still being written after the one wait for MinFileAge (or without their .done marker).</summary>
    private static string Waiting(int count, DropBoxOptions dropBox) => count == 0 ? ""
        : dropBox.RequireDoneFile ? $", {count} file(s) waiting for their .done marker"
        : $", {count} file(s) still waiting (changed within MinFileAge {dropBox.MinFileAge:c}; the next import takes them)";

    private static async Task<int> RunAsync(bool once, string? practiceId, string? configFile, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!once)
        {
            await stderr.WriteLineAsync("recallfiles import: pass --once to poll now; the schedule runs under 'recallfiles run --role cloud'");
            return ExitCodes.Usage;
        }

        var settings = await ImportSettings.LoadAsync("import", configFile, stderr);
        if (settings is null)
        {
            return ExitCodes.Usage;
        }

        var practices = settings.Importer.Practices.Values.Where(p => p.Enabled && (practiceId is null || p.Id == practiceId)).ToList();
        if (practices.Count == 0)
        {
            await stderr.WriteLineAsync(practiceId is null
                ? "recallfiles import: no practices configured (RecallFiles:Practices:{id}); see docs/importer.md"
                : $"recallfiles import: practice '{practiceId}' is not configured or not enabled");
            return ExitCodes.Usage;
        }

        try
        {
            await using var dataSource = await settings.OpenStoreAsync(cancellationToken);
            using var loggers = CliLogging.Create(stderr);
            await using var service = new PickupService(dataSource, settings.Importer, settings.DropBoxes, logger: loggers.CreateLogger("import"));
            var failed = false;
            var gate = new Lock();
            void Say(TextWriter writer, string line)
            {
                lock (gate)
                {
                    writer.WriteLine(line);
                }
            }

            await Parallel.ForEachAsync(practices, new ParallelOptions { MaxDegreeOfParallelism = settings.Importer.MaxParallelPolls, CancellationToken = cancellationToken },
                async (practice, ct) =>
                {
                    PollResult result;
                    try
                    {
                        result = await service.PollAsync(practice, once: true, ct);
                    }
                    catch (Exception ex) when (ex is DropBoxException or RecallFilesException)
                    {
                        // Issue 14: the Practices page shows the practice red until a poll succeeds, as after the scheduled job.
                        await PollHealth.RecordFailureAsync(dataSource, practice.Id, PhiText.Mask(ex.Message), ct);
                        CliAudit.Record(settings.Settings, "import", practice.Id, "poll", $"failed: {ex.Message}");
                        Say(stderr, $"recallfiles import: {practice.Id}: {ex.Message}");
                        failed = true;
                        return;
                    }

                    if (result.Errors.Count > 0)
                    {
                        await PollHealth.RecordFailureAsync(dataSource, practice.Id, PhiText.Mask(string.Join("; ", result.Errors)), ct);
                    }
                    else if (!result.Busy)
                    {
                        await PollHealth.RecordSuccessAsync(dataSource, practice.Id, ct);
                    }

                    CliAudit.Record(settings.Settings, "import", practice.Id, $"poll new={result.Claimed} finished={result.Finished} errors={result.Errors.Count} waiting={result.Waiting}",
                        result.Busy ? "busy" : result.Errors.Count > 0 ? "errors: " + string.Join("; ", result.Errors) : "done");
                    Say(stdout, result.Busy
                        ? $"{practice.Id}: busy (another server is polling it)"
                        : $"{practice.Id}: {result.Claimed} new file(s), {result.Finished} batch(es) finished{Waiting(result.Waiting, settings.DropBoxes[practice.DropBox])}");
                    foreach (var error in result.Errors)
                    {
                        Say(stderr, $"recallfiles import: {practice.Id}: {error}");
                        failed = true;
                    }
                });

            return failed ? ExitCodes.Failed : ExitCodes.Ok;
        }
        catch (NpgsqlException ex)
        {
            await stderr.WriteLineAsync($"recallfiles import: the store is not reachable ({ex.Message}); check {ImportSettings.DatabaseKey}");
            return ExitCodes.Failed;
        }
    }
}
