using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace RecallFiles.Transport.Internal;

/// <summary>
/// SFTP with SSH.NET. One connection, opened on first use and reused by every operation until it drops; the next
/// operation after a drop reconnects. The host key is checked against the pinned fingerprints before authentication.
/// Replace-on-rename uses OpenSSH's <c>posix-rename@openssh.com</c> extension.
/// </summary>
internal sealed class SftpDropBox : DropBoxBase
{
    private readonly HashSet<string> _pinned;
    private readonly string _root;
    private SftpClient? _client;
    private PrivateKeyFile? _key;
    private PresentedHostKey? _presented;

    public SftpDropBox(DropBoxOptions options, TimeProvider time, ILogger logger)
        : base(options, time, logger)
    {
        _pinned = new HashSet<string>(options.HostKeySha256.Select(HostKeyFingerprint.Normalize).Where(f => f.Length > 0), StringComparer.Ordinal);
        _root = options.RootPath.Length > 1 ? options.RootPath.TrimEnd('/') : options.RootPath;
    }

    private string HostPort => $"{Options.Host}:{Options.EffectivePort}";

    protected override string PathOf(IReadOnlyList<string> folder, string? name = null)
    {
        var parts = new List<string>(folder.Count + 2);
        if (_root.Length > 0 && _root != "/")
            parts.Add(_root);
        parts.AddRange(folder);
        if (name is not null)
            parts.Add(name);
        var path = string.Join('/', parts);
        return _root == "/" ? "/" + path : path.Length == 0 ? "." : path;
    }

    protected override async Task<IReadOnlyList<RemoteFileInfo>> ListCoreAsync(IReadOnlyList<string> folder, CancellationToken cancellationToken)
    {
        var client = await ClientAsync(cancellationToken);
        var files = new List<RemoteFileInfo>();
        await foreach (var entry in client.ListDirectoryAsync(PathOf(folder), cancellationToken))
        {
            // READDIR's attributes describe the entry itself (lstat), so a link shows as a link, never as its target.
            if (entry.IsRegularFile || entry.IsSymbolicLink)
                files.Add(new RemoteFileInfo(entry.Name, entry.Length, entry.LastWriteTimeUtc, entry.IsSymbolicLink));
        }

        return files;
    }

    protected override async Task WriteCoreAsync(IReadOnlyList<string> folder, string name, Stream content, CancellationToken cancellationToken)
    {
        var client = await ClientAsync(cancellationToken);
        await RefuseLinkAsync(client, folder, name, cancellationToken);
        await client.UploadFileAsync(content, PathOf(folder, name), canOverride: true, uploadProgress: null, cancellationToken);
    }

    protected override async Task ReadCoreAsync(IReadOnlyList<string> folder, string name, Stream destination, CancellationToken cancellationToken)
    {
        var client = await ClientAsync(cancellationToken);
        await RefuseLinkAsync(client, folder, name, cancellationToken);
        await client.DownloadFileAsync(PathOf(folder, name), destination, cancellationToken);
    }

    protected override async Task<long?> SizeCoreAsync(IReadOnlyList<string> folder, string name, CancellationToken cancellationToken)
    {
        var client = await ClientAsync(cancellationToken);
        try
        {
            var attributes = await client.GetAttributesAsync(PathOf(folder, name), cancellationToken);
            return attributes.IsRegularFile ? attributes.Size : null;
        }
        catch (SftpPathNotFoundException)
        {
            return null;
        }
    }

    protected override async Task RenameCoreAsync(IReadOnlyList<string> fromFolder, string name, IReadOnlyList<string> toFolder, string newName, CancellationToken cancellationToken)
    {
        var client = await ClientAsync(cancellationToken);
        var from = PathOf(fromFolder, name);
        var to = PathOf(toFolder, newName);
        await RefuseLinkAsync(client, fromFolder, name, cancellationToken);
        await RefuseLinkAsync(client, toFolder, newName, cancellationToken);
        try
        {
            // SFTP v3 RENAME fails when the target exists; the OpenSSH extension replaces it atomically (rename(2)).
            client.RenameFile(from, to, isPosix: true);
        }
        catch (NotSupportedException)
        {
            // A server without posix-rename@openssh.com: replace in two steps and say that it is not atomic.
            if (await client.ExistsAsync(to, cancellationToken))
            {
                Log.NonAtomicReplace(Logger, Endpoint, to);
                await client.DeleteFileAsync(to, cancellationToken);
            }

            await client.RenameFileAsync(from, to, cancellationToken);
        }
    }

    protected override async Task<bool> DeleteCoreAsync(IReadOnlyList<string> folder, string name, CancellationToken cancellationToken)
    {
        var client = await ClientAsync(cancellationToken);
        await RefuseLinkAsync(client, folder, name, cancellationToken);
        try
        {
            await client.DeleteFileAsync(PathOf(folder, name), cancellationToken);
            return true;
        }
        catch (SftpPathNotFoundException)
        {
            return false;
        }
    }

