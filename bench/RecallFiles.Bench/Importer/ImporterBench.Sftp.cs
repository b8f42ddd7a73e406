using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace RecallFiles.Bench.Importer;

internal static partial class ImporterBench
{
    /// <summary>Many small files from many practices through a real OpenSSH sshd on 127.0.0.1; returns files per second.</summary>
    private static async Task<double> SftpAsync(NpgsqlDataSource dataSource, string dll, string work, string connectionString, int practices, int perPractice)
    {
        var ssh = Path.Combine(work, "sshd");
        var root = Path.Combine(ssh, "root");
        Directory.CreateDirectory(root);
        var hostKey = Path.Combine(ssh, "host_ed25519");
        var clientKey = Path.Combine(ssh, "client_ed25519");
        await Timed("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey], work);
        await Timed("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", clientKey], work);
        File.Copy(clientKey + ".pub", Path.Combine(ssh, "authorized_keys"));
        var fingerprint = (await Timed("ssh-keygen", ["-l", "-E", "sha256", "-f", hostKey + ".pub"], work)).Output.Split(' ')[1];
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        if (Environment.UserName == "root")
        {
            Directory.CreateDirectory("/run/sshd");
        }

        var config = Path.Combine(ssh, "sshd_config");
        await File.WriteAllLinesAsync(config,
        [
            $"Port {port.ToString(CultureInfo.InvariantCulture)}", "ListenAddress 127.0.0.1", $"HostKey {hostKey}",
            $"AuthorizedKeysFile {Path.Combine(ssh, "authorized_keys")}", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password", "Subsystem sftp internal-sftp", "StrictModes no", "UsePAM no", "UseDNS no",
            "MaxStartups 100", "MaxSessions 100", $"PidFile {Path.Combine(ssh, "sshd.pid")}",
        ]);
        using var sshd = Process.Start(new ProcessStartInfo("/usr/sbin/sshd") { ArgumentList = { "-D", "-e", "-f", config }, RedirectStandardError = true, UseShellExecute = false })!;
        var ready = new TaskCompletionSource();
        sshd.ErrorDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Server listening", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        sshd.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(20));
        try
        {
            var ids = Enumerable.Range(0, practices).Select(p => $"S{p:D4}").ToArray();
            await MirrorPracticesAsync(dataSource, ids);
            foreach (var (id, p) in ids.Select((id, p) => (id, p)))
            {
                var folder = Path.Combine(root, id, "appointments");
                Directory.CreateDirectory(folder);
                for (var f = 0; f < perPractice; f++)
                {
                    // Each file on its own day (08:00-12:59), stamped 18:00 the evening before: a snapshot covers its window from
                    // its stamp on, so a later file's window starts after every row of the earlier ones (no removals, no holds).
                    var day = new DateTime(2026, 11, 23).AddDays(f);
                    var text = new StringBuilder(Header).Append("\r\n");
                    for (var r = 0; r < 300; r++)
                    {
                        text.Append(CultureInfo.InvariantCulture,
                            $"{id}-{f}-{r},{day:dd/MM/yyyy},{8 + r / 60:D2}:{r % 60:D2},,+34 6{p:D4}{r:D4},p{r}@example.org,DDS{r % 5},Dr. R{r % 5},,,L1,Main\r\n");
                    }

                    var path = Path.Combine(folder, $"APPOINTMENTS_{id}_{day.AddHours(-6):yyyyMMdd'T'HHmmss'Z'}.csv");
                    await File.WriteAllTextAsync(path, text.ToString());
                    File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-10).AddSeconds(f));
                }
            }

            var settings = Path.Combine(work, "sftp.json");
            WriteConfig(settings, work, connectionString,
                new { Kind = "Sftp", Host = "127.0.0.1", Port = port, UserName = Environment.UserName, PrivateKeyPath = clientKey, HostKeySha256 = new[] { fingerprint }, RootPath = root, MinFileAge = "00:00:00" },
                ids.ToDictionary(id => id, _ => (object)new { TimeZone = "UTC", WindowAhead = "30.00:00:00" }));
            Console.Error.WriteLine($"sftp: {practices * perPractice} files ready");
            var (seconds, _) = await Timed("dotnet", [dll, "import", "--once", "--config", settings], work);
            await Expect(dataSource, "SELECT count(*) FROM batches WHERE state = 'applied' AND remote_done", practices * perPractice);
            await Expect(dataSource, "SELECT count(*) FROM appointments", practices * perPractice * 300L);
            Console.Error.WriteLine($"  sftp: {seconds:0.0} s");
            return practices * perPractice / seconds;
        }
        finally
        {
            sshd.Kill(entireProcessTree: true);
            await sshd.WaitForExitAsync();
        }
    }

    private static async Task MirrorPracticesAsync(NpgsqlDataSource dataSource, string[] ids) =>
        await RecallFiles.Importer.Practices.PracticeStore.MirrorAsync(dataSource,
            ids.Select(id => new RecallFiles.Importer.Practices.PracticeOptions { Id = id, WindowAhead = TimeSpan.FromDays(30) }));
}
