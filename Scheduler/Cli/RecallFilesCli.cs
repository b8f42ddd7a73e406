using System.CommandLine;

namespace RecallFiles.Scheduler.Cli;

/// <summary>Exit codes shared by every verb.</summary>
internal static class ExitCodes
{
    /// <summary>Done; for validate: the file is valid (warnings allowed).</summary>
    public const int Ok = 0;

    /// <summary>The work failed or the input is invalid.</summary>
    public const int Failed = 1;

    /// <summary>Usage error, unreadable input or bad configuration.</summary>
    public const int Usage = 2;
}

/// <summary>The <c>recallfiles</c> command line: one root command, one class per verb.</summary>
internal static class RecallFilesCli
{
    /// <summary>Every verb. Add a verb by adding its <c>Create()</c> here.</summary>
    internal static IEnumerable<Command> Verbs() =>
    [
        ValidateCommand.Create(),
        ExportCommand.Create(),
        ExportCommand.CreateList(),
        RunCommand.Create(),
        HostKeyCommand.Create(),
        ImportCommand.Create(),
        BatchesCommand.Create(),
        ReplayCommand.Create(),
        ReplayCommand.CreateApprove(),
        DiscardCommand.Create(),
        ReplayFailedCommand.Create(),
        TraceCommand.Create(),
        CheckCommand.Create(),
        StopCommand.Create(),
        HashPasswordCommand.Create(),
        StatusCommands.CreateApply(),
        StatusCommands.CreateExport(),
        StatusCommands.CreateResults(),
        StatusCommands.CreateList(),
        ReplyCommand.Create(),
        AccessCommands.CreateEnrollTotp(),
        AccessCommands.CreateApiKey(),
        AccessCommands.CreateAudit(),
        AlertsCommand.Create(),
        PracticesCommand.Create(),
    ];

    public static RootCommand Build()
    {
        var root = new RootCommand("RecallFiles: appointment files between a practice's PMS and the cloud reminder service.");
        foreach (var verb in Verbs())
        {
            root.Subcommands.Add(verb);
        }

        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; parse errors are usage errors (exit 2).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                await error.WriteLineAsync(e.Message);
            }

            await error.WriteLineAsync("Run 'recallfiles --help' (or 'recallfiles VERB --help') for usage.");
            return ExitCodes.Usage;
        }

        // The private PostgreSQL cluster a verb starts on demand is stopped when the verb ends (issue 14).
        Hosting.EmbeddedCluster.BeginScope();
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A user never gets a stack trace: one line saying what failed; the type helps support find it.
            await error.WriteLineAsync($"recallfiles: {ex.GetType().Name}: {ex.Message}");
            return ExitCodes.Failed;
        }
        finally
        {
            await Hosting.EmbeddedCluster.StopStartedAsync();
        }
    }
}
