namespace RecallFiles.Transport;

/// <summary>
/// Where a drop box is and how to reach it: one per practice and direction, bound from configuration (for example
/// <c>RecallFiles:Practices:DEMO-01:DropBox</c>). Secrets (<see cref="Password"/>, <see cref="PrivateKeyPassphrase"/>)
/// come from the environment or a secret store and never appear in messages or logs.
/// </summary>
public sealed record DropBoxOptions
{
    /// <summary>The protocol. Default <see cref="DropBoxKind.Local"/>.</summary>
    public DropBoxKind Kind { get; init; } = DropBoxKind.Local;

    /// <summary>Server host name or address (SFTP, FTP, FTPS).</summary>
    public string? Host { get; init; }

    /// <summary>Server port; 0 means the protocol's default (22 for SFTP, 21 for FTP and explicit FTPS).</summary>
    public int Port { get; init; }

    /// <summary>Login name (SFTP, FTP, FTPS).</summary>
    public string? UserName { get; init; }

    /// <summary>Password (FTP, FTPS; SFTP when the server allows password authentication). A secret.</summary>
    public string? Password { get; init; }

    /// <summary>SFTP private key file, OpenSSH (<c>BEGIN OPENSSH PRIVATE KEY</c>) or PEM format.</summary>
    public string? PrivateKeyPath { get; init; }

    /// <summary>Passphrase of <see cref="PrivateKeyPath"/> when the key is encrypted. A secret.</summary>
    public string? PrivateKeyPassphrase { get; init; }

    /// <summary>
    /// The SFTP server's pinned host key fingerprints, as <c>ssh-keygen -lf</c> or <c>./recallfiles hostkey</c> print
    /// them (<c>SHA256:…</c>; the prefix is optional). A server presenting any other key is refused before
    /// authentication. Several entries allow a key rotation. Required for SFTP.
    /// </summary>
    public IReadOnlyList<string> HostKeySha256 { get; init; } = [];

    /// <summary>
    /// FTPS: the server certificate's SHA-1 thumbprint (as Windows shows it) or SHA-256 hash, hex, colons optional.
    /// When set, a certificate with this hash is accepted even if no trusted CA signed it (self-signed certificates);
    /// when empty, the certificate must chain to a trusted CA and match <see cref="Host"/>.
    /// </summary>
    public string? CertificateThumbprint { get; init; }

    /// <summary>
    /// The drop box's base folder: an absolute path on the server (SFTP), a path below the FTP login folder, or a local
    /// or UNC folder. Every folder argument of <see cref="IDropBox"/> is relative to it. It must exist.
    /// </summary>
    public string RootPath { get; init; } = "";

    /// <summary>Time allowed to open a connection and log in. Default 30 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed for one protocol request or a stalled transfer to make progress. Default 2 min.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>SFTP keep-alive interval on an idle connection; zero or negative turns it off. Default 30 s.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a transient failure (network, timeout, truncated transfer) is retried. Default 3.</summary>
    public int RetryCount { get; init; } = 3;

