using System.CommandLine;
using System.Globalization;
using RecallFiles.Transport;

namespace RecallFiles.Scheduler.Cli;

/// <summary>
/// <c>recallfiles hostkey HOST[:PORT]</c>: prints the SSH host key an SFTP server presents (type and
/// <c>SHA256:…</c>, the string <c>ssh-keygen -lf</c> prints), so IT can pin it in HostKeySha256 on first setup.
/// No credentials are sent.
/// </summary>
internal static class HostKeyCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("HOST[:PORT]") { Description = "The SFTP server, port 22 unless given ([::1]:2222 for IPv6)." };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for the server.", DefaultValueFactory = _ => 15 };
        var command = new Command("hostkey", "Print an SFTP server's host key fingerprint (SHA256:…) to pin in HostKeySha256 of the agent's (RecallFiles:Agent:Practices:{id}:DropBox) or the cloud's (RecallFiles:DropBoxes:{name}) drop box.")
        {
            target, timeout,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(target)!, parse.GetValue(timeout),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(string target, int timeoutSeconds, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!TryParse(target, out var host, out var port))
        {
            await error.WriteLineAsync($"recallfiles hostkey: '{target}' is not HOST or HOST:PORT.");
            return ExitCodes.Usage;
        }

        try
        {
            var key = await SshHostKeyProbe.GetAsync(host, port, TimeSpan.FromSeconds(Math.Max(1, timeoutSeconds)), cancellationToken);
            await output.WriteLineAsync($"{key.KeyType} {key.KeyLength.ToString(CultureInfo.InvariantCulture)} {key.Fingerprint}");
            await output.WriteLineAsync($"Pin it after checking it with the server's administrator (ssh-keygen -lf on the server's host key):");
            await output.WriteLineAsync($"  agent: RecallFiles:Agent:Practices:{{id}}:DropBox:HostKeySha256:0 = {key.Fingerprint}");
            await output.WriteLineAsync($"  cloud: RecallFiles:DropBoxes:{{name}}:HostKeySha256:0 = {key.Fingerprint}");
            return ExitCodes.Ok;
        }
        catch (DropBoxException ex)
        {
            await error.WriteLineAsync($"recallfiles hostkey: {ex.Message}");
            return ExitCodes.Failed;
        }
    }

    private static bool TryParse(string target, out string host, out int port)
    {
        port = 22;
        host = target;
        if (target.StartsWith('['))
        {
            var close = target.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
                return false;
            host = target[1..close];
            var rest = target[(close + 1)..];
            return rest.Length == 0 || (rest[0] == ':' && int.TryParse(rest[1..], NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and < 65536);
        }

        var colon = target.LastIndexOf(':');
        if (colon >= 0 && target.IndexOf(':', StringComparison.Ordinal) == colon)
        {
            host = target[..colon];
            if (!int.TryParse(target[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is <= 0 or > 65535)
                return false;
        }

        return host.Length > 0;
    }
}
