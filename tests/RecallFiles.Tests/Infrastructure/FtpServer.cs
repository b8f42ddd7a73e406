using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RecallFiles.Transport;

namespace RecallFiles.Tests.Infrastructure;

/// <summary>
/// A real FTP server (python3-pyftpdlib, run with Debian's /usr/bin/python3) on 127.0.0.1, a free port and a free
/// passive port range. With TLS (default) it is explicit FTPS with a generated self-signed certificate and requires TLS
/// on control and data connections. One user with a temp home folder (<see cref="RootFolder"/>, the FTP root "/").
/// Kill/restart (same ports, same certificate) for fault tests.
/// </summary>
public sealed class FtpServer : IAsyncDisposable
{
    public const string PythonPath = "/usr/bin/python3";

    private const string Script = """
        import logging, sys
        from pyftpdlib.authorizers import DummyAuthorizer
        from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
        from pyftpdlib.servers import FTPServer

        port, home, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
        first, last = int(sys.argv[5]), int(sys.argv[6])
        authorizer = DummyAuthorizer()
        authorizer.add_user(user, password, home, perm="elradfmwMT")
        if len(sys.argv) > 8:
            handler = TLS_FTPHandler
            handler.certfile, handler.keyfile = sys.argv[7], sys.argv[8]
            handler.tls_control_required = True
            handler.tls_data_required = True
        else:
            handler = FTPHandler
        handler.authorizer = authorizer
        handler.passive_ports = range(first, last + 1)
        handler.use_gmt_times = True
        logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
        server = FTPServer(("127.0.0.1", port), handler)
        server.max_cons = 64
        print("ready", flush=True)
        server.serve_forever()
        """;

    private readonly ServerProcess _process;

    private FtpServer(string directory, int port, bool tls, string password, string thumbprint, ServerProcess process)
    {
        WorkDirectory = directory;
        Port = port;
        Tls = tls;
        Password = password;
        CertificateThumbprint = thumbprint;
        _process = process;
    }

    public string Host => "127.0.0.1";

    public int Port { get; }

    public bool Tls { get; }

    public string UserName => "recallfiles";

    public string Password { get; }

    public string WorkDirectory { get; }

    /// <summary>The user's home: "/" on the FTP server.</summary>
    public string RootFolder => Path.Combine(WorkDirectory, "home");

    /// <summary>The self-signed certificate's SHA-1 thumbprint (hex), to pin.</summary>
    public string CertificateThumbprint { get; }

    /// <summary>How many control connections the server accepted so far.</summary>
    public int ConnectionCount => _process.CountLines("FTP session opened");

    public IReadOnlyCollection<string> LogLines => _process.Lines;

    public static async Task<FtpServer> StartAsync(bool tls = true)
    {
        if (!File.Exists(PythonPath) || !Directory.Exists("/usr/lib/python3/dist-packages/pyftpdlib"))
            throw new InvalidOperationException("python3-pyftpdlib is missing: run scripts/install-test-deps.sh (Debian packages python3-pyftpdlib, python3-openssl).");
        var directory = Directory.CreateTempSubdirectory("recallfiles-ftp-").FullName;
        Directory.CreateDirectory(Path.Combine(directory, "home"));
        var script = Path.Combine(directory, "ftp_server.py");
        await File.WriteAllTextAsync(script, Script);
        var port = Ports.FreeTcpPort();
        var passive = Ports.FreeTcpRange(20);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        List<string> arguments = [script, port.ToString(CultureInfo.InvariantCulture), Path.Combine(directory, "home"), "recallfiles", password,
            passive.ToString(CultureInfo.InvariantCulture), (passive + 19).ToString(CultureInfo.InvariantCulture)];
        var thumbprint = "";
        if (tls)
        {
            thumbprint = await LoopbackCertificate.WriteAsync(directory);
            arguments.AddRange([Path.Combine(directory, "cert.pem"), Path.Combine(directory, "key.pem")]);
        }

        var process = new ServerProcess(PythonPath, arguments, "ready");
        var server = new FtpServer(directory, port, tls, password, thumbprint, process);
        await process.StartAsync(TimeSpan.FromSeconds(20));
        return server;
    }

    /// <summary>Drop box options for this server: FTPS with the pinned certificate (or plain FTP), root "/".</summary>
    public DropBoxOptions CreateOptions() => new()
    {
        Kind = Tls ? DropBoxKind.Ftps : DropBoxKind.Ftp,
        AllowInsecure = !Tls,
        Host = Host,
        Port = Port,
        UserName = UserName,
        Password = Password,
        CertificateThumbprint = Tls ? CertificateThumbprint : null,
        RootPath = "/",
        ConnectTimeout = TimeSpan.FromSeconds(10),
        OperationTimeout = TimeSpan.FromSeconds(30),
        RetryCount = 2,
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        RetryMaxDelay = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>SIGKILL the server: connections drop mid-transfer.</summary>
    public void Kill() => _process.Kill();

    /// <summary>Starts the server again on the same ports with the same certificate and user.</summary>
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
}
