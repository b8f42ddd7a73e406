using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using RecallFiles.Importer.Batches;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Logging;
using RecallFiles.Schemas;

namespace RecallFiles.Scheduler.Cli;

/// <summary><c>recallfiles batches --id N</c>: one batch, its history and its row errors (contact data masked).</summary>
internal static class BatchDetail
{
    public static async Task<int> RunAsync(long id, int limit, string? configFile, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var settings = await ImportSettings.LoadAsync("batches", configFile, stderr);
        if (settings is null)
        {
            return ExitCodes.Usage;
        }

        try
        {
            await using var dataSource = await settings.OpenStoreAsync(cancellationToken);
            if (await BatchQueries.FindAsync(dataSource, id, cancellationToken) is not { } b)
            {
                await stderr.WriteLineAsync($"recallfiles batches: there is no batch {id}: list them with 'recallfiles batches'");
                return ExitCodes.Failed;
            }

            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"batch {b.Id} of {b.PracticeId}: {b.RemoteName}, {b.State}, claimed {b.ClaimedAt:yyyy-MM-dd HH:mm}Z"));
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"rows {b.RowsTotal} ({b.RowsValid} valid, {b.RowsInvalid} invalid), +{b.Inserted} ~{b.Updated} -{b.Removed} ={b.Unchanged}; remote file {b.RemoteDisposition ?? "not moved yet"}"));
            if (b.Reason is { Length: > 0 })
            {
                await stdout.WriteLineAsync($"reason: {PhiText.Mask(b.Reason)}");
            }

            await stdout.WriteLineAsync();
            await stdout.WriteLineAsync("HISTORY");
            foreach (var e in await SupportQueries.HistoryAsync(dataSource, id, cancellationToken))
            {
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {e.At:yyyy-MM-dd HH:mm:ss}Z {e.From ?? "-",-12} -> {e.To,-12} {e.Actor}  {PhiText.Mask(e.Reason)}"));
            }

            var errors = await SupportQueries.RowErrorsAsync(dataSource, id, limit, cancellationToken);
            await stdout.WriteLineAsync();
            await stdout.WriteLineAsync(errors.Count == 0 ? "ROW ERRORS: none" : $"ROW ERRORS (first {errors.Count}; the full report: the dashboard's batch page)");
            foreach (var r in errors)
            {
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"  line {r.Line?.ToString(CultureInfo.InvariantCulture) ?? "-",-7} {r.Column ?? "-",-22} {r.Code,-18} {r.Severity,-7} {PhiText.Mask(r.Message)}"));
            }

            return ExitCodes.Ok;
        }
        catch (NpgsqlException ex)
        {
            await stderr.WriteLineAsync($"recallfiles batches: the store is not reachable ({ex.Message}); check {ImportSettings.DatabaseKey}");
            return ExitCodes.Failed;
        }
    }
}

