using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using RecallFiles.Transport;

namespace RecallFiles.Bench.Transport;

/// <summary>
/// <c>transport [--mb N] [--runs N]</c>: uploads and downloads an N MB file (default 200) through the SFTP drop box
/// (SSH.NET) and through OpenSSH's own sftp client, against one sshd started on 127.0.0.1, and prints MB/s and the
/// ratio SSH.NET / OpenSSH for each direction (best of the runs; connection set-up included on both sides).
/// </summary>
internal static class SftpBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var mb = IntOption(args, "--mb", 200);
        var runs = IntOption(args, "--runs", 3);
        var dir = Directory.CreateTempSubdirectory("recallfiles-bench-sftp-").FullName;
        Process? sshd = null;
        try
        {
            var port = FreePort();
            await Tool("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(dir, "host"));
            await Tool("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(dir, "client"));
            File.Copy(Path.Combine(dir, "client.pub"), Path.Combine(dir, "authorized_keys"));
            var hostPub = File.ReadAllText(Path.Combine(dir, "host.pub")).Split(' ');
            File.WriteAllText(Path.Combine(dir, "known_hosts"), $"[127.0.0.1]:{port} {hostPub[0]} {hostPub[1]}\n");
            var fingerprint = (await Tool("ssh-keygen", "-lf", Path.Combine(dir, "host.pub"))).Split(' ')[1];
            Directory.CreateDirectory("/run/sshd");
            Directory.CreateDirectory(Path.Combine(dir, "root"));
            File.WriteAllLines(Path.Combine(dir, "sshd_config"),
            [
                $"Port {port}", "ListenAddress 127.0.0.1", $"HostKey {Path.Combine(dir, "host")}",
                $"AuthorizedKeysFile {Path.Combine(dir, "authorized_keys")}", "PasswordAuthentication no",
                "PermitRootLogin prohibit-password", "Subsystem sftp internal-sftp", "StrictModes no", "UsePAM no",
                $"PidFile {Path.Combine(dir, "sshd.pid")}",
            ]);
            sshd = Process.Start(new ProcessStartInfo("/usr/sbin/sshd", ["-D", "-e", "-f", Path.Combine(dir, "sshd_config")]) { RedirectStandardError = true })!;
            for (var i = 0; i < 100 && !Listening(port); i++)
                await Task.Delay(50);

            var source = Path.Combine(dir, "source.bin");
            await using (var file = File.Create(source))
            {
                var buffer = new byte[1 << 20];
                for (var i = 0; i < mb; i++)
                {
                    RandomNumberGenerator.Fill(buffer);
                    file.Write(buffer);
                }
            }

            var options = new DropBoxOptions
            {
                Kind = DropBoxKind.Sftp, Host = "127.0.0.1", Port = port, UserName = Environment.UserName,
                PrivateKeyPath = Path.Combine(dir, "client"), HostKeySha256 = [fingerprint], RootPath = Path.Combine(dir, "root"),
            };
            string[] sftp = ["-q", "-i", Path.Combine(dir, "client"), "-P", port.ToString(CultureInfo.InvariantCulture),
                "-o", $"UserKnownHostsFile={Path.Combine(dir, "known_hosts")}", "-o", "BatchMode=yes"];
            var remote = Path.Combine(dir, "root");
            var sshNetUp = TimeSpan.MaxValue;
            var sshNetDown = TimeSpan.MaxValue;
            var opensshUp = TimeSpan.MaxValue;
            var opensshDown = TimeSpan.MaxValue;
            for (var run = 0; run < runs; run++)
            {
                var watch = Stopwatch.StartNew();
                await using (var box = DropBoxFactory.Create(options))
                await using (var input = File.OpenRead(source))
                    await box.UploadAsync("", "sshnet.bin", input);
                sshNetUp = Min(sshNetUp, watch.Elapsed);

                watch.Restart();
                await using (var box = DropBoxFactory.Create(options))
                    await box.DownloadToFileAsync("", "sshnet.bin", Path.Combine(dir, "sshnet-down.bin"));
                sshNetDown = Min(sshNetDown, watch.Elapsed);

                File.WriteAllText(Path.Combine(dir, "put"), $"put {source} {remote}/openssh.bin\n");
                watch.Restart();
                await Tool("sftp", [.. sftp, "-b", Path.Combine(dir, "put"), $"{Environment.UserName}@127.0.0.1"]);
                opensshUp = Min(opensshUp, watch.Elapsed);

                File.WriteAllText(Path.Combine(dir, "get"), $"get {remote}/openssh.bin {dir}/openssh-down.bin\n");
                watch.Restart();
                await Tool("sftp", [.. sftp, "-b", Path.Combine(dir, "get"), $"{Environment.UserName}@127.0.0.1"]);
                opensshDown = Min(opensshDown, watch.Elapsed);
            }

            Console.WriteLine($"SFTP {mb} MB on 127.0.0.1, best of {runs} (connection included):");
            Console.WriteLine($"  upload:   SSH.NET drop box {Rate(mb, sshNetUp)} MB/s, OpenSSH sftp {Rate(mb, opensshUp)} MB/s, ratio {opensshUp / sshNetUp:0.00}x");
            Console.WriteLine($"  download: SSH.NET drop box {Rate(mb, sshNetDown)} MB/s, OpenSSH sftp {Rate(mb, opensshDown)} MB/s, ratio {opensshDown / sshNetDown:0.00}x");
            return 0;
        }
        finally
        {
            if (sshd is not null)
            {
                sshd.Kill(entireProcessTree: true);
                await sshd.WaitForExitAsync();
            }

            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Rate(int mb, TimeSpan elapsed) => (mb / elapsed.TotalSeconds).ToString("0", CultureInfo.InvariantCulture);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static int IntOption(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool Listening(int port)
    {
        using var client = new System.Net.Sockets.TcpClient();
        try
        {
            client.Connect(System.Net.IPAddress.Loopback, port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private static async Task<string> Tool(string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments)
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{fileName} failed ({process.ExitCode}): {await error}");
        return await output;
    }
}
