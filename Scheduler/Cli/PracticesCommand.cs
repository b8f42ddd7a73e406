using System.CommandLine;
using System.Globalization;
using Npgsql;
using RecallFiles.Importer.Practices;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Logging;
using RecallFiles.Schemas;
using RecallFiles.Transport;

namespace RecallFiles.Scheduler.Cli;

/// <summary>
/// <c>recallfiles practices add|edit|disable|enable|list</c> (issue 17): cloud practices managed in the database, without
/// editing JSON or restarting — running servers take a change in within <c>RecallFiles:Importer:PracticeRefresh</c>. The
/// practice's folders are created on its drop box. Practices configured in JSON are listed, read-only. Exit 0 done, 1
/// the drop box or the store failed, 2 invalid input, an unknown practice, or one configured in JSON.
/// </summary>
internal static class PracticesCommand
{
    public static Command Create()
    {
        var command = new Command("practices", "Cloud practices managed in the database: add, edit, disable, enable, list (running servers pick a change up within a minute).");
        command.Subcommands.Add(Change("add", "Add a practice and create its folders on its drop box.", required: true));
        command.Subcommands.Add(Change("edit", "Change a practice's settings (only the options given).", required: false));
        command.Subcommands.Add(Toggle("disable", false));
        command.Subcommands.Add(Toggle("enable", true));
        var config = ExportCommand.ConfigOption();
        var list = new Command("list", "Every cloud practice with where it is configured (json: read-only here; db: managed with these verbs).") { config };
        list.SetAction((parse, ct) => WithAdminAsync(parse, config, "practices list", async (settings, _, dataSource, stdout) =>
        {
            var (rows, version) = await ManagedPractices.ReadAsync(dataSource, ct);
            await stdout.WriteLineAsync($"{"PRACTICE",-20} {"SOURCE",-6} {"ENABLED",-7} {"DROP BOX",-12} {"TIME ZONE",-20} {"CADENCE",-9} FOLDER");
            foreach (var r in rows)
            {
                var p = r.Options;
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{p.Id,-20} {r.Source,-6} {(p.Enabled ? "yes" : "no"),-7} {p.DropBox,-12} {p.TimeZone,-20} {p.Cadence,-9} {p.EffectiveFolder}"));
            }

            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{rows.Count} practice(s), version {version}"));
            return ExitCodes.Ok;
        }, ct));
        command.Subcommands.Add(list);
        return command;
    }