/// <summary><c>recallfiles trace PRACTICE APP_LID [--json]</c>: one appointment's timeline (<see cref="AppointmentTrace"/>).</summary>
internal static class TraceCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var practice = new Argument<string>("PRACTICE") { Description = "The practice id." };
        var appLid = new Argument<string>("APP_LID") { Description = "The appointment's id in the PMS." };
        var json = new Option<bool>("--json") { Description = "Print the trace as JSON." };
        var config = ExportCommand.ConfigOption();
        var command = new Command("trace", "Everything about one appointment: the batches that carried it (the row as received), its events, reminders and their delivery, replies, status updates and the PMS result, in one timeline (contact data masked). Exit 0 found, 1 unknown, 2 usage.")
        {
            practice, appLid, json, config,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(practice)!, parse.GetValue(appLid)!, parse.GetValue(json), parse.GetValue(config),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    private static async Task<int> RunAsync(string practiceId, string appLid, bool json, string? configFile, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var settings = await ImportSettings.LoadAsync("trace", configFile, stderr);
        if (settings is null)
        {
            return ExitCodes.Usage;
        }

        try
        {
            await using var dataSource = await settings.OpenStoreAsync(cancellationToken);
            var trace = await AppointmentTrace.TraceAsync(dataSource, practiceId, appLid, cancellationToken);
            var found = trace.Current is not null || trace.Timeline.Count > 0;
            if (json)
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(new
                {
                    practice = trace.PracticeId,
                    appLid = trace.AppLid,
                    current = trace.Current?.ToDictionary(f => f.Key, f => f.Value),
                    batches = trace.Batches.Select(b => new { id = b.Id, file = b.RemoteName, state = b.State, claimedAt = b.ClaimedAt, line = b.Line, row = b.Row.ToDictionary(f => f.Key, f => f.Value), note = b.Note }),
                    timeline = trace.Timeline.Select(e => new { at = e.At, kind = e.Kind, what = e.What, batch = e.BatchId }),
                }, Json));
                return found ? ExitCodes.Ok : ExitCodes.Failed;
            }

            if (!found)
            {
                await stderr.WriteLineAsync($"recallfiles trace: practice {practiceId} has no appointment {appLid} in the cloud store (nor any event, reminder or status update of it)");
                return ExitCodes.Failed;
            }

            await stdout.WriteLineAsync($"appointment {appLid} of {practiceId}");
            if (trace.Current is { } current)
            {
                await stdout.WriteLineAsync("NOW  " + string.Join(", ", current.Select(f => $"{f.Key}={f.Value}")));
            }

            await stdout.WriteLineAsync();
            await stdout.WriteLineAsync("BATCHES THAT CARRIED IT");
            foreach (var b in trace.Batches)
            {
                var head = string.Create(CultureInfo.InvariantCulture, $"  batch {b.Id} {b.RemoteName} ({b.State}, {b.ClaimedAt:yyyy-MM-dd HH:mm}Z)");
                var row = b.Line is { } line ? string.Create(CultureInfo.InvariantCulture, $" line {line}: ") + string.Join(", ", b.Row.Select(f => $"{f.Key}={f.Value}")) : "";
                await stdout.WriteLineAsync(head + row + (b.Note is null ? "" : $" [{b.Note}]"));
            }

            await stdout.WriteLineAsync();
            await stdout.WriteLineAsync("TIMELINE (UTC)");
            foreach (var e in trace.Timeline)
            {
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {e.At:yyyy-MM-dd HH:mm:ss} {e.Kind,-8} {e.What}"));
            }

            return ExitCodes.Ok;
        }
        catch (NpgsqlException ex)
        {
            await stderr.WriteLineAsync($"recallfiles trace: the store is not reachable ({ex.Message}); check {ImportSettings.DatabaseKey}");
            return ExitCodes.Failed;
        }
    }
}

/// <summary><c>recallfiles replay-failed [--practice ID] [--from T] [--to T]</c>: every failed batch that matches, oldest first (<see cref="BulkReplay"/>).</summary>
internal static class ReplayFailedCommand
{
    public static Command Create()
    {
        var practice = new Option<string?>("--practice") { Description = "Only this practice's failed batches." };
        var from = new Option<DateTime?>("--from") { Description = "Only batches claimed at or after this time (UTC, e.g. 2026-12-01T08:00)." };
        var to = new Option<DateTime?>("--to") { Description = "Only batches claimed before this time (UTC)." };
        var config = ExportCommand.ConfigOption();
        var command = new Command("replay-failed", "Replay every failed batch of a practice or a time range from the archived bytes, oldest first; each replay is audited. Exit 0 all applied, 1 some still failed, 2 usage.")
        {
            practice, from, to, config,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(practice), parse.GetValue(from), parse.GetValue(to), parse.GetValue(config),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    private static async Task<int> RunAsync(string? practiceId, DateTime? from, DateTime? to, string? configFile, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var settings = await ImportSettings.LoadAsync("replay-failed", configFile, stderr);
        if (settings is null)
        {
            return ExitCodes.Usage;
        }

        try
        {
            await using var dataSource = await settings.OpenStoreAsync(cancellationToken);
            var audit = new AuditLog(RecallFilesSettings.Load(configFile).LogFolder);
            var outcomes = await BulkReplay.ReplayFailedAsync(dataSource, practiceId, Utc(from), Utc(to), AuditLog.CommandLine, audit, cancellationToken);
            foreach (var o in outcomes)
            {
                await stdout.WriteLineAsync($"batch {o.BatchId} of {o.PracticeId}: {o.State ?? "not replayed"}{(o.Detail is null ? "" : ": " + PhiText.Mask(o.Detail))}");
            }

            var applied = outcomes.Count(o => o.State is BatchStates.Applied or BatchStates.Superseded or BatchStates.Duplicate);
            await stdout.WriteLineAsync($"{outcomes.Count} failed batch(es) replayed: {applied} done, {outcomes.Count - applied} still failed or held");
            return applied == outcomes.Count ? ExitCodes.Ok : ExitCodes.Failed;
        }
        catch (ConflictException ex)
        {
            await stderr.WriteLineAsync($"recallfiles replay-failed: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (NpgsqlException ex)
        {
            await stderr.WriteLineAsync($"recallfiles replay-failed: the store is not reachable ({ex.Message}); check {ImportSettings.DatabaseKey}");
            return ExitCodes.Failed;
        }
    }

    // A time on the command line is UTC unless it says otherwise.
    private static DateTime? Utc(DateTime? at) => at is { } t ? (t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime()) : null;
}