    protected override async Task EnsureFolderCoreAsync(IReadOnlyList<string> folder, CancellationToken cancellationToken)
    {
        var client = await ClientAsync(cancellationToken);
        var root = PathOf([]);
        if (!await client.ExistsAsync(root, cancellationToken))
            throw new SftpPathNotFoundException(root);
        for (var i = 1; i <= folder.Count; i++)
        {
            var path = PathOf(folder.Take(i).ToList());
            if (!await client.ExistsAsync(path, cancellationToken))
                await client.CreateDirectoryAsync(path, cancellationToken);
        }
    }

    // SSH.NET sends every path through the server's REALPATH first, which follows a symbolic link, and the server's own
    // open follows one too: a download, an upload, a rename or a delete of a link would act on its target — another
    // practice's file, say (issue 13). The folder's listing (READDIR: the entries' own attributes) says what a name is;
    // a link is refused. What is left is the moment between that listing and the operation: docs/security.md says how
    // to stop tenants from making links at all (internal-sftp -P symlink,hardlink).
    private async Task RefuseLinkAsync(SftpClient client, IReadOnlyList<string> folder, string name, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var entry in client.ListDirectoryAsync(PathOf(folder), cancellationToken))
            {
                if (entry.Name == name)
                {
                    if (entry.IsSymbolicLink)
                        throw new NoFollow.LinkRefusedException(PathOf(folder, name));
                    return;
                }
            }
        }
        catch (SftpPathNotFoundException)
        {
            // No folder, so no link in it: the operation itself reports the missing folder as it always does.
        }
    }

    protected override DropBoxException Translate(Exception exception, string operation, string target)
    {
        var cfg = Options.ConfigurationPath;
        switch (exception)
        {
            case NoFollow.LinkRefusedException:
                return Failure(DropBoxError.Refused,
                    $"'{target}' on {HostPort} is a symbolic link and is never followed ({operation}); remove it, and stop tenants from making links ({cfg}).", exception);
            case SftpPathNotFoundException when operation is "list" or "upload" or "create folder":
                return Failure(DropBoxError.FolderMissing,
                    $"SFTP folder of '{target}' does not exist on {HostPort} ({operation}); create it, or fix {cfg}:RootPath (now '{Options.RootPath}').", exception);
            case SftpPathNotFoundException:
                return Failure(DropBoxError.FileMissing, $"SFTP file '{target}' does not exist on {HostPort} ({operation}).", exception);
            case SftpPermissionDeniedException:
                return Failure(DropBoxError.PermissionDenied,
                    $"SFTP server {HostPort} denied {operation} of '{target}' to user '{Options.UserName}'; give that user read and write access to {Options.RootPath} on the server.", exception);
            case SshOperationTimeoutException:
                DropConnection(exception.Message);
                return Failure(DropBoxError.Timeout,
                    $"SFTP server {HostPort} did not answer within {Options.OperationTimeout.TotalSeconds:0} s ({operation} of '{target}'); check the server, or raise {cfg}:OperationTimeout.", exception);
            case SshConnectionException or SocketException or IOException or ObjectDisposedException:
                DropConnection(exception.Message);
                return Failure(DropBoxError.Network,
                    $"SFTP connection to {HostPort} failed during {operation} of '{target}': {exception.Message}. Check that the server is up and reachable ({cfg}:Host, {cfg}:Port).", exception);
            case SshException:
                return Failure(DropBoxError.Refused, $"SFTP server {HostPort} refused {operation} of '{target}': {exception.Message}.", exception);
            default:
                return Failure(DropBoxError.Refused, $"SFTP {operation} of '{target}' on {HostPort} failed: {exception.Message}", exception);
        }
    }

    protected override ValueTask DisposeCoreAsync()
    {
        if (_client is not null)
        {
            if (_client.IsConnected)
                _client.Disconnect();
            _client.Dispose();
            _client = null;
        }

        return default;
    }

    private void DropConnection(string reason)
    {
        if (_client is null)
            return;
        Log.ConnectionDropped(Logger, Endpoint, reason);
        _client.Dispose();
        _client = null;
    }

    private async Task<SftpClient> ClientAsync(CancellationToken cancellationToken)
    {
        if (_client is { IsConnected: true })
            return _client;
        if (_client is not null)
            DropConnection("the session is no longer connected");

        var methods = new List<AuthenticationMethod>();
        if (!string.IsNullOrEmpty(Options.PrivateKeyPath))
            methods.Add(new PrivateKeyAuthenticationMethod(Options.UserName!, _key ??= LoadKey()));
        if (!string.IsNullOrEmpty(Options.Password))
            methods.Add(new PasswordAuthenticationMethod(Options.UserName!, Options.Password));
        var info = new ConnectionInfo(Options.Host!, Options.EffectivePort, Options.UserName!, [.. methods])
        {
            Timeout = Options.ConnectTimeout,
        };
        PreferAesGcm(info);
        var client = new SftpClient(info);
        client.HostKeyReceived += OnHostKeyReceived;
        client.OperationTimeout = Options.OperationTimeout;
        client.BufferSize = 64 * 1024;
        client.KeepAliveInterval = Options.KeepAliveInterval > TimeSpan.Zero ? Options.KeepAliveInterval : Timeout.InfiniteTimeSpan;
        _presented = null;
        using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connectTimeout.CancelAfter(Options.ConnectTimeout);
        try
        {
            await client.ConnectAsync(connectTimeout.Token);
        }
        catch (Exception ex)
        {
            client.Dispose();
            throw TranslateConnect(ex, cancellationToken);
        }

        _client = client;
        Log.Connected(Logger, Endpoint, $"host key {_presented?.KeyType} SHA256:{_presented?.Sha256}, cipher {info.CurrentServerEncryption}");
        return client;
    }

    /// <summary>
    /// Moves AES-GCM to the front of the client's cipher preference: it runs on the BCL's hardware AES in one pass,
    /// where SSH.NET's default first choice (AES-CTR plus a separate HMAC) costs a second pass over every byte.
    /// </summary>
    private static void PreferAesGcm(ConnectionInfo info)
    {
        var all = info.Encryptions.ToList();
        info.Encryptions.Clear();
        foreach (var cipher in all.OrderBy(c => c.Key.Contains("-gcm@", StringComparison.Ordinal) ? 0 : 1))
            info.Encryptions.Add(cipher.Key, cipher.Value);
    }

    private void OnHostKeyReceived(object? sender, HostKeyEventArgs e)
    {
        var trusted = _pinned.Contains(e.FingerPrintSHA256);
        _presented = new PresentedHostKey(e.HostKeyName, e.FingerPrintSHA256, trusted);
        e.CanTrust = trusted;
    }

    private Exception TranslateConnect(Exception exception, CancellationToken cancellationToken)
    {
        var cfg = Options.ConfigurationPath;
        if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
            return exception;
        if (_presented is { Trusted: false } key)
        {
            return Failure(DropBoxError.HostKeyNotPinned,
                $"SFTP host key for {HostPort} is {key.KeyType} SHA256:{key.Sha256}, which is not pinned; if this is the server's key, "
                + $"set {cfg}:HostKeySha256 to SHA256:{key.Sha256} (check with ./recallfiles hostkey {HostPort}, or ssh-keygen -lf on the server's host key). "
                + "If the server's key did not change, someone may be intercepting the connection.", exception);
        }

        return exception switch
        {
            SshAuthenticationException => Failure(DropBoxError.AuthenticationFailed,
                $"SFTP server {HostPort} refused user '{Options.UserName}' ({exception.Message}); check {cfg}:UserName, and that the public key of "
                + $"{cfg}:PrivateKeyPath is in that user's authorized_keys on the server (or {cfg}:Password).", exception),
            OperationCanceledException or SshOperationTimeoutException => Failure(DropBoxError.Timeout,
                $"SFTP server {HostPort} did not complete the connection within {Options.ConnectTimeout.TotalSeconds:0} s; check {cfg}:Host and {cfg}:Port, or raise {cfg}:ConnectTimeout.", exception),
            SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData } => Failure(DropBoxError.Network,
                $"SFTP host '{Options.Host}' cannot be resolved; check {cfg}:Host.", exception),
            SocketException or SshConnectionException or IOException or ProxyException => Failure(DropBoxError.Network,
                $"Cannot connect to SFTP server {HostPort}: {exception.Message}. Check that the server is up and reachable ({cfg}:Host, {cfg}:Port).", exception),
            _ => Failure(DropBoxError.Refused, $"Cannot connect to SFTP server {HostPort}: {exception.Message}", exception),
        };
    }

    private PrivateKeyFile LoadKey()
    {
        var cfg = Options.ConfigurationPath;
        try
        {
            return string.IsNullOrEmpty(Options.PrivateKeyPassphrase)
                ? new PrivateKeyFile(Options.PrivateKeyPath!)
                : new PrivateKeyFile(Options.PrivateKeyPath!, Options.PrivateKeyPassphrase);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Failure(DropBoxError.Configuration, $"Cannot read the SFTP private key file {Options.PrivateKeyPath} ({ex.Message}); fix {cfg}:PrivateKeyPath.", ex);
        }
        catch (SshPassPhraseNullOrEmptyException ex)
        {
            throw Failure(DropBoxError.Configuration, $"The SFTP private key {Options.PrivateKeyPath} is encrypted; set {cfg}:PrivateKeyPassphrase.", ex);
        }
        catch (Exception ex) when (ex is SshException or ArgumentException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            // The passphrase itself is never part of the message.
            throw Failure(DropBoxError.Configuration,
                $"Cannot load the SFTP private key {Options.PrivateKeyPath}: {ex.Message}. Check the file is an OpenSSH or PEM private key and {cfg}:PrivateKeyPassphrase is its passphrase.", ex);
        }
    }

    private sealed record PresentedHostKey(string KeyType, string Sha256, bool Trusted);
}
