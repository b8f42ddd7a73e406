using System.CommandLine;
using Npgsql;
using RecallFiles.Importer.Batches;
using RecallFiles.Schemas;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Logging;

namespace RecallFiles.Scheduler.Cli;

/// <summary>
/// <c>recallfiles discard BATCH_ID</c>: end a held or failed batch without applying it, or retire an applied batch whose
/// time stamp was wrong so the practice's honest files apply again (<see cref="BatchActions.DiscardAsync"/>). Audited.
/// Exit 0 done, 2 unknown id or a batch in another state, 1 store unreachable.
/// </summary>
internal static class DiscardCommand
{
    public static Command Create()
    {
        var id = new Argument<long>("BATCH_ID") { Description = "The batch id ('recallfiles batches' lists them)." };
        var config = ExportCommand.ConfigOption();
        var command = new Command("discard",
            "End a held or failed batch without applying it, or retire an applied one stamped in the future. Exit 0 done, 1 store unreachable, 2 unknown id or wrong state.")
        {
            id, config,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(id), parse.GetValue(config), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    private static async Task<int> RunAsync(long batchId, string? configFile, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var settings = await ImportSettings.LoadAsync("discard", configFile, stderr);
        if (settings is null)
        {
            return ExitCodes.Usage;
        }

        try
        {
            await using var dataSource = await settings.OpenStoreAsync(cancellationToken);
            var audit = new AuditLog(RecallFilesSettings.Load(configFile, readAgent: false).LogFolder);
            var reason = await BatchActions.DiscardAsync(dataSource, batchId, AuditLog.CommandLine, audit, cancellationToken);
            await stdout.WriteLineAsync($"batch {batchId}: superseded: {reason}");
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is NotFoundException or ConflictException)
        {
            await stderr.WriteLineAsync($"recallfiles discard: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (NpgsqlException ex)
        {
            await stderr.WriteLineAsync($"recallfiles discard: the store is not reachable ({ex.Message}); check {ImportSettings.DatabaseKey}");
            return ExitCodes.Failed;
        }
    }
}
