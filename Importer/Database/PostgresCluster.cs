using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace RecallFiles.Importer.Database;

/// <summary>How to start a private PostgreSQL cluster.</summary>
public sealed record PostgresClusterOptions
{
    /// <summary>
    /// The folder with <c>initdb</c>, <c>pg_ctl</c> and <c>postgres</c>. Default: the environment variable
    /// <c>RECALLFILES_PG_BIN</c>, else <c>pg_config --bindir</c>, else the newest <c>/usr/lib/postgresql/*/bin</c>.
    /// </summary>
    public string? BinDirectory { get; init; }

    /// <summary>The TCP port on 127.0.0.1; 0 picks a free one (and keeps it for a cluster that is already running).</summary>
    public int Port { get; init; }

    /// <summary>The database created for RecallFiles. Default <c>recallfiles</c>.</summary>
    public string Database { get; init; } = "recallfiles";

    /// <summary>
    /// Whether the cluster survives a power cut (<c>fsync</c> on). Only tests turn it off: a crash of the machine
    /// can then corrupt the cluster.
    /// </summary>
    public bool Durable { get; init; } = true;

    /// <summary>How long start-up may take. Default 60 s.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// A private PostgreSQL cluster in a data folder of its own, started from the machine's PostgreSQL binaries and
/// listening on 127.0.0.1 only (the Unix socket lives inside the data folder). The <c>recallfiles</c> host uses it
/// for its embedded default (<c>./.recallfiles/postgres</c>); the tests use it for their server. The superuser's
/// password is random, kept in <c>password</c> (mode 0600) inside the folder. When the process runs as root the
/// cluster runs as the <c>postgres</c> account (PostgreSQL refuses root) and the folder is handed to that account.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private const string SuperUser = "postgres";

    private readonly string _binDirectory;
    private readonly bool _asPostgresUser;
    private bool _stopped;

