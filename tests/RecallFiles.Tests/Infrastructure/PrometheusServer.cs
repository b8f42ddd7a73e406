using System.Globalization;
using System.Text.Json;

namespace RecallFiles.Tests.Infrastructure;

/// <summary>
/// A real Prometheus (Debian package <c>prometheus</c>) on 127.0.0.1 and a free port, scraping one target every second
/// with a bearer token; its data folder is a temp folder, deleted with the server.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    public const string Binary = "/usr/bin/prometheus";

    private readonly ServerProcess _process;
    private readonly HttpClient _http;

    private PrometheusServer(string directory, int port, ServerProcess process)
    {
        WorkDirectory = directory;
        Port = port;
        _process = process;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    public int Port { get; }

    public string WorkDirectory { get; }

    /// <summary>Starts Prometheus scraping <paramref name="target"/> (host:port) at <paramref name="path"/> with <paramref name="bearer"/>.</summary>
    public static async Task<PrometheusServer> StartAsync(string target, string path, string bearer)
    {
        if (!File.Exists(Binary))
            throw new InvalidOperationException("prometheus is missing: run scripts/install-test-deps.sh (Debian package prometheus).");
        var directory = Directory.CreateTempSubdirectory("recallfiles-prometheus-").FullName;
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: recallfiles
                metrics_path: {path}
                authorization:
                  type: Bearer
                  credentials: {bearer}
                static_configs:
                  - targets: ["{target}"]
            """);
        var port = Ports.FreeTcpPort();
        var process = new ServerProcess(Binary,
            [$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory, "data")}", $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"],
            "Server is ready to receive web requests.");
        var server = new PrometheusServer(directory, port, process);
        await process.StartAsync(TimeSpan.FromSeconds(60));
        return server;
    }

    /// <summary>Runs an instant PromQL query through <c>/api/v1/query</c>; returns the result vector.</summary>
    public async Task<JsonElement> QueryAsync(string promql, CancellationToken cancellationToken)
    {
        var json = await _http.GetStringAsync(new Uri("/api/v1/query?query=" + Uri.EscapeDataString(promql), UriKind.Relative), cancellationToken);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.AreEqual("success", root.GetProperty("status").GetString(), json);
        return root.GetProperty("data").GetProperty("result").Clone();
    }

    /// <summary>Queries until the result is not empty (the first scrapes take a few seconds), or <paramref name="timeout"/>.</summary>
    public async Task<JsonElement> QueryUntilFoundAsync(string promql, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var result = await QueryAsync(promql, cancellationToken);
            if (result.GetArrayLength() > 0 || DateTime.UtcNow > until)
                return result;
            await Task.Delay(500, cancellationToken);
        }
    }

    /// <summary>The state of the scrape target as Prometheus sees it (up/down and the last error).</summary>
    public Task<string> TargetsAsync(CancellationToken cancellationToken) =>
        _http.GetStringAsync(new Uri("/api/v1/targets", UriKind.Relative), cancellationToken);

    public ValueTask DisposeAsync()
    {
        _process.Dispose();
        _http.Dispose();
        Directory.Delete(WorkDirectory, recursive: true);
        return default;
    }
}
