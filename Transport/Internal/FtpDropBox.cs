// FtpWebRequest and ServicePointManager are obsolete (SYSLIB0014), but they are the BCL's only FTP client and the
// product may not take a third-party one (issue 3): every use of them is in this one file.
#pragma warning disable SYSLIB0014

using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace RecallFiles.Transport.Internal;

/// <summary>
/// FTP and explicit FTPS with <see cref="FtpWebRequest"/>: passive mode, binary, TLS on control and data connections
/// (<c>AUTH TLS</c>, <c>PROT P</c>) for FTPS. The certificate must chain to a trusted CA and match the host, unless
/// <see cref="DropBoxOptions.CertificateThumbprint"/> pins it. Every request is a new control connection (.NET's
/// FtpWebRequest does not pool them). Replace-on-rename is <c>RNFR</c>/<c>RNTO</c>, which replaces the target on
/// servers that rename with rename(2) (pyftpdlib, vsftpd, ProFTPD); on a server that refuses, the target is deleted
/// first and a warning logged.
/// </summary>
internal sealed class FtpDropBox : DropBoxBase
{
    // FtpWebRequest validates certificates only through the process-wide ServicePointManager callback. It runs
    // synchronously inside the request on the calling thread's execution context, so an AsyncLocal carries each
    // drop box's own rule to it without affecting any other code.
    private static readonly AsyncLocal<CertificateCheck?> CurrentCheck = new();
    private static int s_callbackInstalled;

    private readonly string[] _root;
    private readonly CertificateCheck? _check;

    public FtpDropBox(DropBoxOptions options, TimeProvider time, ILogger logger)
        : base(options, time, logger)
    {
        _root = options.RootPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (options.Kind == DropBoxKind.Ftps)
        {
            _check = new CertificateCheck(options.CertificateThumbprint);
            InstallCallback();
        }
    }

    private string HostPort => $"{Options.Host}:{Options.EffectivePort}";

    protected override string PathOf(IReadOnlyList<string> folder, string? name = null) =>
        "/" + string.Join('/', _root.Concat(folder).Concat(name is null ? [] : [name]));

    protected override Task<IReadOnlyList<RemoteFileInfo>> ListCoreAsync(IReadOnlyList<string> folder, CancellationToken cancellationToken) =>
        RunAsync(() =>
        {
            var request = Request(folder, null, WebRequestMethods.Ftp.ListDirectoryDetails);
            using var abort = cancellationToken.Register(request.Abort);
            using var response = (FtpWebResponse)request.GetResponse();
            using var reader = new StreamReader(response.GetResponseStream(), System.Text.Encoding.UTF8);
            return FtpListParser.Parse(reader.ReadToEnd(), Time.GetUtcNow().UtcDateTime);
        });

    protected override Task WriteCoreAsync(IReadOnlyList<string> folder, string name, Stream content, CancellationToken cancellationToken) =>
        RunAsync(() =>
        {
            var request = Request(folder, name, WebRequestMethods.Ftp.UploadFile);
            using var abort = cancellationToken.Register(request.Abort);
            using (var upload = request.GetRequestStream())
            {
                content.CopyTo(upload, 1 << 16);
            }

            using var response = (FtpWebResponse)request.GetResponse();
            return true;
        });

    protected override Task ReadCoreAsync(IReadOnlyList<string> folder, string name, Stream destination, CancellationToken cancellationToken) =>
        RunAsync(() =>
        {
            var request = Request(folder, name, WebRequestMethods.Ftp.DownloadFile);
            using var abort = cancellationToken.Register(request.Abort);
            using var response = (FtpWebResponse)request.GetResponse();
            using var download = response.GetResponseStream();
            download.CopyTo(destination, 1 << 16);
            return true;
        });

    protected override Task<long?> SizeCoreAsync(IReadOnlyList<string> folder, string name, CancellationToken cancellationToken) =>
        RunAsync<long?>(() =>
        {
            var request = Request(folder, name, WebRequestMethods.Ftp.GetFileSize);
            using var abort = cancellationToken.Register(request.Abort);
            try
            {
                using var response = (FtpWebResponse)request.GetResponse();
                return response.ContentLength;
            }
            catch (WebException ex) when (ex.Response is FtpWebResponse { StatusCode: FtpStatusCode.ActionNotTakenFileUnavailable } r && !IsPermissionText(r.StatusDescription))
            {
                // 550 for SIZE: no such file (or a folder, which is not a file either).
                return null;
            }
        });

