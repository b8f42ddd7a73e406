using System.Diagnostics;
using System.Globalization;
using RecallFiles.Transport;

namespace RecallFiles.Tests.Infrastructure;

/// <summary>
/// A real OpenSSH sshd on 127.0.0.1 and a free port, with a generated ed25519 host key and client key, serving
/// <c>Subsystem sftp internal-sftp</c>. The test user is the account running the tests (root in CI, logged in with
/// <c>PermitRootLogin prohibit-password</c>); <see cref="RootFolder"/> is an empty temp folder to use as the drop box
/// root. Kill/restart (same port, same keys) for fault tests. Needs Debian's openssh-server and openssh-client
/// (<c>scripts/install-test-deps.sh</c>).
/// </summary>
public sealed class SshdServer : IAsyncDisposable
{
    public const string SshdPath = "/usr/sbin/sshd";

    private readonly ServerProcess _process;

    private SshdServer(string directory, int port, string hostKeySha256, ServerProcess process)
    {
        WorkDirectory = directory;
        Port = port;
        HostKeySha256 = hostKeySha256;
        _process = process;
    }

    public string Host => "127.0.0.1";

    public int Port { get; }

    /// <summary>The login name: the account running the tests.</summary>
    public string UserName { get; } = Environment.UserName;

    /// <summary>Keys, config and logs live here; deleted on dispose.</summary>
    public string WorkDirectory { get; }

    /// <summary>An empty folder (absolute path) to use as the drop box root.</summary>
    public string RootFolder => Path.Combine(WorkDirectory, "root");

    /// <summary>An unencrypted ed25519 client key that the server accepts.</summary>
    public string ClientKeyPath => Path.Combine(WorkDirectory, "client_ed25519");

    public string HostKeyPath => Path.Combine(WorkDirectory, "host_ed25519");

    public string HostKeyPublicPath => HostKeyPath + ".pub";

    /// <summary>The host key's fingerprint as <c>ssh-keygen -lf</c> prints it: <c>SHA256:…</c>.</summary>
    public string HostKeySha256 { get; }

    /// <summary>A known_hosts file with the host key, for OpenSSH's own ssh/sftp clients.</summary>
    public string KnownHostsPath => Path.Combine(WorkDirectory, "known_hosts");

    /// <summary>How many TCP connections sshd accepted so far (its "Connection from" log lines).</summary>
    public int ConnectionCount => _process.CountLines("Connection from ");

    /// <summary>sshd's log (LogLevel VERBOSE).</summary>
    public IReadOnlyCollection<string> LogLines => _process.Lines;

    public bool IsRunning => _process.IsRunning;