    /// <summary>First retry delay; later ones grow exponentially, with jitter. Default 2 s.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest retry delay. Default 1 min.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Safe pickup: a file written by someone else is eligible once its size and modification time stayed the same
    /// across listings for this long. Default 30 s.
    /// </summary>
    public TimeSpan MinFileAge { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Safe pickup: when set, a file is eligible only when a marker <c>NAME.done</c> exists beside it, and then at once.
    /// </summary>
    public bool RequireDoneFile { get; init; }

    /// <summary>
    /// Allow plain <see cref="DropBoxKind.Ftp"/>: password and files (PHI) cross the network in clear. Default false: a plain
    /// FTP drop box stops the start-up naming this key (issue 12); prefer <see cref="DropBoxKind.Ftps"/> or SFTP.
    /// </summary>
    public bool AllowInsecure { get; init; }

    /// <summary>Safe pickup: at most this many eligible files per poll, oldest first. Default 500.</summary>
    public int MaxFilesPerPoll { get; init; } = 500;

    /// <summary>
    /// The largest file taken from this drop box (default 512 MB): a larger one is refused when it is listed — moved to
    /// the inbox's <c>failed/</c> folder with a <c>NAME.error.txt</c> saying why — and never downloaded (issue 13).
    /// </summary>
    public long MaxFileBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>
    /// The configuration path these options were bound from, used in error messages to name the key to fix.
    /// Default <c>RecallFiles:DropBox</c>.
    /// </summary>
    public string ConfigurationPath { get; init; } = "RecallFiles:DropBox";

    /// <summary>The port used: <see cref="Port"/> or the protocol's default.</summary>
    public int EffectivePort => Port > 0 ? Port : Kind == DropBoxKind.Sftp ? 22 : 21;

    /// <summary>Where the drop box is, for messages and logs (no secrets): <c>sftp://user@host:22/root</c>.</summary>
    public string Endpoint => Kind == DropBoxKind.Local
        ? RootPath
        : $"{Kind.ToString().ToLowerInvariant()}://{UserName}@{Host}:{EffectivePort}{(RootPath.StartsWith('/') ? "" : "/")}{RootPath}";

    /// <summary>The problems of these options, each naming its configuration key; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        var p = ConfigurationPath;
        if (string.IsNullOrWhiteSpace(RootPath) && Kind == DropBoxKind.Local)
            problems.Add($"{p}:RootPath is required for a Local drop box (a folder or UNC path).");
        if (Kind != DropBoxKind.Local)
        {
            if (string.IsNullOrWhiteSpace(Host))
                problems.Add($"{p}:Host is required for {Kind}.");
            if (string.IsNullOrWhiteSpace(UserName))
                problems.Add($"{p}:UserName is required for {Kind}.");
            if (Port is < 0 or > 65535)
                problems.Add($"{p}:Port must be between 1 and 65535 (or 0 for the default), not {Port}.");
        }

        if (Kind == DropBoxKind.Sftp)
        {
            if (string.IsNullOrEmpty(PrivateKeyPath) && string.IsNullOrEmpty(Password))
                problems.Add($"{p}:PrivateKeyPath or {p}:Password is required for SFTP.");
            if (HostKeySha256.Count == 0 || HostKeySha256.All(string.IsNullOrWhiteSpace))
                problems.Add($"{p}:HostKeySha256 is required for SFTP: pin the server's key (./recallfiles hostkey {Host}:{EffectivePort} prints it).");
        }

        if (Kind == DropBoxKind.Ftp && !AllowInsecure)
            problems.Add($"{p}:Kind is Ftp (plain: password and files in clear); use Ftps or Sftp, or set {p}:AllowInsecure to true to accept it.");
        if (Kind is DropBoxKind.Ftp or DropBoxKind.Ftps && string.IsNullOrEmpty(Password))
            problems.Add($"{p}:Password is required for {Kind}.");
        if (ConnectTimeout <= TimeSpan.Zero)
            problems.Add($"{p}:ConnectTimeout must be positive.");
        if (OperationTimeout <= TimeSpan.Zero)
            problems.Add($"{p}:OperationTimeout must be positive.");
        if (RetryCount < 0)
            problems.Add($"{p}:RetryCount must be 0 or more.");
        if (RetryBaseDelay < TimeSpan.Zero || RetryMaxDelay < RetryBaseDelay)
            problems.Add($"{p}:RetryBaseDelay must be 0 or more and not above {p}:RetryMaxDelay.");
        if (MinFileAge < TimeSpan.Zero)
            problems.Add($"{p}:MinFileAge must be 0 or more.");
        if (MaxFilesPerPoll < 1)
            problems.Add($"{p}:MaxFilesPerPoll must be 1 or more.");
        if (MaxFileBytes < 1024)
            problems.Add($"{p}:MaxFileBytes must be 1024 or more (default 536870912, 512 MB).");
        return problems;
    }
}
