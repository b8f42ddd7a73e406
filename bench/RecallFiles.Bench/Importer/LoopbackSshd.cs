using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace RecallFiles.Bench.Importer;

/// <summary>
/// A real OpenSSH sshd on 127.0.0.1 for the benches: fresh host and client keys under <c>{work}/sshd</c>, key login only,
/// internal-sftp; <see cref="DropBox"/> is the drop box settings (Kind Sftp, host key pinned) for files under <see cref="Root"/>.
/// </summary>
internal sealed class LoopbackSshd : IAsyncDisposable
{
    private readonly Process _process;

    private LoopbackSshd(Process process, int port, string root, string clientKey, string fingerprint)
    {
        _process = process;
        Port = port;
        Root = root;
        ClientKey = clientKey;
        Fingerprint = fingerprint;
    }

    public int Port { get; }

    /// <summary>The local folder the drop box's RootPath points at.</summary>
    public string Root { get; }

    public string ClientKey { get; }

    public string Fingerprint { get; }

    /// <summary>The sshd process (its CPU: <see cref="ImporterBench.CpuSeconds"/>).</summary>
    public int ProcessId => _process.Id;

    /// <summary>The drop box settings (<c>RecallFiles:DropBoxes:{name}</c>) for this server.</summary>
    public object DropBox(string minFileAge) => new
    {
        Kind = "Sftp", Host = "127.0.0.1", Port, UserName = Environment.UserName, PrivateKeyPath = ClientKey,
        HostKeySha256 = new[] { Fingerprint }, RootPath = Root, MinFileAge = minFileAge,
    };

    public static async Task<LoopbackSshd> StartAsync(string work)
    {
        var ssh = Path.Combine(work, "sshd");
        var root = Path.Combine(ssh, "root");
        Directory.CreateDirectory(root);
        var hostKey = Path.Combine(ssh, "host_ed25519");
        var clientKey = Path.Combine(ssh, "client_ed25519");
        await ImporterBench.Timed("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey], work);
        await ImporterBench.Timed("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", clientKey], work);
        File.Copy(clientKey + ".pub", Path.Combine(ssh, "authorized_keys"));
        var fingerprint = (await ImporterBench.Timed("ssh-keygen", ["-l", "-E", "sha256", "-f", hostKey + ".pub"], work)).Output.Split(' ')[1];
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        if (Environment.UserName == "root")
        {
            Directory.CreateDirectory("/run/sshd");
        }

        var config = Path.Combine(ssh, "sshd_config");
        await File.WriteAllLinesAsync(config,
        [
            $"Port {port.ToString(CultureInfo.InvariantCulture)}", "ListenAddress 127.0.0.1", $"HostKey {hostKey}",
            $"AuthorizedKeysFile {Path.Combine(ssh, "authorized_keys")}", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password", "Subsystem sftp internal-sftp", "StrictModes no", "UsePAM no", "UseDNS no",
            "MaxStartups 100", "MaxSessions 100", $"PidFile {Path.Combine(ssh, "sshd.pid")}",
        ]);
        var sshd = Process.Start(new ProcessStartInfo("/usr/sbin/sshd") { ArgumentList = { "-D", "-e", "-f", config }, RedirectStandardError = true, UseShellExecute = false })!;
        var ready = new TaskCompletionSource();
        sshd.ErrorDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Server listening", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        sshd.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch
        {
            sshd.Kill(entireProcessTree: true);
            sshd.Dispose();
            throw;
        }

        return new LoopbackSshd(sshd, port, root, clientKey, fingerprint);
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
