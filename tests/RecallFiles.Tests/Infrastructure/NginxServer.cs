using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RecallFiles.Tests.Infrastructure;

/// <summary>
/// A real nginx (Debian package <c>nginx</c>) terminating TLS on 127.0.0.1 with a self-signed certificate made here, and
/// proxying to an upstream the way docs/deployment.md tells operators to: the client's Host, and
/// X-Forwarded-For / X-Forwarded-Proto.
/// </summary>
internal sealed class NginxServer : IDisposable
{
    private readonly Process _process;

    private NginxServer(Process process, int port, string folder)
    {
        _process = process;
        Port = port;
        Folder = folder;
    }

    public int Port { get; }

    public string Folder { get; }

    public string BaseUrl => $"https://127.0.0.1:{Port}";

    public static async Task<NginxServer> StartAsync(string upstream, CancellationToken cancellationToken)
    {
        const string binary = "/usr/sbin/nginx";
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException("nginx is not installed: run scripts/install-test-deps.sh (apt-get install nginx)");
        }

        var folder = Directory.CreateTempSubdirectory("rf-nginx-").FullName;
        await LoopbackCertificate.WriteAsync(folder, cancellationToken);

        var port = Ports.FreeTcpPort();
        var user = Environment.UserName == "root" ? "user root root;" : "";
        await File.WriteAllTextAsync(Path.Combine(folder, "nginx.conf"), $$"""
            {{user}}
            daemon off;
            master_process on;
            worker_processes 1;
            pid {{folder}}/nginx.pid;
            error_log {{folder}}/error.log warn;
            events { worker_connections 64; }
            http {
              access_log {{folder}}/access.log;
              client_body_temp_path {{folder}}/body;
              proxy_temp_path {{folder}}/proxy;
              fastcgi_temp_path {{folder}}/fastcgi;
              uwsgi_temp_path {{folder}}/uwsgi;
              scgi_temp_path {{folder}}/scgi;
              server {
                listen 127.0.0.1:{{port}} ssl;
                ssl_certificate {{folder}}/cert.pem;
                ssl_certificate_key {{folder}}/key.pem;
                location / {
                  proxy_pass {{upstream}};
                  proxy_set_header Host $host;
                  proxy_set_header X-Forwarded-For $remote_addr;
                  proxy_set_header X-Forwarded-Proto $scheme;
                }
              }
            }
            """, cancellationToken);
        var info = new ProcessStartInfo(binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-p", folder, "-c", Path.Combine(folder, "nginx.conf") })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        var server = new NginxServer(process, port, folder);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"nginx exited with {process.ExitCode}: {await process.StandardError.ReadToEndAsync(cancellationToken)}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port, cancellationToken);
                return server;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
        _process.Dispose();
    }
}
