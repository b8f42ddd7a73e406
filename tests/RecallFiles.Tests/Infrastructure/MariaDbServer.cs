using MySqlConnector;

namespace RecallFiles.Tests.Infrastructure;

/// <summary>
/// A private MariaDB server (Debian's mariadb-server) on a free 127.0.0.1 port, in a temp folder.
/// As root it runs as the mysql user, which mariadbd requires. One per test assembly is plenty:
/// tests create their own databases.
/// </summary>
internal sealed class MariaDbServer : IAsyncDisposable
{
    public const string ServerPath = "/usr/sbin/mariadbd";
    public const string InstallDbPath = "/usr/bin/mariadb-install-db";

    private readonly ServerProcess _process;

    private MariaDbServer(string directory, int port, ServerProcess process)
    {
        WorkDirectory = directory;
        Port = port;
        _process = process;
    }

    public string WorkDirectory { get; }

    public int Port { get; }

    /// <summary>The administrator's connection string (root without a password, loopback only).</summary>
    public string RootConnectionString => $"Server=127.0.0.1;Port={Port};User ID=root;Password=;SslMode=None;AllowPublicKeyRetrieval=true";

    private static bool IsRoot => Environment.UserName == "root";

    public static async Task<MariaDbServer> StartAsync()
    {
        if (!File.Exists(ServerPath) || !File.Exists(InstallDbPath))
        {
            throw new InvalidOperationException($"MariaDB is not installed ({ServerPath}); run scripts/install-test-deps.sh (apt-get install mariadb-server)");
        }

        var directory = Directory.CreateTempSubdirectory("rf-mariadb-").FullName;
        var data = Path.Combine(directory, "data");
        var user = IsRoot ? "mysql" : Environment.UserName;
        if (IsRoot)
        {
            await ServerProcess.RunToolAsync("chown", "-R", "mysql:mysql", directory);
        }

        await ServerProcess.RunToolAsync(InstallDbPath, "--no-defaults", $"--datadir={data}", $"--user={user}", "--auth-root-authentication-method=normal",
            "--skip-test-db", "--skip-name-resolve");
        var port = Ports.FreeTcpPort();
        var process = new ServerProcess(ServerPath,
        [
            "--no-defaults", $"--datadir={data}", $"--socket={Path.Combine(directory, "mysqld.sock")}", $"--port={port}",
            "--bind-address=127.0.0.1", $"--user={user}", $"--pid-file={Path.Combine(directory, "mysqld.pid")}", "--skip-log-bin",
            "--innodb-buffer-pool-size=128M", "--innodb-flush-log-at-trx-commit=0", "--skip-name-resolve", "--max-connections=200",
        ], "ready for connections");
        await process.StartAsync(TimeSpan.FromSeconds(60));
        return new MariaDbServer(directory, port, process);
    }

    /// <summary>Creates a fresh database and returns a connection string for it as root.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new MySqlConnection(RootConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"DROP DATABASE IF EXISTS `{name}`; CREATE DATABASE `{name}` CHARACTER SET utf8mb4";
        await command.ExecuteNonQueryAsync();
        return $"{RootConnectionString};Database={name}";
    }

    /// <summary>Creates a least-privilege user that may only SELECT in <paramref name="database"/>; returns its connection string.</summary>
    public async Task<string> CreateReadOnlyUserAsync(string database, string user, string password)
    {
        await using var connection = new MySqlConnection(RootConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            DROP USER IF EXISTS '{user}'@'127.0.0.1';
            CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}';
            GRANT SELECT ON `{database}`.* TO '{user}'@'127.0.0.1';
            """;
        await command.ExecuteNonQueryAsync();
        return $"Server=127.0.0.1;Port={Port};User ID={user};Password={password};Database={database};SslMode=None;AllowPublicKeyRetrieval=true";
    }

    public ValueTask DisposeAsync()
    {
        _process.Kill();
        Directory.Delete(WorkDirectory, recursive: true);
        return ValueTask.CompletedTask;
    }
}
