using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.RegularExpressions;

namespace RecallFiles.Transport.Internal;

/// <summary>An FTP reply: the three-digit code and the text (all lines).</summary>
internal sealed record FtpReply(int Code, string Text)
{
    public bool IsPositive => Code is >= 100 and < 400;

    public override string ToString() => $"{Code} {Text}";
}

/// <summary>A reply the operation did not expect; the code says whether it is transient (4xx) or permanent (5xx).</summary>
internal sealed class FtpReplyException(string command, FtpReply reply)
    : Exception($"{command} -> {reply}")
{
    public string Command { get; } = command;

    public FtpReply Reply { get; } = reply;
}

/// <summary>
/// One FTP control connection (RFC 959), optionally explicit FTPS (RFC 4217: <c>AUTH TLS</c>, <c>PBSZ 0</c>,
/// <c>PROT P</c>), with passive data connections. Written on <see cref="TcpClient"/> and <see cref="SslStream"/>
/// because .NET 10's <c>FtpWebRequest</c> does not encrypt the FTPS data connection on Linux (it returns the raw TLS
/// records of a <c>LIST</c>), see docs/transport.md. Not thread-safe: the drop box runs one operation at a time.
/// </summary>
internal sealed partial class FtpConnection : IAsyncDisposable
{
    private readonly string _host;
    private readonly int _port;
    private readonly bool _tls;
    private readonly RemoteCertificateValidationCallback? _validate;
    private readonly TimeSpan _operationTimeout;
    private TcpClient? _client;
    private Stream? _control;
    private StreamReader? _reader;

    public FtpConnection(string host, int port, bool tls, RemoteCertificateValidationCallback? validate, TimeSpan operationTimeout)
    {
        _host = host;
        _port = port;
        _tls = tls;
        _validate = validate;
        _operationTimeout = operationTimeout;
    }

    public bool IsConnected => _client is { Connected: true };

    public bool SupportsMlsd { get; private set; }

    /// <summary>The folder the server puts the user in at login (PWD), where relative paths start.</summary>
    public string LoginDirectory { get; private set; } = "/";

    public async Task ConnectAsync(string user, string password, TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(connectTimeout);
        _client = new TcpClient { NoDelay = true };
        await _client.ConnectAsync(_host, _port, timeout.Token);
        SetControl(_client.GetStream());
        Expect("connect", await ReadReplyAsync(timeout.Token), 220);
        if (_tls)
        {
            Expect("AUTH TLS", await CommandAsync("AUTH TLS", timeout.Token), 234);
            var ssl = new SslStream(_client.GetStream(), leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsClientAsync(TlsOptions(), timeout.Token);
            SetControl(ssl);
        }

        var reply = await CommandAsync("USER " + user, timeout.Token);
        if (reply.Code == 331)
            reply = await CommandAsync("PASS " + password, timeout.Token);
        Expect("login", reply, 230, 202);
        if (_tls)
        {
            Expect("PBSZ 0", await CommandAsync("PBSZ 0", timeout.Token), 200);
            Expect("PROT P", await CommandAsync("PROT P", timeout.Token), 200);
        }

        Expect("TYPE I", await CommandAsync("TYPE I", timeout.Token), 200);
        var pwd = await CommandAsync("PWD", timeout.Token);
        var quoted = pwd.Text.Split('"');
        LoginDirectory = pwd.Code == 257 && quoted.Length >= 3 ? quoted[1].Replace("\"\"", "\"", StringComparison.Ordinal) : "/";
        var features = await CommandAsync("FEAT", timeout.Token);
        SupportsMlsd = features.Code == 211 && features.Text.Contains("MLST", StringComparison.OrdinalIgnoreCase);
        if (features.Code == 211 && features.Text.Contains("UTF8", StringComparison.OrdinalIgnoreCase))
            await CommandAsync("OPTS UTF8 ON", timeout.Token);
    }

    /// <summary>Sends a command and reads its reply (no data connection).</summary>
    public async Task<FtpReply> CommandAsync(string command, CancellationToken cancellationToken)
    {
        if (command.AsSpan().IndexOfAny('\r', '\n') >= 0)
            throw new ArgumentException("An FTP command cannot contain a line break.", nameof(command));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_operationTimeout);
        var bytes = Encoding.UTF8.GetBytes(command + "\r\n");
        await _control!.WriteAsync(bytes, timeout.Token);
        await _control.FlushAsync(timeout.Token);
        return await ReadReplyAsync(timeout.Token);
    }

    /// <summary>Runs a command with a passive data connection; <paramref name="transfer"/> reads or writes it.</summary>
    public async Task TransferAsync(string command, Func<Stream, Func<CancellationToken>, Task> transfer, CancellationToken cancellationToken)
    {
        var endpoint = await PassiveAsync(cancellationToken);
        using var data = new TcpClient { NoDelay = true };
        using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            connect.CancelAfter(_operationTimeout);
            await data.ConnectAsync(endpoint, connect.Token);
        }

