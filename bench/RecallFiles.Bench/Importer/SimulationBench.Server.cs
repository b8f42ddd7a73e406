using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace RecallFiles.Bench.Importer;

internal static partial class SimulationBench
{
    /// <summary>One <c>recallfiles run --role cloud</c> process with its own config, data folder and server name.</summary>
    private sealed class Server : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly int _port;

        private Server(Process process, int port, string name)
        {
            _process = process;
            _port = port;
            Name = name;
        }

        public string Name { get; }

        public int ProcessId => _process.Id;

        public static Task<Server> StartAsync(string dll, string work, string name, string connectionString, object dropBox, string pollCron, IEnumerable<string> practices)
        {
            var folder = Path.Combine(work, name);
            Directory.CreateDirectory(folder);
            var config = Path.Combine(folder, "appsettings.json");
            File.WriteAllText(config, JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["RecallFiles"] = new Dictionary<string, object>
                {
                    ["DataFolder"] = Path.Combine(folder, "data"),
                    ["Database"] = new { ConnectionString = connectionString },
                    ["Importer"] = new { ArchiveFolder = Path.Combine(folder, "archive"), MaxParallelPolls = 4, PollCron = pollCron, ServerName = name },
                    ["DropBoxes"] = new Dictionary<string, object> { ["default"] = dropBox },
                    ["Practices"] = practices.ToDictionary(id => id, _ => (object)new { TimeZone = "UTC" }),
                },
            }));
            var port = FreePort();
            var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { dll, "run", "--role", "cloud", "--urls", $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "--config", config })
            {
                info.ArgumentList.Add(a);
            }

            var process = Process.Start(info)!;
            var log = new StreamWriter(Path.Combine(folder, "console.log")) { AutoFlush = true };
            var gate = new Lock();
            void Write(string? line)
            {
                if (line is not null)
                {
                    lock (gate)
                    {
                        log.WriteLine(line);
                    }
                }
            }

            process.OutputDataReceived += (_, e) => Write(e.Data);
            process.ErrorDataReceived += (_, e) => Write(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return Task.FromResult(new Server(process, port, name));
        }

        public async Task WaitReadyAsync(TimeSpan limit)
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var until = DateTime.UtcNow + limit;
            while (true)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} (see its console.log)");
                }

                try
                {
                    using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{_port.ToString(CultureInfo.InvariantCulture)}/health/live"));
                    if ((int)response.StatusCode < 500)
                    {
                        return;
                    }
                }
                catch (HttpRequestException) when (DateTime.UtcNow < until)
                {
                    // Not listening yet.
                }
                catch (TaskCanceledException) when (DateTime.UtcNow < until)
                {
                    // Busy starting.
                }

                if (DateTime.UtcNow > until)
                {
                    throw new TimeoutException($"{Name} did not answer /health/live in {limit.TotalSeconds:0} s");
                }

                await Task.Delay(1000);
            }
        }

        /// <summary>SIGTERM (a graceful stop), then kill after 30 s.</summary>
        public async Task StopAsync()
        {
            if (_process.HasExited)
            {
                return;
            }

            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        private static int FreePort()
        {
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