    protected override Task RenameCoreAsync(IReadOnlyList<string> fromFolder, string name, IReadOnlyList<string> toFolder, string newName, CancellationToken cancellationToken) =>
        RunAsync(() =>
        {
            var target = PathOf(toFolder, newName);
            try
            {
                Rename(fromFolder, name, target, cancellationToken);
            }
            catch (WebException ex) when (ex.Response is FtpWebResponse { StatusCode: FtpStatusCode.ActionNotTakenFileUnavailable } && Exists(toFolder, newName, cancellationToken))
            {
                // RNTO onto an existing file is refused by some servers (IIS): replace in two steps, not atomic.
                Log.NonAtomicReplace(Logger, Endpoint, target);
                Delete(toFolder, newName, cancellationToken);
                Rename(fromFolder, name, target, cancellationToken);
            }

            return true;
        });

    protected override Task<bool> DeleteCoreAsync(IReadOnlyList<string> folder, string name, CancellationToken cancellationToken) =>
        RunAsync(() =>
        {
            if (!Exists(folder, name, cancellationToken))
                return false;
            Delete(folder, name, cancellationToken);
            return true;
        });

    protected override Task EnsureFolderCoreAsync(IReadOnlyList<string> folder, CancellationToken cancellationToken) =>
        RunAsync(() =>
        {
            // Listing the root fails with 550 when it is missing: the root is configuration, never created here.
            var names = ListNames([], cancellationToken);
            for (var i = 0; i < folder.Count; i++)
            {
                var parent = folder.Take(i).ToList();
                if (i > 0)
                    names = ListNames(parent, cancellationToken);
                if (names.Contains(folder[i]))
                    continue;
                var request = Request([.. parent, folder[i]], null, WebRequestMethods.Ftp.MakeDirectory);
                using var abort = cancellationToken.Register(request.Abort);
                using var response = (FtpWebResponse)request.GetResponse();
            }

            return true;
        });

    protected override DropBoxException Translate(Exception exception, string operation, string target)
    {
        var cfg = Options.ConfigurationPath;
        var kind = Options.Kind == DropBoxKind.Ftps ? "FTPS" : "FTP";
        if (_check?.Rejected is { } rejected)
        {
            _check.Rejected = null;
            return Failure(DropBoxError.CertificateRejected,
                $"{kind} server {HostPort} presented a TLS certificate that is not trusted ({rejected.Errors}; subject {rejected.Subject}, "
                + $"SHA-1 thumbprint {rejected.Sha1}, SHA-256 {rejected.Sha256}); install a certificate signed by a trusted CA on the server, "
                + $"or, if this is the server's certificate, set {cfg}:CertificateThumbprint to {rejected.Sha1}.", exception);
        }

        if (exception is WebException { Response: FtpWebResponse response } web)
        {
            var code = (int)response.StatusCode;
            var said = response.StatusDescription?.Trim() ?? "";
            return code switch
            {
                530 or 331 or 332 => Failure(DropBoxError.AuthenticationFailed,
                    $"{kind} server {HostPort} refused user '{Options.UserName}' ({said}); check {cfg}:UserName and {cfg}:Password.", web),
                550 when IsPermissionText(said) => Failure(DropBoxError.PermissionDenied,
                    $"{kind} server {HostPort} denied {operation} of '{target}' to user '{Options.UserName}' ({said}); give that user access there.", web),
                550 when operation is "list" or "create folder" or "upload" => Failure(DropBoxError.FolderMissing,
                    $"{kind} folder of '{target}' does not exist on {HostPort} ({operation}: {said}); create it, or fix {cfg}:RootPath (now '{Options.RootPath}').", web),
                550 => Failure(DropBoxError.FileMissing, $"{kind} file '{target}' does not exist on {HostPort} ({operation}: {said}).", web),
                // 4xx replies are transient by definition (RFC 959): 421 closing, 425/426 data connection, 450/451 busy.
                >= 400 and < 500 => Failure(DropBoxError.Network, $"{kind} server {HostPort} could not {operation} '{target}' now ({code} {said}).", web),
                _ => Failure(DropBoxError.Refused, $"{kind} server {HostPort} refused {operation} of '{target}' ({code} {said}).", web),
            };
        }

        return exception switch
        {
            WebException { Status: WebExceptionStatus.Timeout } => Failure(DropBoxError.Timeout,
                $"{kind} server {HostPort} did not answer in time ({operation} of '{target}'); check the server, or raise {cfg}:OperationTimeout.", exception),
            WebException { Status: WebExceptionStatus.NameResolutionFailure } => Failure(DropBoxError.Network,
                $"{kind} host '{Options.Host}' cannot be resolved; check {cfg}:Host.", exception),
            WebException or IOException or SocketException or ObjectDisposedException => Failure(DropBoxError.Network,
                $"{kind} connection to {HostPort} failed during {operation} of '{target}': {Describe(exception)}. Check that the server is up and reachable ({cfg}:Host, {cfg}:Port).", exception),
            _ => Failure(DropBoxError.Refused, $"{kind} {operation} of '{target}' on {HostPort} failed: {exception.Message}", exception),
        };
    }

