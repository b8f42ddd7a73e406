using System.CommandLine;
using System.Globalization;
using Npgsql;
using RecallFiles.Importer.Batches;

using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Scheduler.Cli;

/// <summary>
/// <c>recallfiles batches [--failed] [--practice ID] [--limit N]</c>: the batches, newest first, with counts and reasons;
/// <c>batches --id N</c>: one batch with its history and its row errors (contact data masked).
/// </summary>
internal static class BatchesCommand
{
    public static Command Create()
    {
        var failed = new Option<bool>("--failed") { Description = "Only batches that need a person: failed or needs_review." };
        var practice = new Option<string?>("--practice") { Description = "Only this practice id." };
        var limit = new Option<int>("--limit") { Description = "How many batches, newest first.", DefaultValueFactory = _ => 50 };
        var id = new Option<long?>("--id") { Description = "One batch: its history and its row errors (line, column, rule, message)." };
        var config = ExportCommand.ConfigOption();
        var command = new Command("batches", "List imported batches with their state, row counts and reasons; --id N shows one with its row errors. Exit 0 ok, 1 unknown id, 2 usage or configuration error.")
        {
            failed, practice, limit, id, config,
        };
        command.SetAction((parse, ct) => parse.GetValue(id) is { } one
            ? BatchDetail.RunAsync(one, parse.GetValue(limit), parse.GetValue(config), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct)
            : RunAsync(parse.GetValue(failed), parse.GetValue(practice), parse.GetValue(limit), parse.GetValue(config),
                parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    private static async Task<int> RunAsync(bool failedOnly, string? practiceId, int limit, string? configFile, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (limit < 1)
        {
            await stderr.WriteLineAsync("recallfiles batches: --limit must be 1 or more");
            return ExitCodes.Usage;
        }

        var settings = await ImportSettings.LoadAsync("batches", configFile, stderr);
        if (settings is null)
        {
            return ExitCodes.Usage;
        }

        try
        {
            await using var dataSource = await settings.OpenStoreAsync(cancellationToken);
            var batches = await BatchQueries.ListAsync(dataSource, new BatchFilter(practiceId, failedOnly ? [BatchStates.Failed, BatchStates.NeedsReview] : null, limit), cancellationToken);
            if (batches.Count == 0)
            {
                await stdout.WriteLineAsync("no batches");
                await WriteStatusSummaryAsync(dataSource, practiceId, stdout, cancellationToken);
                return ExitCodes.Ok;
            }

            await stdout.WriteLineAsync($"{"ID",8} {"PRACTICE",-14} {"STATE",-12} {"CLAIMED (UTC)",-16} {"ROWS",8} {"INVALID",7} {"+ADD",7} {"~UPD",7} {"-REM",7}  FILE / REASON");
            foreach (var b in batches)
            {
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{b.Id,8} {b.PracticeId,-14} {b.State,-12} {b.ClaimedAt:yyyy-MM-dd HH:mm} {Count(b.RowsTotal),8} {Count(b.RowsInvalid),7} {Count(b.Inserted),7} {Count(b.Updated),7} {Count(b.Removed),7}  {b.RemoteName}"));
                if (b.Reason is { Length: > 0 })
                {
                    await stdout.WriteLineAsync($"{"",8} {b.Reason}");
                }
            }

            await WriteStatusSummaryAsync(dataSource, practiceId, stdout, cancellationToken);
            return ExitCodes.Ok;
        }
        catch (NpgsqlException ex)
        {
            await stderr.WriteLineAsync($"recallfiles batches: the store is not reachable ({ex.Message}); check {ImportSettings.DatabaseKey}");
            return ExitCodes.Failed;
        }
    }

    private static string Count(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";

    /// <summary>The status updates on their way back to the PMS (issue 6), per practice: what each practice's results said.</summary>
    private static async Task WriteStatusSummaryAsync(Npgsql.NpgsqlDataSource dataSource, string? practiceId, TextWriter stdout, CancellationToken cancellationToken)
    {
        var counts = (await SupportQueries.StatusCountsAsync(dataSource, cancellationToken))
            .Where(c => (practiceId is null || c.PracticeId == practiceId) && c.Queued + c.Exported + c.Applied + c.Conflicted + c.Failed + c.NotFound + c.Replaced > 0)
            .ToList();
        if (counts.Count == 0)
        {
            return;
        }

        await stdout.WriteLineAsync();
        await stdout.WriteLineAsync($"{"STATUS UPDATES",-23} {"QUEUED",8} {"EXPORTED",8} {"APPLIED",8} {"CONFLICT",8} {"FAILED",8} {"NOTFOUND",8}  (./recallfiles status-updates lists them)");
        foreach (var c in counts)
        {
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{c.PracticeId,-23} {c.Queued,8} {c.Exported,8} {c.Applied,8} {c.Conflicted,8} {c.Failed,8} {c.NotFound,8}"));
        }
    }
}
