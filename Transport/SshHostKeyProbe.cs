using Renci.SshNet;
using Renci.SshNet.Common;

namespace RecallFiles.Transport;

/// <summary>An SSH server's host key as a client sees it before authentication.</summary>
/// <param name="KeyType">The algorithm name, e.g. <c>ssh-ed25519</c>.</param>
/// <param name="KeyLength">The key length in bits.</param>
/// <param name="Sha256">The SHA-256 fingerprint, unpadded base64 without prefix (as in <c>ssh-keygen -lf</c>).</param>
public sealed record SshHostKey(string KeyType, int KeyLength, string Sha256)
{
    /// <summary><c>SHA256:…</c>, the value for <see cref="DropBoxOptions.HostKeySha256"/>.</summary>
    public string Fingerprint => "SHA256:" + Sha256;
}

/// <summary>Reads an SSH server's host key without logging in, so IT can pin it on first setup.</summary>
public static class SshHostKeyProbe
{
    /// <summary>
    /// Connects, takes the host key the server presents to RecallFiles (the algorithm SSH.NET negotiates, so it is the
    /// key the drop box checks), refuses it and disconnects: no credentials are sent.
    /// </summary>
    public static async Task<SshHostKey> GetAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        SshHostKey? presented = null;
        var info = new ConnectionInfo(host, port, "recallfiles-hostkey", new NoneAuthenticationMethod("recallfiles-hostkey")) { Timeout = timeout };
        using var client = new SshClient(info);
        client.HostKeyReceived += (_, e) =>
        {
            presented = new SshHostKey(e.HostKeyName, e.KeyLength, e.FingerPrintSHA256);
            e.CanTrust = false;
        };
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await client.ConnectAsync(cts.Token);
        }
        catch (Exception ex) when (presented is not null && ex is SshConnectionException or SshException)
        {
            // Refusing the key ends the connection: that is how the probe stops before authentication.
            return presented;
        }
        catch (Exception ex) when (ex is SshException or System.Net.Sockets.SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new DropBoxException(DropBoxError.Network, $"Cannot read the SSH host key of {host}:{port}: {ex.Message}", ex);
        }

        // Not reached with a real server (the key is always refused); kept for a server that skips the check.
        return presented ?? throw new DropBoxException(DropBoxError.Network, $"{host}:{port} presented no SSH host key.");
    }
}
