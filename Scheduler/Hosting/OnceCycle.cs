using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RecallFiles.Exporter.StatusApply;
using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Practices;
using RecallFiles.Importer.Status;
using RecallFiles.Schemas;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Jobs;
using RecallFiles.Scheduler.Logging;
using RecallFiles.Transport;

namespace RecallFiles.Scheduler.Hosting;

/// <summary>
/// One full cycle, at once, through the same job classes the schedule runs (so it logs, masks and audits the same):
/// export → import → reminders planned → sample replies → status export → apply → results. Steps whose services are
/// not built yet are reported as "not available yet", never as failures. Returns the number of failed steps.
/// </summary>
internal static class OnceCycle
{
    public static async Task<int> RunAsync(WebApplication app, RecallFilesSettings settings, HostRole role, CloudContext? cloud, DateTimeOffset? now,
        TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var failed = await ExportAndImportAsync(app, settings, role, cloud, now, "", stdout, stderr, cancellationToken);
        failed += await RemindAsync(app, role, cloud, stdout, stderr, cancellationToken);

        if (cloud is { Embedded: true } && role is HostRole.All)
        {
            failed += await SampleRepliesAsync(cloud, app.Services.GetRequiredService<Logging.AuditLog>(), stdout, stderr, cancellationToken);
        }

        var (statusFailed, applied) = await StatusFlowAsync(app, settings, role, cloud, stdout, stderr, cancellationToken);
        failed += statusFailed;
        if (applied > 0 && role is HostRole.All)
        {
            // The PMS changed (a cancelled visit leaves the next snapshot): the same cycle carries that back to the cloud,
            // so the reminders of a cancelled appointment are cancelled now and a second cycle has nothing left to do.
            failed += await ExportAndImportAsync(app, settings, role, cloud, now, " (after the status apply)", stdout, stderr, cancellationToken);
            failed += await RemindAsync(app, role, cloud, stdout, stderr, cancellationToken);
        }

        return failed;
    }

