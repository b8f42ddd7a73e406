using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;

namespace RecallFiles.Transport.Internal;

/// <summary>
/// FTP and explicit FTPS: passive mode, binary, TLS on control and data connections for FTPS. The certificate must
/// chain to a trusted CA and match the host, unless <see cref="DropBoxOptions.CertificateThumbprint"/> pins it. One
/// control connection, reused until it drops. Listing uses <c>MLSD</c> (exact sizes and UTC times) when the server
/// offers it, else <c>LIST</c>. Replace-on-rename is <c>RNFR</c>/<c>RNTO</c>, which replaces the target on servers that
/// rename with rename(2) (pyftpdlib, vsftpd, ProFTPD); on a server that refuses, the target is deleted first and a
/// warning logged.
/// </summary>
internal sealed class FtpDropBox : DropBoxBase
{
    private readonly CertificateCheck? _check;
    private FtpConnection? _connection;
    private string _root = "/";

    public FtpDropBox(DropBoxOptions options, TimeProvider time, ILogger logger)
        : base(options, time, logger)
    {
        if (options.Kind == DropBoxKind.Ftps)
            _check = new CertificateCheck(options.CertificateThumbprint);
    }

    private string Kind => Options.Kind == DropBoxKind.Ftps ? "FTPS" : "FTP";

    private string HostPort => $"{Options.Host}:{Options.EffectivePort}";

    protected override string PathOf(IReadOnlyList<string> folder, string? name = null)
    {
        var parts = _root.TrimEnd('/').Split('/').Concat(folder).Concat(name is null ? [] : [name]);
        var path = string.Join('/', parts);
        return path.Length == 0 ? "/" : path;
    }

    protected override async Task<IReadOnlyList<RemoteFileInfo>> ListCoreAsync(IReadOnlyList<string> folder, CancellationToken cancellationToken)
    {
        var ftp = await ConnectionAsync(cancellationToken);
        var text = new MemoryStream();
        var mlsd = ftp.SupportsMlsd;
        await ftp.TransferAsync((mlsd ? "MLSD " : "LIST ") + PathOf(folder), (data, progress) => CopyAsync(data, text, progress), cancellationToken);
        var listing = Encoding.UTF8.GetString(text.GetBuffer(), 0, (int)text.Length);
        return mlsd ? ParseMlsd(listing) : FtpListParser.Parse(listing, Time.GetUtcNow().UtcDateTime);
    }

    protected override async Task WriteCoreAsync(IReadOnlyList<string> folder, string name, Stream content, CancellationToken cancellationToken)
    {
        var ftp = await ConnectionAsync(cancellationToken);
        await ftp.TransferAsync("STOR " + PathOf(folder, name), (data, progress) => CopyAsync(content, data, progress), cancellationToken);
    }

    protected override async Task ReadCoreAsync(IReadOnlyList<string> folder, string name, Stream destination, CancellationToken cancellationToken)
    {
        var ftp = await ConnectionAsync(cancellationToken);
        await ftp.TransferAsync("RETR " + PathOf(folder, name), (data, progress) => CopyAsync(data, destination, progress), cancellationToken);
    }