    public static async Task<SshdServer> StartAsync()
    {
        if (!File.Exists(SshdPath))
            throw new InvalidOperationException($"{SshdPath} is missing: run scripts/install-test-deps.sh (Debian package openssh-server).");
        var directory = Directory.CreateTempSubdirectory("recallfiles-sshd-").FullName;
        Directory.CreateDirectory(Path.Combine(directory, "root"));
        var port = Ports.FreeTcpPort();
        var hostKey = Path.Combine(directory, "host_ed25519");
        await RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "recallfiles-test-host", "-f", hostKey);
        await RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "recallfiles-test-client", "-f", Path.Combine(directory, "client_ed25519"));
        File.Copy(Path.Combine(directory, "client_ed25519.pub"), Path.Combine(directory, "authorized_keys"));
        var hostPublic = (await File.ReadAllTextAsync(hostKey + ".pub")).Split(' ');
        await File.WriteAllTextAsync(Path.Combine(directory, "known_hosts"), $"[127.0.0.1]:{port} {hostPublic[0]} {hostPublic[1]}\n");
        var fingerprint = (await RunAsync("ssh-keygen", "-l", "-E", "sha256", "-f", hostKey + ".pub")).Split(' ')[1];

        // Privilege separation needs this directory when sshd runs as root; Debian creates it only at service start.
        if (Environment.UserName == "root")
            Directory.CreateDirectory("/run/sshd");
        var config = Path.Combine(directory, "sshd_config");
        await File.WriteAllLinesAsync(config,
        [
            $"Port {port.ToString(CultureInfo.InvariantCulture)}",
            "ListenAddress 127.0.0.1",
            $"HostKey {hostKey}",
            $"AuthorizedKeysFile {Path.Combine(directory, "authorized_keys")}",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password",
            "Subsystem sftp internal-sftp",
            "StrictModes no",
            "UsePAM no",
            "UseDNS no",
            "MaxStartups 100",
            "MaxSessions 100",
            "LogLevel VERBOSE",
            $"PidFile {Path.Combine(directory, "sshd.pid")}",
        ]);
        var process = new ServerProcess(SshdPath, ["-D", "-e", "-f", config], "Server listening on");
        var server = new SshdServer(directory, port, fingerprint, process);
        await process.StartAsync(TimeSpan.FromSeconds(20));
        return server;
    }

    /// <summary>Drop box options for this server: SFTP, the client key, the pinned host key, <see cref="RootFolder"/>.</summary>
    public DropBoxOptions CreateOptions() => new()
    {
        Kind = DropBoxKind.Sftp,
        Host = Host,
        Port = Port,
        UserName = UserName,
        PrivateKeyPath = ClientKeyPath,
        HostKeySha256 = [HostKeySha256],
        RootPath = RootFolder,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        OperationTimeout = TimeSpan.FromSeconds(30),
        RetryCount = 2,
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        RetryMaxDelay = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>
    /// Generates another client key (ed25519 OpenSSH format, or RSA PEM with <paramref name="pem"/>), optionally
    /// encrypted, and authorizes it when <paramref name="authorize"/> is set. Returns the private key path.
    /// </summary>
    public async Task<string> CreateClientKeyAsync(string name, string? passphrase = null, bool pem = false, bool authorize = true)
    {
        var path = Path.Combine(WorkDirectory, name);
        string[] type = pem ? ["-t", "rsa", "-b", "2048", "-m", "PEM"] : ["-t", "ed25519"];
        await RunAsync("ssh-keygen", ["-q", .. type, "-N", passphrase ?? "", "-C", name, "-f", path]);
        if (authorize)
            await File.AppendAllTextAsync(Path.Combine(WorkDirectory, "authorized_keys"), await File.ReadAllTextAsync(path + ".pub"));
        return path;
    }

    /// <summary>Runs OpenSSH's own sftp client with a batch of commands, as a vendor's tool would.</summary>
    public Task<string> RunSftpBatchAsync(params string[] commands)
    {
        var batch = Path.Combine(WorkDirectory, $"batch-{Guid.NewGuid():N}");
        File.WriteAllLines(batch, commands);
        return RunAsync("sftp", "-q", "-b", batch, "-i", ClientKeyPath, "-P", Port.ToString(CultureInfo.InvariantCulture),
            "-o", "StrictHostKeyChecking=yes", "-o", $"UserKnownHostsFile={KnownHostsPath}", "-o", "BatchMode=yes",
            $"{UserName}@{Host}");
    }

    /// <summary>SIGKILL sshd and all its session processes: connections drop mid-transfer.</summary>
    public void Kill() => _process.Kill();

    /// <summary>Starts sshd again on the same port with the same keys.</summary>
    public async Task RestartAsync()
    {
        _process.Kill();
        await _process.StartAsync(TimeSpan.FromSeconds(20));
    }

    public ValueTask DisposeAsync()
    {
        _process.Dispose();
        Directory.Delete(WorkDirectory, recursive: true);
        return default;
    }

    /// <summary>Runs a tool and returns its standard output; throws with its output when it fails.</summary>
    internal static Task<string> RunAsync(string fileName, params string[] arguments) => ServerProcess.RunToolAsync(fileName, arguments);
}