        var opened = await CommandAsync(command, cancellationToken);
        Expect(command, opened, 125, 150);
        var raw = data.GetStream();
        Stream stream = raw;
        SslStream? ssl = null;
        if (_tls)
        {
            ssl = new SslStream(stream, leaveInnerStreamOpen: true);
            using var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            handshake.CancelAfter(_operationTimeout);
            await ssl.AuthenticateAsClientAsync(TlsOptions(), handshake.Token);
            stream = ssl;
        }

        // Each chunk must make progress within the operation timeout: a stalled server fails, a slow one does not.
        CancellationTokenSource? stall = null;
        CancellationToken Progress()
        {
            stall?.Dispose();
            stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            stall.CancelAfter(_operationTimeout);
            return stall.Token;
        }

        try
        {
            await transfer(stream, Progress);
            if (ssl is not null)
                await ssl.ShutdownAsync(); // close_notify: the server knows the upload ended, not broke
            // Half-close and wait for the server to close its side: closing with unread bytes (its close_notify)
            // would send a reset, and a reset can discard the end of an upload the server has not read yet.
            data.Client.Shutdown(SocketShutdown.Send);
            await DrainAsync(raw, Progress());
        }
        finally
        {
            stall?.Dispose();
            if (ssl is not null)
                await ssl.DisposeAsync();
            data.Close();
        }

        var done = await ReadReplyWithTimeoutAsync(cancellationToken);
        Expect(command, done, 226, 250);
    }

    private static async Task DrainAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (await stream.ReadAsync(buffer, cancellationToken) > 0)
        {
            // Discard what is left (a TLS close_notify): only the end of the stream matters.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is null)
            return;
        try
        {
            if (_client.Connected)
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _control!.WriteAsync("QUIT\r\n"u8.ToArray(), quick.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection is going away anyway; QUIT is a courtesy.
            _ = ex;
        }
        finally
        {
            _reader?.Dispose();
            _client.Dispose();
            _client = null;
        }
    }

    public static void Expect(string command, FtpReply reply, params int[] codes)
    {
        if (!codes.Contains(reply.Code))
            throw new FtpReplyException(command, reply);
    }

    private SslClientAuthenticationOptions TlsOptions() => new()
    {
        TargetHost = _host,
        RemoteCertificateValidationCallback = _validate,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
    };

    private void SetControl(Stream stream)
    {
        _control = stream;
        _reader = new StreamReader(stream, new UTF8Encoding(false), false, 4096, leaveOpen: true);
    }

    private async Task<FtpReply> ReadReplyWithTimeoutAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_operationTimeout);
        return await ReadReplyAsync(timeout.Token);
    }

    private async Task<FtpReply> ReadReplyAsync(CancellationToken cancellationToken)
    {
        var first = await _reader!.ReadLineAsync(cancellationToken)
            ?? throw new IOException($"The FTP server {_host}:{_port} closed the connection.");
        if (first.Length < 3 || !int.TryParse(first.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var code))
            throw new IOException($"The FTP server {_host}:{_port} sent a malformed reply: {first}");
        var text = new StringBuilder(first.Length > 4 ? first[4..] : "");
        if (first.Length > 3 && first[3] == '-')
        {
            // Multi-line reply: ends with a line starting with the same code and a space.
            var end = first[..3] + " ";
            while (true)
            {
                var line = await _reader.ReadLineAsync(cancellationToken)
                    ?? throw new IOException($"The FTP server {_host}:{_port} closed the connection.");
                text.Append('\n').Append(line);
                if (line.StartsWith(end, StringComparison.Ordinal))
                    break;
            }
        }

        return new FtpReply(code, text.ToString());
    }

    private async Task<IPEndPoint> PassiveAsync(CancellationToken cancellationToken)
    {
        var remote = (IPEndPoint)_client!.Client.RemoteEndPoint!;
        if (remote.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var epsv = await CommandAsync("EPSV", cancellationToken);
            Expect("EPSV", epsv, 229);
            var m = EpsvReply().Match(epsv.Text);
            if (!m.Success)
                throw new FtpReplyException("EPSV", epsv);
            return new IPEndPoint(remote.Address, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        }

        var pasv = await CommandAsync("PASV", cancellationToken);
        Expect("PASV", pasv, 227);
        var p = PasvReply().Match(pasv.Text);
        if (!p.Success)
            throw new FtpReplyException("PASV", pasv);
        // The address in the reply is ignored: behind NAT it is often private, and connecting anywhere but the
        // server we logged in to would let a server point us at another host (FTP bounce).
        var port = int.Parse(p.Groups[5].Value, CultureInfo.InvariantCulture) * 256 + int.Parse(p.Groups[6].Value, CultureInfo.InvariantCulture);
        return new IPEndPoint(remote.Address, port);
    }

    [GeneratedRegex(@"\|\|\|(\d+)\|")]
    private static partial Regex EpsvReply();

    [GeneratedRegex(@"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)")]
    private static partial Regex PasvReply();
}