    protected override async Task<long?> SizeCoreAsync(IReadOnlyList<string> folder, string name, CancellationToken cancellationToken)
    {
        var ftp = await ConnectionAsync(cancellationToken);
        var reply = await ftp.CommandAsync("SIZE " + PathOf(folder, name), cancellationToken);
        if (reply.Code == 213 && long.TryParse(reply.Text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            return size;
        if (reply.Code == 550 && !IsPermissionText(reply.Text))
            return null;
        throw new FtpReplyException("SIZE", reply);
    }

    protected override async Task RenameCoreAsync(IReadOnlyList<string> fromFolder, string name, IReadOnlyList<string> toFolder, string newName, CancellationToken cancellationToken)
    {
        var ftp = await ConnectionAsync(cancellationToken);
        var from = PathOf(fromFolder, name);
        var to = PathOf(toFolder, newName);
        var reply = await RenameAsync(ftp, from, to, cancellationToken);
        if (reply.Code == 550 && await SizeCoreAsync(toFolder, newName, cancellationToken) is not null)
        {
            // RNTO onto an existing file is refused by some servers (IIS): replace in two steps, not atomic.
            Log.NonAtomicReplace(Logger, Endpoint, to);
            FtpConnection.Expect("DELE", await ftp.CommandAsync("DELE " + to, cancellationToken), 250);
            reply = await RenameAsync(ftp, from, to, cancellationToken);
        }

        FtpConnection.Expect("RNTO", reply, 250);
    }

    protected override async Task<bool> DeleteCoreAsync(IReadOnlyList<string> folder, string name, CancellationToken cancellationToken)
    {
        var ftp = await ConnectionAsync(cancellationToken);
        if (await SizeCoreAsync(folder, name, cancellationToken) is null)
            return false;
        FtpConnection.Expect("DELE", await ftp.CommandAsync("DELE " + PathOf(folder, name), cancellationToken), 250);
        return true;
    }

    protected override async Task EnsureFolderCoreAsync(IReadOnlyList<string> folder, CancellationToken cancellationToken)
    {
        var ftp = await ConnectionAsync(cancellationToken);
        // The root is configuration: a missing root is reported, never created. CWD is harmless, paths are absolute.
        FtpConnection.Expect("CWD", await ftp.CommandAsync("CWD " + PathOf([]), cancellationToken), 250);
        for (var i = 1; i <= folder.Count; i++)
        {
            var path = PathOf(folder.Take(i).ToList());
            var made = await ftp.CommandAsync("MKD " + path, cancellationToken);
            if (made.Code == 257)
                continue;
            // Already there (or a race with another creator): fine when it is a folder we can enter.
            FtpConnection.Expect("MKD", (await ftp.CommandAsync("CWD " + path, cancellationToken)).Code == 250 ? new FtpReply(257, "") : made, 257);
        }
    }

    protected override DropBoxException Translate(Exception exception, string operation, string target)
    {
        var cfg = Options.ConfigurationPath;
        if (_check?.Rejected is { } rejected)
        {
            _check.Rejected = null;
            DropConnection();
            return Failure(DropBoxError.CertificateRejected,
                $"{Kind} server {HostPort} presented a TLS certificate that is not trusted ({rejected.Errors}; subject {rejected.Subject}, "
                + $"SHA-1 thumbprint {rejected.Sha1}, SHA-256 {rejected.Sha256}); install a certificate signed by a trusted CA on the server, "
                + $"or, if this is the server's certificate, set {cfg}:CertificateThumbprint to {rejected.Sha1}.", exception);
        }

        if (exception is FtpReplyException { Reply: var reply } ftp)
        {
            var said = reply.Text.Trim();
            if (reply.Code == 421)
                DropConnection();
            return reply.Code switch
            {
                530 or 331 or 332 => Failure(DropBoxError.AuthenticationFailed,
                    $"{Kind} server {HostPort} refused user '{Options.UserName}' ({said}); check {cfg}:UserName and {cfg}:Password.", ftp),
                550 or 553 when IsPermissionText(said) => Failure(DropBoxError.PermissionDenied,
                    $"{Kind} server {HostPort} denied {operation} of '{target}' to user '{Options.UserName}' ({said}); give that user access there.", ftp),
                _ when IsMissing(reply) && operation is "list" or "create folder" or "upload" => Failure(DropBoxError.FolderMissing,
                    $"{Kind} folder of '{target}' does not exist on {HostPort} ({operation}: {said}); create it, or fix {cfg}:RootPath (now '{Options.RootPath}').", ftp),
                _ when IsMissing(reply) => Failure(DropBoxError.FileMissing, $"{Kind} file '{target}' does not exist on {HostPort} ({operation}: {said}).", ftp),
                // 4xx replies are transient by definition (RFC 959): 421 closing, 425/426 data connection, 450/451 busy.
                >= 400 and < 500 => Failure(DropBoxError.Network, $"{Kind} server {HostPort} could not {operation} '{target}' now ({reply}).", ftp),
                _ => Failure(DropBoxError.Refused, $"{Kind} server {HostPort} refused {operation} of '{target}' ({reply}).", ftp),
            };
        }

        DropConnection();
        return exception switch
        {
            AuthenticationException => Failure(DropBoxError.Refused,
                $"TLS with {Kind} server {HostPort} failed: {exception.Message}. Check that the server offers explicit FTPS (AUTH TLS) with TLS 1.2 or 1.3, or set {cfg}:Kind.", exception),
            OperationCanceledException => Failure(DropBoxError.Timeout,
                $"{Kind} server {HostPort} did not answer in time ({operation} of '{target}'); check the server, or raise {cfg}:OperationTimeout or {cfg}:ConnectTimeout.", exception),
            SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData } => Failure(DropBoxError.Network,
                $"{Kind} host '{Options.Host}' cannot be resolved; check {cfg}:Host.", exception),
            IOException or SocketException or ObjectDisposedException => Failure(DropBoxError.Network,
                $"{Kind} connection to {HostPort} failed during {operation} of '{target}': {exception.Message}. Check that the server is up and reachable ({cfg}:Host, {cfg}:Port).", exception),
            _ => Failure(DropBoxError.Refused, $"{Kind} {operation} of '{target}' on {HostPort} failed: {exception.Message}", exception),
        };
    }

    protected override async ValueTask DisposeCoreAsync()
    {
        if (_connection is not null)
            await _connection.DisposeAsync();
        _connection = null;
    }

    private static async Task<FtpReply> RenameAsync(FtpConnection ftp, string from, string to, CancellationToken cancellationToken)
    {
        var reply = await ftp.CommandAsync("RNFR " + from, cancellationToken);
        return reply.Code == 350 ? await ftp.CommandAsync("RNTO " + to, cancellationToken) : reply;
    }

    private static async Task CopyAsync(Stream source, Stream destination, Func<CancellationToken> progress)
    {
        var buffer = new byte[1 << 16];
        while (true)
        {
            var token = progress();
            var read = await source.ReadAsync(buffer, token);
            if (read == 0)
                return;
            await destination.WriteAsync(buffer.AsMemory(0, read), token);
        }
    }

    // 550 is "file unavailable"; some servers answer 501 "No such directory" to MLSD (pyftpdlib).
    private static bool IsMissing(FtpReply reply) =>
        reply.Code == 550 || (reply.Code is >= 500 and < 600 && (reply.Text.Contains("no such", StringComparison.OrdinalIgnoreCase)
            || reply.Text.Contains("not found", StringComparison.OrdinalIgnoreCase) || reply.Text.Contains("not exist", StringComparison.OrdinalIgnoreCase)));

    private static bool IsPermissionText(string? text) =>
        text is not null && (text.Contains("permission", StringComparison.OrdinalIgnoreCase) || text.Contains("denied", StringComparison.OrdinalIgnoreCase));

    internal static IReadOnlyList<RemoteFileInfo> ParseMlsd(string listing)
    {
        var files = new List<RemoteFileInfo>();
        foreach (var raw in listing.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0)
                continue;
            var facts = line[..space].Split(';', StringSplitOptions.RemoveEmptyEntries)
                .Select(f => f.Split('=', 2)).Where(f => f.Length == 2)
                .ToDictionary(f => f[0].ToLowerInvariant(), f => f[1], StringComparer.Ordinal);
            if (!facts.TryGetValue("type", out var type) || !type.Equals("file", StringComparison.OrdinalIgnoreCase))
                continue;
            var size = facts.TryGetValue("size", out var s) ? long.Parse(s, CultureInfo.InvariantCulture) : 0;
            var modified = facts.TryGetValue("modify", out var m) && DateTime.TryParseExact(m.Split('.')[0], "yyyyMMddHHmmss",
                CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
                ? DateTime.SpecifyKind(t, DateTimeKind.Utc)
                : DateTime.MinValue;
            files.Add(new RemoteFileInfo(line[(space + 1)..], size, modified));
        }

        return files;
    }

    private void DropConnection()
    {
        if (_connection is null)
            return;
        Log.ConnectionDropped(Logger, Endpoint, "connection failed");
        // The socket is broken: dispose without waiting for a polite QUIT.
        _ = _connection.DisposeAsync().AsTask();
        _connection = null;
    }

    private async Task<FtpConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is { IsConnected: true })
            return _connection;
        if (_connection is not null)
            DropConnection();
        var connection = new FtpConnection(Options.Host!, Options.EffectivePort, Options.Kind == DropBoxKind.Ftps,
            _check is null ? null : _check.Validate, Options.OperationTimeout);
        try
        {
            await connection.ConnectAsync(Options.UserName!, Options.Password ?? "", Options.ConnectTimeout, cancellationToken);
        }
        catch (Exception)
        {
            await connection.DisposeAsync();
            throw;
        }