    private static async Task<int> ExportAndImportAsync(WebApplication app, RecallFilesSettings settings, HostRole role, CloudContext? cloud, DateTimeOffset? now,
        string note, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
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
                        $"export  {practice.PracticeId}: {result.Rows} appointment(s){note} [{result.Window.StartUtc:yyyy-MM-ddTHH:mmZ}, {result.Window.EndUtc:yyyy-MM-ddTHH:mmZ}) -> {result.RemotePath} (sha256 {result.Sha256[..12]}…)"));
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
                    var (poll, batches) = await app.Services.GetRequiredService<ImportJob>().ImportAsync(practice.Id, once: true, cancellationToken);
                    if (batches.Count == 0)
                    {
                        await stdout.WriteLineAsync($"import  {practice.Id}: no new file{note}{(poll.Busy ? " (another server is polling it)" : "")}");
                    }

                    foreach (var b in batches)
                    {
                        await stdout.WriteLineAsync(Describe(b));
                        failed += b.State is BatchStates.Failed ? 1 : 0;
                    }

                    if (poll.Waiting > 0)
                    {
                        await stdout.WriteLineAsync($"import  {practice.Id}: {poll.Waiting} file(s) still waiting (still changing after MinFileAge, or without their .done marker); the next import takes them");
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    failed++;
                    await stderr.WriteLineAsync($"import  {practice.Id}: FAILED: {Logging.PhiText.Mask(ex.Message)}");
                }
            }
        }

        return failed;
    }

    private static async Task<int> RemindAsync(WebApplication app, HostRole role, CloudContext? cloud, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var failed = 0;
        if (cloud is not null && role is HostRole.Cloud or HostRole.All)
        {
            try
            {
                var (events, sent, forwarded) = await app.Services.GetRequiredService<ReminderJob>().RunOnceAsync(cancellationToken);
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"remind  {events} appointment event(s) planned, {sent} due message(s) sent{(forwarded > 0 ? $", {forwarded} event(s) to the webhook" : "")}"));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failed++;
                await stderr.WriteLineAsync($"remind  FAILED: {Logging.PhiText.Mask(ex.Message)}");
            }
        }

        return failed;
    }

    /// <summary>
    /// The embedded default's patients answer: the first three upcoming appointments of the sample practice get a
    /// confirm, a confirm and a cancel (once: a second cycle finds them recorded and adds nothing).
    /// </summary>
    private static async Task<int> SampleRepliesAsync(CloudContext cloud, Logging.AuditLog audit, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        try
        {
            await using (var recorded = cloud.DataSource.CreateCommand("SELECT count(*) FROM status_updates WHERE practice_id = $1 AND source = 'sample'"))
            {
                recorded.Parameters.Add(new() { Value = EmbeddedDefault.PracticeId });
                if ((long)(await recorded.ExecuteScalarAsync(cancellationToken))! > 0)
                {
                    await stdout.WriteLineAsync($"reply   {EmbeddedDefault.PracticeId}: sample replies already recorded");
                    return 0;
                }
            }

            var upcoming = new List<string>();
            await using (var select = cloud.DataSource.CreateCommand("""
                SELECT app_lid FROM appointments WHERE practice_id = $1 AND NOT removed AND starts_at > (now() AT TIME ZONE 'Europe/Madrid') + interval '3 hours'
                ORDER BY starts_at, app_lid LIMIT 3
                """))
            {
                select.Parameters.Add(new() { Value = EmbeddedDefault.PracticeId });
                await using var reader = await select.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    upcoming.Add(reader.GetString(0));
                }
            }

            AppointmentStatus[] answers = [AppointmentStatus.Approved, AppointmentStatus.Approved, AppointmentStatus.CancelledByUser];
            for (var i = 0; i < upcoming.Count; i++)
            {
                var id = await StatusUpdates.AddAsync(cloud.DataSource, EmbeddedDefault.PracticeId, upcoming[i], answers[i], "sample", cancellationToken);
                audit.Record("reply", EmbeddedDefault.PracticeId, $"{upcoming[i]} {answers[i].ToWire()} update {id}", Logging.AuditLog.Scheduler, "queued (sample reply)");
            }

            await stdout.WriteLineAsync($"reply   {EmbeddedDefault.PracticeId}: {upcoming.Count} sample replies ({string.Join(", ", upcoming.Select((id, i) => $"{id} {answers[i].ToWire()}"))})");
            return 0;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await stderr.WriteLineAsync($"reply   FAILED: {Logging.PhiText.Mask(ex.Message)}");
            return 1;
        }
    }

    /// <summary>Status export (cloud) → status apply (agent) → results import (cloud), each practice once.</summary>
    private static async Task<(int Failed, int Applied)> StatusFlowAsync(WebApplication app, RecallFilesSettings settings, HostRole role, CloudContext? cloud,
        TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var failed = 0;
        var applied = 0;
        async Task Step(string label, Func<Task<string>> step)
        {
            try
            {
                await stdout.WriteLineAsync($"{label,-7} {await step()}");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failed++;
                await stderr.WriteLineAsync($"{label,-7} FAILED: {Logging.PhiText.Mask(ex.Message)}");
            }
        }

        var cloudSide = cloud is not null && role is HostRole.Cloud or HostRole.All;
        var cloudPractices = cloudSide ? new CloudPractices(cloud!.Settings.Importer, cloud.Settings.DropBoxes).Enabled.ToList() : [];
        var audit = app.Services.GetRequiredService<Logging.AuditLog>();
        if (cloudSide)
        {
            var export = app.Services.GetRequiredService<StatusExport>();
            foreach (var practice in cloudPractices)
            {
                await Step("status", async () =>
                {
                    var r = await export.ExportAsync(practice.Id, cancellationToken);
                    if (r.Uploaded.Count > 0)
                    {
                        audit.Record("status-export", practice.Id, $"files {string.Join(",", r.Uploaded)} updates={r.Exported}", AuditLog.Scheduler, "uploaded");
                    }

                    return r.Uploaded.Count == 0 ? $"{practice.Id}: no queued status update" : $"{practice.Id}: {r.Exported} update(s) in {string.Join(", ", r.Uploaded)}";
                });
            }
        }

        if (role is HostRole.Agent or HostRole.All)
        {
            var applier = app.Services.GetRequiredService<StatusApplier>();
            foreach (var practice in settings.Agent.Practices.Where(p => p.Status.Enabled))
            {
                await Step("apply", async () =>
                {
                    var run = await applier.RunAsync(practice, Cli.StatusCommands.StatusWorkFolder(settings), once: true, cancellationToken);
                    StatusApplyJob.Audit(audit, run, AuditLog.Scheduler);
                    return run.Files.Count == 0 ? $"{practice.PracticeId}: no status file" : $"{practice.PracticeId}: {string.Join("; ", run.Files)}";
                });
            }
        }

        if (cloudSide)
        {
            var results = app.Services.GetRequiredService<ResultsImport>();
            foreach (var practice in cloudPractices)
            {
                await Step("results", async () =>
                {
                    var r = await results.ImportAsync(practice.Id, once: true, cancellationToken);
                    applied += r.Applied;
                    if (r.Imported.Count > 0)
                    {
                        audit.Record("status-results", practice.Id, $"files {string.Join(",", r.Imported)} OK={r.Applied} CONFLICT={r.Conflicted} ERROR={r.Failed} NOT_FOUND={r.NotFound}",
                            AuditLog.Scheduler, "imported");
                    }

                    return r.Imported.Count == 0 ? $"{practice.Id}: no result file"
                        : $"{practice.Id}: {string.Join(", ", r.Imported)}: {r.Applied} applied, {r.Conflicted} conflicted, {r.Failed} failed, {r.NotFound} not found";
                });
            }
        }

        return (failed, applied);
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
                yield return $"database    private PostgreSQL cluster in {cloud.ClusterFolder} (stopped when this ends, started again by ./recallfiles batches, which lists what it holds)";
            }
        }

        yield return $"logs        {settings.LogFolder} (recallfiles.log, audit.log)";
    }
}