    private static string Describe(Exception exception) =>
        exception.InnerException is { } inner ? $"{exception.Message} ({inner.Message})" : exception.Message;

    private static bool IsPermissionText(string? text) =>
        text is not null && (text.Contains("permission", StringComparison.OrdinalIgnoreCase) || text.Contains("denied", StringComparison.OrdinalIgnoreCase));

    private static void InstallCallback()
    {
        if (Interlocked.Exchange(ref s_callbackInstalled, 1) != 0)
            return;
        var previous = ServicePointManager.ServerCertificateValidationCallback;
        ServicePointManager.ServerCertificateValidationCallback = (sender, certificate, chain, errors) =>
            CurrentCheck.Value is { } check
                ? check.Validate(certificate, errors)
                : previous?.Invoke(sender, certificate, chain, errors) ?? errors == SslPolicyErrors.None;
    }

    private Task<T> RunAsync<T>(Func<T> work) =>
        // FtpWebRequest's synchronous calls keep the certificate callback on this execution context (see CurrentCheck).
        Task.Run(() =>
        {
            CurrentCheck.Value = _check;
            return work();
        });

    private FtpWebRequest Request(IReadOnlyList<string> folder, string? name, string method)
    {
        var segments = _root.Concat(folder).Concat(name is null ? [] : [name]).Select(Uri.EscapeDataString);
        var host = Options.Host!.Contains(':', StringComparison.Ordinal) ? $"[{Options.Host}]" : Options.Host;
        var path = string.Join('/', segments) + (name is null && method != WebRequestMethods.Ftp.MakeDirectory ? "/" : "");
        var request = (FtpWebRequest)WebRequest.Create(new Uri($"ftp://{host}:{Options.EffectivePort.ToString(CultureInfo.InvariantCulture)}/{path}"));
        request.Method = method;
        request.Credentials = new NetworkCredential(Options.UserName, Options.Password);
        request.EnableSsl = Options.Kind == DropBoxKind.Ftps;
        request.UsePassive = true;
        request.UseBinary = true;
        request.KeepAlive = false;
        request.Proxy = null;
        request.Timeout = (int)Math.Min(int.MaxValue, Options.ConnectTimeout.TotalMilliseconds);
        request.ReadWriteTimeout = (int)Math.Min(int.MaxValue, Options.OperationTimeout.TotalMilliseconds);
        return request;
    }

    private void Rename(IReadOnlyList<string> fromFolder, string name, string target, CancellationToken cancellationToken)
    {
        var request = Request(fromFolder, name, WebRequestMethods.Ftp.Rename);
        request.RenameTo = target;
        using var abort = cancellationToken.Register(request.Abort);
        using var response = (FtpWebResponse)request.GetResponse();
    }

    private void Delete(IReadOnlyList<string> folder, string name, CancellationToken cancellationToken)
    {
        var request = Request(folder, name, WebRequestMethods.Ftp.DeleteFile);
        using var abort = cancellationToken.Register(request.Abort);
        using var response = (FtpWebResponse)request.GetResponse();
    }

    private bool Exists(IReadOnlyList<string> folder, string name, CancellationToken cancellationToken)
    {
        var request = Request(folder, name, WebRequestMethods.Ftp.GetFileSize);
        using var abort = cancellationToken.Register(request.Abort);
        try
        {
            using var response = (FtpWebResponse)request.GetResponse();
            return true;
        }
        catch (WebException ex) when (ex.Response is FtpWebResponse { StatusCode: FtpStatusCode.ActionNotTakenFileUnavailable } r && !IsPermissionText(r.StatusDescription))
        {
            return false;
        }
    }

    private HashSet<string> ListNames(IReadOnlyList<string> folder, CancellationToken cancellationToken)
    {
        var request = Request(folder, null, WebRequestMethods.Ftp.ListDirectory);
        using var abort = cancellationToken.Register(request.Abort);
        using var response = (FtpWebResponse)request.GetResponse();
        using var reader = new StreamReader(response.GetResponseStream(), System.Text.Encoding.UTF8);
        return reader.ReadToEnd().Split('\n').Select(n => n.TrimEnd('\r')).Select(n => n[(n.LastIndexOf('/') + 1)..])
            .Where(n => n.Length > 0).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>One FTPS drop box's certificate rule, and the last certificate it refused (for the message).</summary>
    private sealed class CertificateCheck(string? thumbprint)
    {
        private readonly string? _pinned = thumbprint is null ? null : Normalize(thumbprint);

        public RejectedCertificate? Rejected { get; set; }

        public bool Validate(X509Certificate? certificate, SslPolicyErrors errors)
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

        private static string Normalize(string value) =>
            new([.. value.Where(Uri.IsHexDigit)]);
    }

    private sealed record RejectedCertificate(string Subject, string Sha1, string Sha256, string Errors);
}
