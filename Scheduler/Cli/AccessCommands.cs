using System.CommandLine;
using OtpNet;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Hosting;
using RecallFiles.Scheduler.Logging;

namespace RecallFiles.Scheduler.Cli;

/// <summary>
/// Who may act (issue 12): <c>recallfiles dashboard-enroll-totp LOGIN</c> (a TOTP secret and its <c>otpauth://</c> URI),
/// <c>recallfiles api-key create|revoke|list</c> (machines' keys for <c>/api/replies</c>) and
/// <c>recallfiles audit verify</c> (the audit log's hash chain).
/// </summary>
internal static class AccessCommands
{
    public static Command CreateEnrollTotp()
    {
        var login = new Argument<string>("LOGIN") { Description = "The dashboard login to enroll." };
        var issuer = new Option<string>("--issuer") { Description = "The name the authenticator app shows.", DefaultValueFactory = _ => "RecallFiles" };
        var command = new Command("dashboard-enroll-totp",
            "Create a TOTP secret (RFC 6238) for a dashboard login: prints the otpauth:// URI for the authenticator app and the setting to store.") { login, issuer };
        command.SetAction(parse =>
        {
            var name = parse.GetValue(login)!;
            var secret = Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20));
            var uri = new OtpUri(OtpType.Totp, secret, name, parse.GetValue(issuer)).ToString();
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine(uri);
            output.WriteLine($"# scan the URI above (or type the secret) into the authenticator app, then store the secret with the login, as a secret:");
            output.WriteLine($"#   RecallFiles__Dashboard__Users__N__TotpSecret={secret}   (or a 4th column of RecallFiles:Dashboard:UsersFile)");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateApiKey()
    {
        var command = new Command("api-key", "API keys for machines calling /api/replies (a reminder engine): create, revoke, list.");
        var config = ExportCommand.ConfigOption();
        var name = new Argument<string>("NAME") { Description = "The client's name (audited as api:NAME)." };
        var practices = new Option<string[]>("--practice") { Description = "Limit the key to this practice (repeat for several; default: every practice).", AllowMultipleArgumentsPerToken = true };
        var create = new Command("create", "Create a key; it is printed once, only its SHA-256 is kept.") { name, practices, config };
        create.SetAction(parse => Run(parse, config, "api-key create", (settings, keys, stdout) =>
        {
            var limited = parse.GetValue(practices) ?? [];
            var key = keys.Create(parse.GetValue(name)!, limited, DateTimeOffset.UtcNow);
            CliAudit.Record(settings, "api-key create", limited.Length == 0 ? "*" : string.Join(",", limited), $"key {parse.GetValue(name)}", "created");
            stdout.WriteLine(key);
            stdout.WriteLine("# give it to the client as 'Authorization: Bearer <key>'; it is not shown again");
            return ExitCodes.Ok;
        }));
        var revokeName = new Argument<string>("NAME") { Description = "The key to revoke." };
        var revoke = new Command("revoke", "Revoke a key: its next request gets 401.") { revokeName, config };
        revoke.SetAction(parse => Run(parse, config, "api-key revoke", (settings, keys, stdout) =>
        {
            var revoked = keys.Revoke(parse.GetValue(revokeName)!, DateTimeOffset.UtcNow);
            CliAudit.Record(settings, "api-key revoke", "*", $"key {parse.GetValue(revokeName)}", revoked ? "revoked" : "no such live key");
            stdout.WriteLine(revoked ? $"revoked {parse.GetValue(revokeName)}" : $"no live key named {parse.GetValue(revokeName)}");
            return revoked ? ExitCodes.Ok : ExitCodes.Usage;
        }));
        var list = new Command("list", "List the keys (names, practices, created, revoked; never the keys).") { config };
        list.SetAction(parse => Run(parse, config, "api-key list", (_, keys, stdout) =>
        {
            stdout.WriteLine($"{"NAME",-24} {"PRACTICES",-30} {"CREATED (UTC)",-17} REVOKED");
            foreach (var k in keys.List())
            {
                stdout.WriteLine($"{k.Name,-24} {(k.Practices.Count == 0 ? "*" : string.Join(",", k.Practices)),-30} {k.Created:yyyy-MM-dd HH:mm} {(k.Revoked is { } r ? r.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) : "-")}");
            }

            return ExitCodes.Ok;
        }));
        command.Subcommands.Add(create);
        command.Subcommands.Add(revoke);
        command.Subcommands.Add(list);
        return command;
    }

    public static Command CreateAudit()
    {
        var config = ExportCommand.ConfigOption();
        var file = new Option<FileInfo?>("--file") { Description = "The audit log (default: {Logging:Folder}/audit.log)." };
        var verify = new Command("verify", "Check the audit log's hash chain: exit 0 whole, 1 broken (each break named by line).") { file, config };
        verify.SetAction(parse =>
        {
            var path = parse.GetValue(file)?.FullName;
            if (path is null)
            {
                try
                {
                    path = Path.Combine(RecallFilesSettings.Load(parse.GetValue(config), readAgent: false).LogFolder, RecallFilesLogging.AuditFileName);
                }
                catch (SettingsException ex)
                {
                    parse.InvocationConfiguration.Error.WriteLine($"recallfiles audit verify: {ex.Message}");
                    return ExitCodes.Usage;
                }
            }

            var (lines, problems) = AuditVerifier.Verify(path);
            foreach (var problem in problems)
            {
                parse.InvocationConfiguration.Output.WriteLine($"BROKEN {problem}");
            }

            parse.InvocationConfiguration.Output.WriteLine(problems.Count == 0 ? $"audit log {path}: {lines} line(s), chain whole" : $"audit log {path}: {problems.Count} problem(s) in {lines} line(s)");
            return problems.Count == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return new Command("audit", "The audit log: verify its hash chain.") { verify };
    }

    private static int Run(ParseResult parse, Option<string?> config, string verb, Func<RecallFilesSettings, ApiKeys, TextWriter, int> action)
    {
        RecallFilesSettings settings;
        try
        {
            settings = RecallFilesSettings.Load(parse.GetValue(config), readAgent: false);
        }
        catch (SettingsException ex)
        {
            parse.InvocationConfiguration.Error.WriteLine($"recallfiles {verb}: {ex.Message}");
            return ExitCodes.Usage;
        }

        try
        {
            return action(settings, new ApiKeys(settings.ApiKeysPath), parse.InvocationConfiguration.Output);
        }
        catch (ArgumentException ex)
        {
            parse.InvocationConfiguration.Error.WriteLine($"recallfiles {verb}: {ex.Message}");
            return ExitCodes.Usage;
        }
    }
}
