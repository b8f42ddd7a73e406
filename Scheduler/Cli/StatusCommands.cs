using System.CommandLine;
using System.Globalization;
using Npgsql;
using RecallFiles.Exporter.StatusApply;
using RecallFiles.Importer.Status;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Transport;

using RecallFiles.Schemas;

namespace RecallFiles.Scheduler.Cli;

/// <summary>
/// The status flow back to the PMS (issue 6, docs/status.md):
/// <c>recallfiles status-apply --once [--practice ID]</c> (agent),
/// <c>recallfiles status-export [--practice ID]</c>, <c>recallfiles status-results --once [--practice ID]</c> and
/// <c>recallfiles status-updates [--practice ID] [--state S] [--limit N]</c> (cloud).
/// </summary>
internal static class StatusCommands
{
    public static Command CreateApply()
    {
        var once = new Option<bool>("--once") { Description = "Apply the waiting status files now and exit (the schedule runs under 'recallfiles run --role agent')." };
        var practice = new Option<string?>("--practice") { Description = "Only this practice id." };
        var config = ExportCommand.ConfigOption();
        var command = new Command("status-apply", "Apply the cloud's status files to the PMS and upload a result file for each. Exit 0 ok, 1 a practice failed, 2 usage or configuration error.")
        {
            once, practice, config,
        };
        command.SetAction((parse, ct) => ApplyAsync(parse.GetValue(once), parse.GetValue(practice), parse.GetValue(config),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    public static Command CreateExport()
    {
        var practice = new Option<string?>("--practice") { Description = "Only this practice id." };
        var config = ExportCommand.ConfigOption();
        var command = new Command("status-export", "Write the pending status updates of every (or one) practice into a status file and upload it to the practice's status/ folder.")
        {
            practice, config,
        };
        command.SetAction((parse, ct) => CloudAsync("status-export", parse.GetValue(practice), parse.GetValue(config), parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error, async (flows, id, ct2) =>
            {
                var result = await flows.Export.ExportAsync(id, ct2);
                return result.Busy ? $"{id}: busy (another server is exporting it)"
                    : result.Uploaded.Count == 0 ? $"{id}: nothing queued"
                    : $"{id}: {result.Exported} update(s) in {string.Join(", ", result.Uploaded)}{(result.Replaced > 0 ? $", {result.Replaced} replaced by a newer answer" : "")}";
            }, ct));
        return command;
    }

    public static Command CreateResults()
    {
        var once = new Option<bool>("--once") { Description = "Import the waiting result files now and exit." };
        var practice = new Option<string?>("--practice") { Description = "Only this practice id." };
        var config = ExportCommand.ConfigOption();
        var command = new Command("status-results", "Import the PMS side's result files and mark each status update applied, conflicted, failed or not_found.")
        {
            once, practice, config,
        };
        command.SetAction((parse, ct) =>
        {
            if (!parse.GetValue(once))
            {
                parse.InvocationConfiguration.Error.WriteLine("recallfiles status-results: pass --once to import now; the schedule runs under 'recallfiles run --role cloud'");
                return Task.FromResult(ExitCodes.Usage);
            }

            return CloudAsync("status-results", parse.GetValue(practice), parse.GetValue(config), parse.InvocationConfiguration.Output,
                parse.InvocationConfiguration.Error, async (flows, id, ct2) =>
                {
                    var r = await flows.Results.ImportAsync(id, once: true, ct2);
                    var rejected = r.Rejected.Count == 0 ? "" : $"; rejected: {string.Join("; ", r.Rejected)}";
                    return $"{id}: {r.Imported.Count} result file(s): {r.Applied} applied, {r.Conflicted} conflicted, {r.Failed} failed, {r.NotFound} not found{(r.Waiting > 0 ? $", {r.Waiting} file(s) still waiting (being written, or without their .done marker)" : "")}{rejected}";
                }, ct);
        });
        return command;
    }

    public static Command CreateList()
    {
        var practice = new Option<string?>("--practice") { Description = "Only this practice id." };
        var state = new Option<string?>("--state") { Description = "Only this state: queued, replaced, exported, applied, conflicted, failed, not_found." };
        var limit = new Option<int>("--limit") { Description = "How many, newest first.", DefaultValueFactory = _ => 50 };
        var config = ExportCommand.ConfigOption();
        var command = new Command("status-updates", "List status updates and where they are: pending, exported (in which file), applied, conflicted, failed, not_found.")
        {
            practice, state, limit, config,
        };
        command.SetAction((parse, ct) => ListAsync(parse.GetValue(practice), parse.GetValue(state), parse.GetValue(limit), parse.GetValue(config),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    private static async Task<int> ApplyAsync(bool once, string? practiceId, string? configFile, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!once)
        {
            await stderr.WriteLineAsync("recallfiles status-apply: pass --once to apply now; the schedule runs under 'recallfiles run --role agent'");
            return ExitCodes.Usage;
        }

        RecallFilesSettings settings;
        try
        {
            settings = RecallFilesSettings.Load(configFile);
        }
        catch (SettingsException ex)
        {
            await stderr.WriteLineAsync($"recallfiles status-apply: {ex.Message}");
            return ExitCodes.Usage;
        }

        var practices = settings.Agent.Practices.Where(p => p.Status.Enabled && (practiceId is null || string.Equals(p.PracticeId, practiceId, StringComparison.OrdinalIgnoreCase))).ToList();
        if (practices.Count == 0)
        {
            await stderr.WriteLineAsync(practiceId is null
                ? "recallfiles status-apply: no practice has the status applier enabled (RecallFiles:Agent:Practices:{id}:Status:Enabled); see docs/status.md"
                : $"recallfiles status-apply: practice '{practiceId}' is not configured or its status applier is not enabled (RecallFiles:Agent:Practices:{practiceId}:Status:Enabled)");
            return ExitCodes.Usage;
        }

        using var loggers = CliLogging.Create(stderr);
        var applier = new StatusApplier(new StatusLedger(settings.LedgerPath), TimeProvider.System, loggers.CreateLogger("status-apply"));
        var failed = false;
        foreach (var practice in practices)
        {
            try
            {
                var run = await applier.RunAsync(practice, StatusWorkFolder(settings), once: true, cancellationToken);
                Jobs.StatusApplyJob.Audit(new Logging.AuditLog(settings.LogFolder), run, Logging.AuditLog.CommandLine);
                await stdout.WriteLineAsync($"{practice.PracticeId}: {run.Files.Count} status file(s){(run.Waiting.Count > 0 ? $", {run.Waiting.Count} still being written" : "")}");
                foreach (var file in run.Files)
                {
                    await stdout.WriteLineAsync("  " + file);
                }
            }
            catch (Exception ex) when (ex is StatusApplyException or DropBoxException or IOException)
            {
                failed = true;
                CliAudit.Record(settings, "status-apply", practice.PracticeId, "run", $"failed: {ex.Message}");
                await stderr.WriteLineAsync($"{practice.PracticeId}: FAILED: {ex.Message}");
            }
        }

        return failed ? ExitCodes.Failed : ExitCodes.Ok;
    }

    /// <summary>Where the agent keeps local copies of status files while it applies them.</summary>
    internal static string StatusWorkFolder(RecallFilesSettings settings) => Path.Combine(settings.DataFolder, "agent", "status");

    private static async Task<int> CloudAsync(string verb, string? practiceId, string? configFile, TextWriter stdout, TextWriter stderr,
        Func<(StatusExport Export, ResultsImport Results), string, CancellationToken, Task<string>> action, CancellationToken cancellationToken)
    {
        var settings = await ImportSettings.LoadAsync(verb, configFile, stderr);
        if (settings is null)
        {
            return ExitCodes.Usage;
        }

        var practices = settings.Importer.Practices.Values.Where(p => p.Enabled && (practiceId is null || p.Id == practiceId)).Select(p => p.Id).ToList();
        if (practices.Count == 0)
        {
            await stderr.WriteLineAsync($"recallfiles {verb}: {(practiceId is null ? "no practices configured (RecallFiles:Practices:{id})" : $"practice '{practiceId}' is not configured or not enabled")}");
            return ExitCodes.Usage;
        }

        try
        {
            await using var dataSource = await settings.OpenStoreAsync(cancellationToken);
            using var loggers = CliLogging.Create(stderr);
            var flows = (new StatusExport(dataSource, settings.Importer, settings.DropBoxes, logger: loggers.CreateLogger(verb)),
                new ResultsImport(dataSource, settings.Importer, settings.DropBoxes, logger: loggers.CreateLogger(verb)));
            var failed = false;
            foreach (var id in practices)
            {
                try
                {
                    var line = await action(flows, id, cancellationToken);
                    CliAudit.Record(settings.Settings, verb, id, "run", line);
                    await stdout.WriteLineAsync(line);
                }
                catch (Exception ex) when (ex is DropBoxException or RecallFilesException or IOException)
                {
                    failed = true;
                    CliAudit.Record(settings.Settings, verb, id, "run", $"failed: {ex.Message}");
                    await stderr.WriteLineAsync($"recallfiles {verb}: {id}: {ex.Message}");
                }
            }

            return failed ? ExitCodes.Failed : ExitCodes.Ok;
        }
        catch (NpgsqlException ex)
        {
            await stderr.WriteLineAsync($"recallfiles {verb}: the store is not reachable ({ex.Message}); check {ImportSettings.DatabaseKey}");
            return ExitCodes.Failed;
        }
    }

    private static async Task<int> ListAsync(string? practiceId, string? state, int limit, string? configFile, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var settings = await ImportSettings.LoadAsync("status-updates", configFile, stderr);
        if (settings is null)
        {
            return ExitCodes.Usage;
        }

        await using var dataSource = await settings.OpenStoreAsync(cancellationToken);
        var rows = await StatusUpdates.ListAsync(dataSource, practiceId, state, limit, cancellationToken);
        await stdout.WriteLineAsync($"{"ID",-6} {"PRACTICE",-12} {"APP_LID",-12} {"STATUS",-19} {"STATE",-11} {"FILE",-40} MESSAGE");
        foreach (var r in rows)
        {
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{r.Id,-6} {r.PracticeId,-12} {r.AppLid,-12} {r.Status,-19} {r.State,-11} {r.FileName ?? "-",-40} {r.ResultMessage}"));
        }

        return ExitCodes.Ok;
    }
}
