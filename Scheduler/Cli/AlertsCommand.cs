using System.CommandLine;
using System.Globalization;
using Npgsql;
using RecallFiles.Scheduler.Alerts;
using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Scheduler.Cli;

/// <summary>
/// <c>recallfiles alerts list|snooze|unsnooze</c> (issue 17): the open incidents and running snoozes; snooze a practice's
/// alert messages for 1–168 hours, or end its snooze. Snooze and unsnooze are audited. Exit 0 done, 2 unknown practice or
/// bad hours, 1 store unreachable.
/// </summary>
internal static class AlertsCommand
{
    public static Command Create()
    {
        var command = new Command("alerts", "Alert incidents and snoozes (docs/alerts.md): list, snooze, unsnooze.");
        var config = ExportCommand.ConfigOption();
        var list = new Command("list", "The open incidents and the running snoozes.") { config };
        list.SetAction((parse, ct) => RunAsync("alerts list", parse.GetValue(config), parse.InvocationConfiguration.Error, async (store, now, _) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var incidents = (await AlertStore.RecentAsync(store, now, 1000, ct)).Where(i => i.IsOpen).ToList();
            await stdout.WriteLineAsync($"{incidents.Count} open incident(s)");
            foreach (var i in incidents)
            {
                await stdout.WriteLineAsync($"#{i.Id} {i.Rule} {i.PracticeId} since {AlertRules.At(i.OpenedAt)}: {i.Summary}");
            }

            foreach (var s in await AlertStore.SnoozesAsync(store, now, ct))
            {
                await stdout.WriteLineAsync($"snoozed {s.PracticeId} until {AlertRules.At(s.Until)} by {s.Actor}{(s.Reason is null ? "" : ": " + s.Reason)}");
            }

            return ExitCodes.Ok;
        }, ct));

        var practice = new Argument<string>("PRACTICE") { Description = "The practice id." };
        var hours = new Option<int>("--hours") { Description = $"How long, 1 to {SnoozeDispatcher.MaxHours} hours (default 4).", DefaultValueFactory = _ => 4 };
        var reason = new Option<string?>("--reason") { Description = "Why (shown on the Alerts page)." };
        var snooze = new Command("snooze", "No alert messages for the practice until the snooze ends; its incidents are still recorded.") { practice, hours, reason, config };
        snooze.SetAction((parse, ct) => RunAsync("alerts snooze", parse.GetValue(config), parse.InvocationConfiguration.Error, async (store, now, settings) =>
        {
            var id = parse.GetValue(practice)!;
            var length = parse.GetValue(hours);
            if (length is < 1 or > SnoozeDispatcher.MaxHours)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"recallfiles alerts snooze: --hours must be 1 to {SnoozeDispatcher.MaxHours}");
                return ExitCodes.Usage;
            }

            var until = now.AddHours(length);
            var done = await AlertStore.SnoozeAsync(store, id, until, parse.GetValue(reason), Logging.AuditLog.CommandLine, ct);
            CliAudit.Record(settings, "alerts snooze", id, $"snooze {length.ToString(CultureInfo.InvariantCulture)} h", done ? $"snoozed until {AlertRules.At(until)}" : "no such practice");
            await (done ? parse.InvocationConfiguration.Output : parse.InvocationConfiguration.Error).WriteLineAsync(done ? $"{id}: snoozed until {AlertRules.At(until)}" : $"recallfiles alerts snooze: no practice {id}");
            return done ? ExitCodes.Ok : ExitCodes.Usage;
        }, ct));

        var unsnoozePractice = new Argument<string>("PRACTICE") { Description = "The practice id." };
        var unsnooze = new Command("unsnooze", "End the practice's snooze: open incidents are sent at the next evaluation.") { unsnoozePractice, config };
        unsnooze.SetAction((parse, ct) => RunAsync("alerts unsnooze", parse.GetValue(config), parse.InvocationConfiguration.Error, async (store, _, settings) =>
        {
            var id = parse.GetValue(unsnoozePractice)!;
            var done = await AlertStore.UnsnoozeAsync(store, id, ct);
            CliAudit.Record(settings, "alerts unsnooze", id, "snooze", done ? "ended" : "was not snoozed");
            await parse.InvocationConfiguration.Output.WriteLineAsync(done ? $"{id}: snooze ended" : $"{id}: was not snoozed");
            return ExitCodes.Ok;
        }, ct));

        command.Subcommands.Add(list);
        command.Subcommands.Add(snooze);
        command.Subcommands.Add(unsnooze);
        return command;
    }

    private static async Task<int> RunAsync(string verb, string? configFile, TextWriter stderr, Func<NpgsqlDataSource, DateTimeOffset, RecallFilesSettings, Task<int>> action,
        CancellationToken cancellationToken)
    {
        var settings = await ImportSettings.LoadAsync(verb, configFile, stderr);
        if (settings is null)
        {
            return ExitCodes.Usage;
        }

        try
        {
            await using var store = await settings.OpenStoreAsync(cancellationToken);
            return await action(store, DateTimeOffset.UtcNow, RecallFilesSettings.Load(configFile, readAgent: false));
        }
        catch (NpgsqlException ex)
        {
            await stderr.WriteLineAsync($"recallfiles {verb}: the store is not reachable ({ex.Message}); check {ImportSettings.DatabaseKey}");
            return ExitCodes.Failed;
        }
    }
}
