using System.Diagnostics;

namespace RecallFiles.Tests.Importer;

/// <summary>Runs the built <c>recallfiles</c> host (copied next to the tests) as a separate process, as an operator would.</summary>
internal static class RecallFilesProcess
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "recallfiles.dll");

    public static async Task<(int Exit, string Out, string Err)> RunAsync(IReadOnlyDictionary<string, string> environment, string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(Dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment.Remove("RECALLFILES_CONFIG");
        foreach (var inherited in info.Environment.Keys.Where(k => k.StartsWith("RecallFiles__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(inherited);
        }

        info.Environment.Remove(global::RecallFiles.Transport.Internal.FaultPoints.Variable);
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
