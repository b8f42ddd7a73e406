using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using RecallFiles.Exporter;
using RecallFiles.Exporter.Ledger;
using RecallFiles.Exporter.Sources;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Transport;

namespace RecallFiles.Scheduler.Cli;

/// <summary>
/// <c>recallfiles export --once [--practice ID] [--dry-run] [--initial] [--out DIR] [--now ISO-8601]</c> and
/// <c>recallfiles exports [--practice ID] [--limit N]</c>.
/// </summary>
internal static class ExportCommand
{
    public static Option<string?> ConfigOption() => new("--config") { Description = "Configuration file (default: $RECALLFILES_CONFIG, else ./appsettings.json)." };

    public static Command Create()
    {
        var once = new Option<bool>("--once") { Description = "Export now, once, and exit (the schedule runs under 'recallfiles run')." };
        var practice = new Option<string?>("--practice") { Description = "Only this practice id (default: every configured practice)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Write and validate the file, upload nothing." };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Folder for the exported file (default: the data folder)." };
        var now = new Option<string?>("--now") { Description = "Pretend it is this instant (ISO 8601, such as 2026-11-23T08:00:00Z): the window and the file name follow." };
        var initial = new Option<bool>("--initial")
        {
            Description = "An initial upload: every future appointment up to the practice's InitialHorizon (default 365 days), not only WindowAhead. " +
                          "A practice's first upload is one without this flag.",
        };
        var config = ConfigOption();
        var command = new Command("export", "Export appointments from the PMS to the practice's drop box.") { once, practice, dryRun, initial, output, now, config };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(once), parse.GetValue(practice), parse.GetValue(dryRun), parse.GetValue(output),
            parse.GetValue(now), parse.GetValue(config), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, parse.GetValue(initial), ct));
        return command;
    }

    public static Command CreateList()
    {
        var practice = new Option<string?>("--practice") { Description = "Only this practice id." };
        var limit = new Option<int>("--limit") { Description = "How many runs to list, newest first.", DefaultValueFactory = _ => 20 };
        var config = ConfigOption();
        var command = new Command("exports", "List the export ledger: window, rows, SHA-256, remote name and result of each run.") { practice, limit, config };
        command.SetAction(parse => List(parse.GetValue(practice), parse.GetValue(limit), parse.GetValue(config), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return command;
    }

    private static async Task<int> RunAsync(bool once, string? practiceId, bool dryRun, DirectoryInfo? output, string? nowText, string? configFile,
        TextWriter stdout, TextWriter stderr, bool initial, CancellationToken cancellationToken)
    {
        if (!once)
        {
            await stderr.WriteLineAsync("recallfiles export: pass --once to export now; the schedule runs under 'recallfiles run --role agent'");
            return ExitCodes.Usage;
        }

        DateTimeOffset? now = null;
        if (nowText is not null)
        {
            if (!DateTimeOffset.TryParse(nowText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
            {
                await stderr.WriteLineAsync($"recallfiles export: --now '{nowText}' is not an ISO 8601 instant such as 2026-11-23T08:00:00Z");
                return ExitCodes.Usage;
            }

            now = parsed;
        }

        RecallFilesSettings settings;
        try
        {
            settings = RecallFilesSettings.Load(configFile);
        }
        catch (SettingsException ex)
        {
            await stderr.WriteLineAsync($"recallfiles export: {ex.Message}");
            return ExitCodes.Usage;
        }

        return await ExportAllAsync(settings, practiceId, dryRun, output, now, stdout, stderr, initial, cancellationToken);
    }

    /// <summary>Exports every configured practice (or one) once; 0 when all succeeded, 1 when any failed, 2 when none matched.</summary>
    internal static async Task<int> ExportAllAsync(RecallFilesSettings settings, string? practiceId, bool dryRun, DirectoryInfo? output, DateTimeOffset? now,
        TextWriter stdout, TextWriter stderr, bool initial, CancellationToken cancellationToken)
    {
        var practices = settings.Agent.Practices.Where(p => practiceId is null || string.Equals(p.PracticeId, practiceId, StringComparison.OrdinalIgnoreCase)).ToList();
        if (practices.Count == 0)
        {
            await stderr.WriteLineAsync(practiceId is null
                ? "recallfiles export: no practices configured (RecallFiles:Agent:Practices); see docs/configuration.md"
                : $"recallfiles export: practice '{practiceId}' is not configured; configured: {string.Join(", ", settings.Agent.Practices.Select(p => p.PracticeId))}");
            return ExitCodes.Usage;
        }

        using var loggerFactory = CliLogging.Create(stderr);
        var ledger = new ExportLedger(settings.LedgerPath);
        var runner = new ExportRunner(ledger, TimeProvider.System, loggerFactory.CreateLogger<ExportRunner>());
        var failed = 0;
        foreach (var practice in practices)
        {
            try
            {
                if (output is null)
                {
                    DataFolders.Create(settings.ExportFolder(practice.PracticeId));
                }

                var result = await runner.RunAsync(practice, new ExportRunOptions
                {
                    Now = now,
                    DryRun = dryRun,
                    Initial = initial,
                    OutputFolder = output?.FullName ?? settings.ExportFolder(practice.PracticeId),
                }, cancellationToken);
                var where = result.RemotePath is null ? " (dry run: not uploaded)" : " uploaded to " + result.RemotePath;
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"{practice.PracticeId}: {result.Rows} appointment(s) [{result.Window.StartUtc:yyyy-MM-ddTHH:mmZ}, {result.Window.EndUtc:yyyy-MM-ddTHH:mmZ}) -> {result.LocalPath} sha256 {result.Sha256}{where}");
                await stdout.WriteLineAsync(line);
                if (dryRun)
                {
                    await DryRunPreview.WriteAsync(practice.PracticeId, result.Preview!, stdout);
                }
                else
                {
                    CliAudit.Record(settings, "export", practice.PracticeId, $"file {result.FileName} rows={result.Rows} sha256={result.Sha256}", $"uploaded to {result.RemotePath}");
                }
            }
            catch (Exception ex) when (ex is ExportException or DropBoxException or IOException)
            {
                failed++;
                if (!dryRun)
                {
                    CliAudit.Record(settings, "export", practice.PracticeId, "file (none)", $"failed: {ex.Message}");
                }

                await stderr.WriteLineAsync($"{practice.PracticeId}: FAILED: {ex.Message}");
            }
        }

        return failed == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static int List(string? practiceId, int limit, string? configFile, TextWriter stdout, TextWriter stderr)
    {
        RecallFilesSettings settings;
        try
        {
            settings = RecallFilesSettings.Load(configFile);
        }
        catch (SettingsException ex)
        {
            stderr.WriteLine($"recallfiles exports: {ex.Message}");
            return ExitCodes.Usage;
        }

        if (!File.Exists(settings.LedgerPath))
        {
            stdout.WriteLine($"no exports yet (ledger {settings.LedgerPath} does not exist)");
            return ExitCodes.Ok;
        }

        var entries = new ExportLedger(settings.LedgerPath).List(practiceId, limit);
        stdout.WriteLine($"{"ID",-6} {"PRACTICE",-14} {"STARTED (UTC)",-17} {"STATUS",-10} {"ROWS",7} {"SHA-256",-16} {"REMOTE / ERROR"}");
        foreach (var e in entries)
        {
            var detail = e.Status == ExportStatus.Failed ? e.Error : e.RemotePath ?? e.FileName;
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{e.Id,-6} {e.PracticeId,-14} {e.StartedUtc:yyyy-MM-dd HH:mm} {e.Status,-10} {e.Rows?.ToString(CultureInfo.InvariantCulture) ?? "-",7} {(e.Sha256 is null ? "-" : e.Sha256[..16]),-16} {detail}"));
        }

        return ExitCodes.Ok;
    }
}
