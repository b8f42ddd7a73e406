using RecallFiles.Scheduler.Cli;

namespace RecallFiles.Tests.Infrastructure;

/// <summary>
/// Runs the command line in-process with <c>environment</c> set for the call and restored after it, as the verbs read
/// their configuration from the process environment (callers are <c>[DoNotParallelize]</c>).
/// </summary>
internal static class CliRunner
{
    public static async Task<(int Exit, string Out, string Err)> RunAsync(IReadOnlyDictionary<string, string?> environment, string[] args, CancellationToken cancellationToken = default)
    {
        var saved = environment.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        foreach (var (k, v) in environment)
        {
            Environment.SetEnvironmentVariable(k, v);
        }

        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var exit = await RecallFilesCli.RunAsync(args, output, error, cancellationToken);
            return (exit, output.ToString(), error.ToString());
        }
        finally
        {
            foreach (var (k, v) in saved)
            {
                Environment.SetEnvironmentVariable(k, v);
            }
        }
    }
}
