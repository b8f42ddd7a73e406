using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RecallFiles.Importer.Batches;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Jobs;
using RecallFiles.Transport;

namespace RecallFiles.Scheduler.Hosting;

/// <summary>
/// One full cycle, at once, through the same job classes the schedule runs (so it logs, masks and audits the same):
/// export → import → reminders planned → sample replies → status export → apply → results. Steps whose services are
/// not built yet are reported as "not available yet", never as failures. Returns the number of failed steps.
/// </summary>
internal static class OnceCycle
{
    private static readonly string[] NotYet =
    [
        "sample replies: not available yet (issue 6)",
        "status export: not available yet (issue 6)",
        "status apply: not available yet (issue 6)",
        "results import: not available yet (issue 6)",
    ];

    public static async Task<int> RunAsync(WebApplication app, RecallFilesSettings settings, HostRole role, CloudContext? cloud, DateTimeOffset? now,
        TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var failed = 0;
        if (role is HostRole.Agent or HostRole.All)
        {
            foreach (var practice in settings.Agent.Practices)
            {
                try
                {
                    var result = await app.Services.GetRequiredService<ExportJob>().ExportAsync(practice.PracticeId, now, cancellationToken);
                    await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"export  {practice.PracticeId}: {result.Rows} appointment(s) [{result.Window.StartUtc:yyyy-MM-ddTHH:mmZ}, {result.Window.EndUtc:yyyy-MM-ddTHH:mmZ}) -> {result.RemotePath} (sha256 {result.Sha256[..12]}…)"));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    failed++;
                    await stderr.WriteLineAsync($"export  {practice.PracticeId}: FAILED: {Logging.PhiText.Mask(ex.Message)}");
                }
            }
        }

        if (cloud is not null && role is HostRole.Cloud or HostRole.All)
        {
            foreach (var practice in cloud.Settings.Importer.Practices.Values.Where(p => p.Enabled))
            {
                try
                {
                    var (poll, batches) = await app.Services.GetRequiredService<ImportJob>().ImportAsync(practice.Id, cancellationToken);
                    if (batches.Count == 0)
                    {
                        await stdout.WriteLineAsync($"import  {practice.Id}: no new file{(poll.Busy ? " (another server is polling it)" : "")}");
                    }

                    foreach (var b in batches)
                    {
                        await stdout.WriteLineAsync(Describe(b));
                        failed += b.State is BatchStates.Failed ? 1 : 0;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    failed++;
                    await stderr.WriteLineAsync($"import  {practice.Id}: FAILED: {Logging.PhiText.Mask(ex.Message)}");
                }
            }
        }

        if (cloud is not null && role is HostRole.Cloud or HostRole.All)
        {
            try
            {
                var (events, sent, forwarded) = await app.Services.GetRequiredService<ReminderJob>().RunOnceAsync(cancellationToken);
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"remind  {events} appointment event(s) planned, {sent} due message(s) to the outbox{(forwarded > 0 ? $", {forwarded} event(s) to the webhook" : "")}"));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failed++;
                await stderr.WriteLineAsync($"remind  FAILED: {Logging.PhiText.Mask(ex.Message)}");
            }
        }

        foreach (var line in NotYet)
        {
            await stdout.WriteLineAsync($"skip    {line}");
        }

        return failed;
    }

    private static string Describe(BatchSummary b)
    {
        var what = b.State switch
        {
            BatchStates.Duplicate => $"duplicate of batch {b.DuplicateOf}: nothing changed",
            BatchStates.Applied when b.Inserted + b.Updated + b.Removed == 0 => $"applied, nothing changed ({b.Unchanged} unchanged)",
            BatchStates.Applied => $"applied: +{b.Inserted} new, ~{b.Updated} changed, -{b.Removed} removed, {b.Unchanged} unchanged",
            _ => b.State + (b.Reason is null ? "" : ": " + Logging.PhiText.Mask(b.Reason)),
        };
        var rows = b.RowsTotal is { } total ? string.Create(CultureInfo.InvariantCulture, $"{total} row(s), {b.RowsInvalid ?? 0} invalid; ") : "";
        return string.Create(CultureInfo.InvariantCulture, $"import  {b.PracticeId}: batch {b.Id} {b.RemoteName}: {rows}{what}");
    }

    /// <summary>Where to look, for the embedded default's closing lines.</summary>
    public static IEnumerable<string> WhereToLook(RecallFilesSettings settings, CloudContext? cloud, string? dashboard)
    {
        if (dashboard is not null)
        {
            yield return $"dashboard   {dashboard}/hangfire (Practices, Batches, Status pages; /health)";
        }

        foreach (var p in settings.Agent.Practices.Where(p => p.DropBox is { Kind: DropBoxKind.Local }))
        {
            yield return $"drop box    {Path.Combine(p.DropBox!.RootPath, p.AppointmentsFolder)} (processed files move to {p.DropBox.RootPath}/processed/)";
        }

        if (cloud is not null)
        {
            yield return $"archive     {cloud.Settings.Importer.ArchiveFolder}";
            if (cloud.Embedded)
            {
                yield return $"database    private PostgreSQL cluster in {Path.Combine(settings.DataFolder, "postgres")} (keeps running; ./recallfiles batches lists what it holds)";
            }
        }

        yield return $"logs        {settings.LogFolder} (recallfiles.log, audit.log)";
    }
}
