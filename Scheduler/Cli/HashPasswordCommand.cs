using System.CommandLine;
using RecallFiles.Scheduler.Dashboards;

namespace RecallFiles.Scheduler.Cli;

/// <summary>
/// <c>recallfiles dashboard-hash-password</c>: reads a password from standard input (never from the command
/// line, which lands in shell history and process lists) and prints its hash for
/// <c>RecallFiles:Dashboard:Users:N:PasswordHash</c>.
/// </summary>
internal static class HashPasswordCommand
{
    public static Command Create()
    {
        var command = new Command("dashboard-hash-password",
            "Read a dashboard password from standard input and print its PBKDF2 hash for RecallFiles:Dashboard:Users:N:PasswordHash.");
        command.SetAction(parse => Run(Console.In, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, Console.IsInputRedirected));
        return command;
    }

    internal static int Run(TextReader input, TextWriter stdout, TextWriter stderr, bool redirected)
    {
        if (!redirected)
        {
            stderr.Write("Password (input is echoed; pipe it in to avoid that): ");
        }

        var password = input.ReadLine();
        if (string.IsNullOrEmpty(password))
        {
            stderr.WriteLine("recallfiles dashboard-hash-password: no password on standard input (echo -n … | recallfiles dashboard-hash-password)");
            return ExitCodes.Usage;
        }

        if (password.Length < 12)
        {
            stderr.WriteLine("recallfiles dashboard-hash-password: use at least 12 characters");
            return ExitCodes.Usage;
        }

        stdout.WriteLine(PasswordHash.Create(password));
        return ExitCodes.Ok;
    }
}
