using System.CommandLine;
using Npgsql;
using RecallFiles.Importer.Status;
using RecallFiles.Reminders;
using RecallFiles.Reminders.Replies;
using RecallFiles.Schemas;

using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Scheduler.Cli;

/// <summary>
/// <c>recallfiles reply PRACTICE APP_LID confirm|cancel|STATUS</c>: records a patient's answer (or support's status: any
/// of the four) as a status update with the date, time and resource the cloud knows, for the next status export
/// (issue 6); a cancellation cancels the appointment's planned reminders at once (issue 15).
/// </summary>
internal static class ReplyCommand
{
    public static Command Create()
    {
        var practice = new Argument<string>("PRACTICE") { Description = "The practice id." };
        var appLid = new Argument<string>("APP_LID") { Description = "The appointment's APP_LID." };
        var answer = new Argument<string>("ANSWER")
        {
            Description = "confirm (APPROVED), cancel (CANCELLED by USER), or a status: PENDING, APPROVED, \"CANCELLED by USER\", \"CANCELLED by ADMIN\".",
        };
        var config = ExportCommand.ConfigOption();
        var command = new Command("reply", "Record a patient's reply (confirm or cancel) as a status update for the PMS.") { practice, appLid, answer, config };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(practice)!, parse.GetValue(appLid)!, parse.GetValue(answer)!, parse.GetValue(config),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    private static async Task<int> RunAsync(string practiceId, string appLid, string answer, string? configFile, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!ReplyParser.TryParseAnswer(answer, out var status))
        {
            await stderr.WriteLineAsync($"recallfiles reply: ANSWER '{answer}' must be confirm, cancel, PENDING, APPROVED, \"CANCELLED by USER\" or \"CANCELLED by ADMIN\"");
            return ExitCodes.Usage;
        }

        var settings = await ImportSettings.LoadAsync("reply", configFile, stderr);
        if (settings is null)
        {
            return ExitCodes.Usage;
        }

        try
        {
            await using var dataSource = await settings.OpenStoreAsync(cancellationToken);
            var id = await StatusUpdates.AddAsync(dataSource, practiceId, appLid, status, "reply", cancellationToken);
            var stopped = await ReminderEngine.CancelPlannedForStatusAsync(dataSource, practiceId, appLid, status, cancellationToken);
            CliAudit.Record(settings.Settings, "reply", practiceId, $"{appLid} {status.ToWire()} update {id}", "queued");
            await stdout.WriteLineAsync($"status update {id}: {practiceId} {appLid} {status.ToWire()} (queued; sent with the next status export){(stopped > 0 ? $"; {stopped} planned reminder(s) cancelled" : "")}");
            return ExitCodes.Ok;
        }
        catch (NotFoundException ex)
        {
            await stderr.WriteLineAsync($"recallfiles reply: {ex.Message}");
            return ExitCodes.Failed;
        }
        catch (NpgsqlException ex)
        {
            await stderr.WriteLineAsync($"recallfiles reply: the store is not reachable ({ex.Message}); check {ImportSettings.DatabaseKey}");
            return ExitCodes.Failed;
        }
    }
}