    private static Command Change(string verb, string description, bool required)
    {
        var id = new Argument<string>("PRACTICE") { Description = "The practice id: 1-40 characters of A-Z a-z 0-9 _ -." };
        var dropBox = new Option<string?>("--drop-box") { Description = "The drop box (RecallFiles:DropBoxes:{name}) its files arrive in." + (required ? " Default 'default'." : "") };
        var timeZone = new Option<string?>("--time-zone") { Description = "IANA time zone, such as Europe/Madrid." + (required ? " Default UTC." : "") };
        var folder = new Option<string?>("--folder") { Description = "Appointment folder in the drop box. Default {id}/appointments." };
        var errors = new Option<string?>("--errors-folder") { Description = "Error reports folder. Default {id}/errors." };
        var cadence = new Option<TimeSpan?>("--cadence") { Description = "Expected interval between snapshots. Default 04:00:00." };
        var rowErrors = new Option<RowErrorPolicy?>("--row-errors") { Description = "RejectRows (default) or RejectFile." };
        var strict = new Option<bool?>("--strict-contacts") { Description = "true: an invalid optional phone or e-mail is a row error. Default false." };
        var share = new Option<double?>("--max-removal-share") { Description = "Mass-removal guard, 0-1. Default 0.5." };
        var past = new Option<TimeSpan?>("--window-past") { Description = "Default 1.00:00:00." };
        var ahead = new Option<TimeSpan?>("--window-ahead") { Description = "Default 3.00:00:00." };
        var config = ExportCommand.ConfigOption();
        var command = new Command(verb, description + " Exit 0 done, 1 drop box or store failed, 2 invalid, unknown or configured in JSON.")
        {
            id, dropBox, timeZone, folder, errors, cadence, rowErrors, strict, share, past, ahead, config,
        };
        PracticeOptions Apply(ParseResult parse, PracticeOptions p) => p with
        {
            DropBox = parse.GetValue(dropBox) ?? p.DropBox,
            TimeZone = parse.GetValue(timeZone) ?? p.TimeZone,
            Folder = parse.GetValue(folder) ?? p.Folder,
            ErrorsFolder = parse.GetValue(errors) ?? p.ErrorsFolder,
            Cadence = parse.GetValue(cadence) ?? p.Cadence,
            RowErrors = parse.GetValue(rowErrors) ?? p.RowErrors,
            StrictContacts = parse.GetValue(strict) ?? p.StrictContacts,
            MaxRemovalShare = parse.GetValue(share) ?? p.MaxRemovalShare,
            WindowPast = parse.GetValue(past) ?? p.WindowPast,
            WindowAhead = parse.GetValue(ahead) ?? p.WindowAhead,
        };
        command.SetAction((parse, ct) => WithAdminAsync(parse, config, $"practices {verb}", async (_, admin, _, stdout) =>
        {
            var practiceId = parse.GetValue(id)!;
            var folders = required
                ? await admin.AddAsync(Apply(parse, new PracticeOptions { Id = practiceId }), AuditLog.CommandLine, ct)
                : await admin.EditAsync(practiceId, p => Apply(parse, p), AuditLog.CommandLine, ct);
            await stdout.WriteLineAsync($"practice {practiceId} {(required ? "added" : "changed")}; folders on its drop box: {string.Join(", ", folders)}");
            await stdout.WriteLineAsync("running servers take it in within RecallFiles:Importer:PracticeRefresh (default a minute); no restart needed");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Toggle(string verb, bool enabled)
    {
        var id = new Argument<string>("PRACTICE") { Description = "The practice id." };
        var config = ExportCommand.ConfigOption();
        var command = new Command(verb, enabled
            ? "Pick a disabled practice's files up again (its folders are created if missing)."
            : "Stop picking a practice's files up; its batches, appointments and folders stay.") { id, config };
        command.SetAction((parse, ct) => WithAdminAsync(parse, config, $"practices {verb}", async (_, admin, _, stdout) =>
        {
            var practiceId = parse.GetValue(id)!;
            if (enabled)
            {
                await admin.EditAsync(practiceId, p => p with { Enabled = true }, AuditLog.CommandLine, ct);
            }
            else
            {
                await admin.DisableAsync(practiceId, AuditLog.CommandLine, ct);
            }

            await stdout.WriteLineAsync($"practice {practiceId} {verb}d; running servers take it in within RecallFiles:Importer:PracticeRefresh");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static async Task<int> WithAdminAsync(ParseResult parse, Option<string?> config, string verb,
        Func<RecallFilesSettings, PracticeAdmin, NpgsqlDataSource, TextWriter, Task<int>> action, CancellationToken cancellationToken)
    {
        var stderr = parse.InvocationConfiguration.Error;
        var settings = await ImportSettings.LoadAsync(verb, parse.GetValue(config), stderr);
        if (settings is null)
        {
            return ExitCodes.Usage;
        }

        try
        {
            await using var dataSource = await settings.OpenStoreAsync(cancellationToken);
            var audit = new AuditLog(settings.Settings.LogFolder);
            var admin = new PracticeAdmin(dataSource, settings.Catalog, settings.DropBoxes, settings.Importer, audit);
            return await action(settings.Settings, admin, dataSource, parse.InvocationConfiguration.Output);
        }
        catch (Exception ex) when (ex is ConfigurationException or ConflictException or NotFoundException or SettingsException)
        {
            await stderr.WriteLineAsync($"recallfiles {verb}: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (DropBoxException ex)
        {
            await stderr.WriteLineAsync($"recallfiles {verb}: the drop box failed: {ex.Message}; nothing was changed");
            return ExitCodes.Failed;
        }
        catch (NpgsqlException ex)
        {
            await stderr.WriteLineAsync($"recallfiles {verb}: the store is not reachable ({ex.Message}); check {ImportSettings.DatabaseKey}");
            return ExitCodes.Failed;
        }
    }
}
