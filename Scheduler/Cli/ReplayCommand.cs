using System.CommandLine;
using Npgsql;
using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Loading;

using RecallFiles.Schemas;

using RecallFiles.Scheduler.Logging;

using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Scheduler.Cli;

/// <summary>
/// <c>recallfiles replay BATCH_ID</c> and <c>recallfiles approve BATCH_ID</c>: re-run a failed or held batch from its
/// archived bytes (idempotent: an applied batch is left alone), or apply a held snapshot past the mass-removal guard.
/// Exit 0 when the batch ends applied (or superseded/duplicate), 1 when it is still failed or held, 2 for an unknown id or
/// a batch in the wrong state.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create() => Build("replay", "Re-run a failed or held batch from its archived bytes (idempotent).", LoadMode.Normal);

    public static Command CreateApprove() => Build("approve", "Apply a snapshot held for review by the mass-removal guard.", LoadMode.Approve);

    private static Command Build(string verb, string description, LoadMode mode)
    {
        var id = new Argument<long>("BATCH_ID") { Description = "The batch id ('recallfiles batches --failed' lists them)." };
        var config = ExportCommand.ConfigOption();
        var command = new Command(verb, description + " Exit 0 applied, 1 still failed or held, 2 unknown id or wrong state.") { id, config };
        command.SetAction((parse, ct) => RunAsync(verb, mode, parse.GetValue(id), parse.GetValue(config), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    private static async Task<int> RunAsync(string verb, LoadMode mode, long batchId, string? configFile, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var settings = await ImportSettings.LoadAsync(verb, configFile, stderr);
        if (settings is null)
        {
            return ExitCodes.Usage;
        }

        try
        {
            await using var dataSource = await settings.OpenStoreAsync(cancellationToken);
            var audit = new AuditLog(Configuration.RecallFilesSettings.Load(configFile, readAgent: false).LogFolder);
            var result = await BatchActions.RunAsync(dataSource, batchId, mode, AuditLog.CommandLine, audit, cancellationToken);
            var counts = $"{result.RowsTotal} row(s), {result.RowsInvalid} invalid, +{result.Inserted} ~{result.Updated} -{result.Removed}";
            await stdout.WriteLineAsync(result.AlreadyFinal
                ? $"batch {batchId}: already {result.State}; nothing to do"
                : $"batch {batchId}: {result.State} ({counts}){(result.Reason is null ? "" : ": " + result.Reason)}");
            return result.State is BatchStates.Applied or BatchStates.Superseded or BatchStates.Duplicate ? ExitCodes.Ok : ExitCodes.Failed;
        }
        catch (NotFoundException ex)
        {
            await stderr.WriteLineAsync($"recallfiles {verb}: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (ConflictException ex)
        {
            await stderr.WriteLineAsync($"recallfiles {verb}: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (NpgsqlException ex)
        {
            await stderr.WriteLineAsync($"recallfiles {verb}: the store is not reachable ({ex.Message}); check {ImportSettings.DatabaseKey}");
            return ExitCodes.Failed;
        }
    }
}