    private PostgresCluster(string folder, string binDirectory, bool asPostgresUser, int port, string password, string database)
    {
        Folder = folder;
        _binDirectory = binDirectory;
        _asPostgresUser = asPostgresUser;
        Port = port;
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = SuperUser,
            Password = password,
            Database = database,
        }.ConnectionString;
    }

    /// <summary>The folder holding the cluster (<c>pgdata/</c>), its socket, log and password.</summary>
    public string Folder { get; }

    /// <summary>The TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>True when this call started the server; false when it was already running (another process's, or a leftover).</summary>
    public bool StartedHere { get; private init; }

    /// <summary>A connection string to the RecallFiles database as the cluster's superuser.</summary>
    public string ConnectionString { get; }

    /// <summary>The server log, for error messages.</summary>
    public string LogPath => Path.Combine(Folder, "postgres.log");

    private string DataDirectory => Path.Combine(Folder, "pgdata");

    /// <summary>
    /// Creates the cluster in <paramref name="folder"/> when it does not exist yet, starts it unless it is already
    /// running, and creates the database. Throws <see cref="InvalidOperationException"/> with the fix when PostgreSQL
    /// is not installed or does not start.
    /// </summary>
    public static async Task<PostgresCluster> StartAsync(string folder, PostgresClusterOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        options ??= new PostgresClusterOptions();
        folder = Path.GetFullPath(folder);
        var bin = FindBinDirectory(options.BinDirectory);
        var asPostgres = OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess;
        Directory.CreateDirectory(folder);
        var passwordPath = Path.Combine(folder, "password");
        var dataDirectory = Path.Combine(folder, "pgdata");
        var socketDirectory = Path.Combine(folder, "socket");
        Directory.CreateDirectory(socketDirectory);
        if (asPostgres)
        {
            // PostgreSQL refuses to run as root: the cluster belongs to the postgres account.
            await RunAsync("chown", ["-R", "postgres:postgres", folder], false, cancellationToken);
            try
            {
                await RunAsync("test", ["-w", socketDirectory], true, cancellationToken);
            }
            catch (InvalidOperationException ex)
            {
                throw new InvalidOperationException(
                    $"the postgres account cannot reach {folder}: a parent folder is not open to other users (mode 0700?). " +
                    "Put the cluster under a folder every user may traverse (chmod o+x on each parent), or run RecallFiles as a non-root user.", ex);
            }
        }

        if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
            var pwFile = Path.Combine(folder, "initdb.pw");
            await File.WriteAllTextAsync(pwFile, password + "\n", cancellationToken);
            await ProtectAsync(pwFile, asPostgres, cancellationToken);
            try
            {
                await RunAsync(Path.Combine(bin, "initdb"),
                [
                    "-D", dataDirectory, "-U", SuperUser, "--pwfile", pwFile, "-E", "UTF8", "--locale", "C",
                    "--auth-local", "peer", "--auth-host", "scram-sha-256",
                ], asPostgres, cancellationToken);
            }
            finally
            {
                File.Delete(pwFile);
            }

            await File.WriteAllTextAsync(passwordPath, password + "\n", cancellationToken);
            await ProtectAsync(passwordPath, asPostgres, cancellationToken);
        }

        if (!File.Exists(passwordPath))
        {
            throw new InvalidOperationException($"{passwordPath} is missing: the cluster in {dataDirectory} was not made by RecallFiles. Move it away and start again.");
        }

        var secret = (await File.ReadAllTextAsync(passwordPath, cancellationToken)).Trim();
        var runningPort = RunningPort(dataDirectory);
        if (runningPort is { } port && await CanConnectAsync(port, secret, cancellationToken))
        {
            var existing = new PostgresCluster(folder, bin, asPostgres, port, secret, options.Database) { StartedHere = false };
            await existing.EnsureDatabaseAsync(options.Database, cancellationToken);
            return existing;
        }

        port = options.Port > 0 ? options.Port : FreePort();
        var settings = string.Join(' ',
            $"-p {port.ToString(CultureInfo.InvariantCulture)}",
            "-c listen_addresses=127.0.0.1",
            $"-c unix_socket_directories='{socketDirectory}'",
            "-c max_connections=200",
            options.Durable ? "" : "-c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        var logPath = Path.Combine(folder, "postgres.log");
        try
        {
            await RunAsync(Path.Combine(bin, "pg_ctl"),
            [
                "-D", dataDirectory, "-l", logPath, "-w", "-t", ((int)options.StartTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
                "-o", settings, "start",
            ], asPostgres, cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            var tail = File.Exists(logPath) ? string.Join('\n', File.ReadLines(logPath).TakeLast(15)) : "(no log)";
            throw new InvalidOperationException($"PostgreSQL did not start in {dataDirectory}: {ex.Message}\nLast lines of {logPath}:\n{tail}", ex);
        }

        var cluster = new PostgresCluster(folder, bin, asPostgres, port, secret, options.Database) { StartedHere = true };
        await cluster.EnsureDatabaseAsync(options.Database, cancellationToken);
        return cluster;
    }

    /// <summary>
    /// Stops the server of the cluster in <paramref name="folder"/> when one is running (a leftover of a host that was
    /// killed, say), without its password; false when none runs. Throws <see cref="InvalidOperationException"/> when it does not stop.
    /// </summary>
    public static async Task<bool> StopRunningAsync(string folder, CancellationToken cancellationToken = default)
    {
        var dataDirectory = Path.Combine(Path.GetFullPath(folder), "pgdata");
        if (!File.Exists(Path.Combine(dataDirectory, "postmaster.pid")))
        {
            return false;
        }

        var bin = FindBinDirectory();
        var asPostgres = OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess;
        // pg_ctl status: 0 running, 3 not running (a stale pid file).
        if ((await RunForExitAsync(Path.Combine(bin, "pg_ctl"), ["-D", dataDirectory, "status"], asPostgres, cancellationToken)).Exit != 0)
        {
            return false;
        }

        NpgsqlConnection.ClearAllPools();
        await RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", dataDirectory, "-m", "fast", "-w", "stop"], asPostgres, cancellationToken);
        return true;
    }

    /// <summary>Stops the cluster (fast shutdown: open sessions are ended, committed data is kept).</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        NpgsqlConnection.ClearAllPools();
        await RunAsync(Path.Combine(_binDirectory, "pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "stop"], _asPostgresUser, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>Creates a database in this cluster when it does not exist, owned by the superuser.</summary>
    public async Task EnsureDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = database } } };
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>A connection string to <paramref name="database"/> in this cluster.</summary>
    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(ConnectionString) { Database = database }.ConnectionString;

    /// <summary>Finds the PostgreSQL server binaries, or throws with the command that installs them.</summary>
    public static string FindBinDirectory(string? configured = null)
    {
        var candidates = new List<string>();
        if (!string.IsNullOrWhiteSpace(configured))
        {
            candidates.Add(configured);
        }

        if (Environment.GetEnvironmentVariable("RECALLFILES_PG_BIN") is { Length: > 0 } fromEnvironment)
        {
            candidates.Add(fromEnvironment);
        }

        if (FromPgConfig() is { } fromPgConfig)
        {
            candidates.Add(fromPgConfig);
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        }

        foreach (var candidate in candidates)
        {
            if (File.Exists(Path.Combine(candidate, "initdb")) && File.Exists(Path.Combine(candidate, "pg_ctl")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) were not found" +
            (candidates.Count > 0 ? $" in {string.Join(", ", candidates)}" : "") +
            ". Install them with 'apt-get install postgresql' (Debian/Ubuntu) or set RECALLFILES_PG_BIN to the folder holding initdb and pg_ctl.");
    }

    private static string? FromPgConfig()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // pg_config is not on PATH: fall back to the usual folders.
        }
    }

    private static int? RunningPort(string dataDirectory)
    {
        // postmaster.pid line 4 is the port (PostgreSQL's documented pid file layout).
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return null;
        }

        try
        {
            var lines = File.ReadAllLines(pidFile);
            return lines.Length > 3 && int.TryParse(lines[3], NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static async Task<bool> CanConnectAsync(int port, string password, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = SuperUser, Password = password, Database = "postgres", Pooling = false, Timeout = 5 };
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            return true;
        }
        catch (NpgsqlException)
        {
            return false; // a stale pid file: the server is not running, start it.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task ProtectAsync(string path, bool asPostgres, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (asPostgres)
        {
            await RunAsync("chown", ["postgres:postgres", path], false, cancellationToken);
        }
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, bool asPostgres, CancellationToken cancellationToken)
    {
        var (exit, stdout, stderr) = await RunForExitAsync(program, arguments, asPostgres, cancellationToken);
        if (exit != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} exited with {exit.ToString(CultureInfo.InvariantCulture)}: {stderr.Trim()} {stdout.Trim()}".Trim());
        }
    }

    private static async Task<(int Exit, string Out, string Err)> RunForExitAsync(string program, IReadOnlyList<string> arguments, bool asPostgres, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (asPostgres)
        {
            foreach (var a in (string[])["-u", "postgres", "--", program])
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await stdout, await stderr);
    }
}