        _root = Options.RootPath.StartsWith('/') ? Options.RootPath
            : connection.LoginDirectory.TrimEnd('/') + "/" + Options.RootPath;
        _connection = connection;
        Log.Connected(Logger, Endpoint, connection.SupportsMlsd ? "MLSD listings" : "LIST listings");
        return connection;
    }

    /// <summary>One FTPS drop box's certificate rule, and the last certificate it refused (for the message).</summary>
    private sealed class CertificateCheck(string? thumbprint)
    {
        private readonly string? _pinned = thumbprint is null ? null : new string([.. thumbprint.Where(Uri.IsHexDigit)]);

        public RejectedCertificate? Rejected { get; set; }

        public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            if (certificate is null)
            {
                Rejected = new RejectedCertificate("no certificate", "-", "-", errors.ToString());
                return false;
            }

            var sha1 = certificate.GetCertHashString();
            var sha256 = certificate.GetCertHashString(HashAlgorithmName.SHA256);
            if (_pinned is { Length: > 0 })
            {
                // A pinned certificate replaces CA trust: it is accepted for its hash alone, self-signed or not.
                if (string.Equals(_pinned, sha1, StringComparison.OrdinalIgnoreCase) || string.Equals(_pinned, sha256, StringComparison.OrdinalIgnoreCase))
                    return true;
                Rejected = new RejectedCertificate(certificate.Subject, sha1, sha256, "its thumbprint is not the pinned one");
                return false;
            }

            if (errors == SslPolicyErrors.None)
                return true;
            Rejected = new RejectedCertificate(certificate.Subject, sha1, sha256, errors.ToString());
            return false;
        }
    }

    private sealed record RejectedCertificate(string Subject, string Sha1, string Sha256, string Errors);
}
