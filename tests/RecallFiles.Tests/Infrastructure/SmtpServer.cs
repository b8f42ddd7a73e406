using System.Globalization;
using System.Security.Cryptography;
using MimeKit;

namespace RecallFiles.Tests.Infrastructure;

/// <summary>
/// A real SMTP server (Debian python3-aiosmtpd, run with /usr/bin/python3) on 127.0.0.1 and a free port, with a
/// self-signed certificate (STARTTLS required, or implicit TLS) and one login; what it accepts lands in a Maildir.
/// Recipients starting with <c>reject</c> are refused with 550, with <c>busy</c> with 451.
/// </summary>
public sealed class SmtpServer : IAsyncDisposable
{
    private const string Script = """
        import ssl, sys, threading
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Mailbox
        from aiosmtpd.smtp import AuthResult, LoginPassword

        port, maildir, user, password, cert, key, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7]

        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=ok, handled=False)

        class Handler(Mailbox):
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address.startswith("reject"):
                    return "550 5.1.1 mailbox unavailable: " + address
                if address.startswith("busy"):
                    return "451 4.3.0 try again later"
                envelope.rcpt_tos.append(address)
                return "250 OK"

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        if mode == "tls":
            controller = Controller(Handler(maildir), hostname="127.0.0.1", port=port, ssl_context=context,
                                    authenticator=authenticate, auth_required=True, auth_require_tls=False)
        else:
            controller = Controller(Handler(maildir), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                                    authenticator=authenticate, auth_required=True)
        controller.start()
        print("ready", flush=True)
        threading.Event().wait()
        """;

    private readonly ServerProcess _process;

    private SmtpServer(string directory, int port, string password, string thumbprint, ServerProcess process)
    {
        WorkDirectory = directory;
        Port = port;
        Password = password;
        CertificateThumbprint = thumbprint;
        _process = process;
    }

    public int Port { get; }

    public string UserName => "recallfiles";

    public string Password { get; }

    public string WorkDirectory { get; }

    public string CertificateThumbprint { get; }

    public static async Task<SmtpServer> StartAsync(bool implicitTls = false)
    {
        if (!File.Exists(FtpServer.PythonPath) || !Directory.Exists("/usr/lib/python3/dist-packages/aiosmtpd"))
            throw new InvalidOperationException("python3-aiosmtpd is missing: run scripts/install-test-deps.sh (Debian package python3-aiosmtpd).");
        var directory = Directory.CreateTempSubdirectory("recallfiles-smtp-").FullName;
        var script = Path.Combine(directory, "smtp_server.py");
        await File.WriteAllTextAsync(script, Script);
        var thumbprint = await LoopbackCertificate.WriteAsync(directory);
        var port = Ports.FreeTcpPort();
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        var process = new ServerProcess(FtpServer.PythonPath,
            [script, port.ToString(CultureInfo.InvariantCulture), Path.Combine(directory, "maildir"), "recallfiles", password,
             Path.Combine(directory, "cert.pem"), Path.Combine(directory, "key.pem"), implicitTls ? "tls" : "starttls"], "ready");
        var server = new SmtpServer(directory, port, password, thumbprint, process);
        await process.StartAsync(TimeSpan.FromSeconds(20));
        return server;
    }

    /// <summary>The messages the server accepted, oldest first.</summary>
    public IReadOnlyList<MimeMessage> Messages()
    {
        var folder = Path.Combine(WorkDirectory, "maildir", "new");
        return !Directory.Exists(folder) ? [] :
            [.. Directory.EnumerateFiles(folder).Select(f => (File: f, Time: File.GetLastWriteTimeUtc(f))).OrderBy(f => f.Time).ThenBy(f => f.File, StringComparer.Ordinal)
                .Select(f => MimeMessage.Load(f.File))];
    }

    public ValueTask DisposeAsync()
    {
        _process.Dispose();
        Directory.Delete(WorkDirectory, recursive: true);
        return default;
    }
}
