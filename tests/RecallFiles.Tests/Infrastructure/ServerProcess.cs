using System.Collections.Concurrent;
using System.Diagnostics;

namespace RecallFiles.Tests.Infrastructure;

/// <summary>
/// A server process started by a test: its output lines are kept, it can be killed with everything it forked (sshd
/// forks one process per session) and started again with the same command line.
/// </summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly ProcessStartInfo _startInfo;
    private readonly string _readyText;
    private readonly ConcurrentQueue<string> _lines = new();
    private Process? _process;

    public ServerProcess(string fileName, IEnumerable<string> arguments, string readyText)
    {
        _startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            _startInfo.ArgumentList.Add(argument);
        _readyText = readyText;
    }

    public IReadOnlyCollection<string> Lines => _lines;

    public bool IsRunning => _process is { HasExited: false };

    public int CountLines(string text) => _lines.Count(l => l.Contains(text, StringComparison.Ordinal));

    public async Task StartAsync(TimeSpan timeout)
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = _startInfo, EnableRaisingEvents = true };
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
                return;
            _lines.Enqueue(e.Data);
            if (e.Data.Contains(_readyText, StringComparison.Ordinal))
                ready.TrySetResult();
        };
        process.OutputDataReceived += onLine;
        process.ErrorDataReceived += onLine;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException(
            $"{_startInfo.FileName} exited before it was ready:\n{string.Join('\n', _lines.TakeLast(20))}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        try
        {
            await ready.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Kill();
            throw new InvalidOperationException($"{_startInfo.FileName} was not ready within {timeout}:\n{string.Join('\n', _lines.TakeLast(20))}");
        }
    }

    /// <summary>SIGKILL the server and every process it forked; returns once they are gone.</summary>
    public void Kill()
    {
        if (_process is null)
            return;
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
        _process = null;
    }

    public void Dispose() => Kill();

    /// <summary>Runs a tool and returns its standard output; throws with its output when it fails.</summary>
    public static async Task<string> RunToolAsync(string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await stderr}{await stdout}");
        return await stdout;
    }
}
