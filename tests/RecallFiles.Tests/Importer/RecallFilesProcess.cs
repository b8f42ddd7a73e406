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

    /// <summary>
    /// <c>recallfiles import --once</c> over a Local drop box at <paramref name="dropBox"/> for <paramref name="practices"/> (UTC),
    /// with the child's peak resident memory as the kernel counts it (getrusage RUSAGE_CHILDREN of a python3 parent).
    /// </summary>
    public static async Task<(int Exit, string Output, long MaxRssKb)> RunMeasuredImportAsync(ImporterStore store, string dropBox, IReadOnlyList<string> practices, long? maxFileBytes = null)
    {
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = store.Folder };
        foreach (var a in new[] { "-c", "import resource,subprocess,sys; r=subprocess.run(sys.argv[1:]); print('MAXRSS', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(r.returncode)",
            "dotnet", Dll, "import", "--once" })
        {
            info.ArgumentList.Add(a);
        }

        info.Environment.Remove("RECALLFILES_CONFIG");
        foreach (var inherited in info.Environment.Keys.Where(k => k.StartsWith("RecallFiles__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(inherited);
        }

        info.Environment["RecallFiles__DataFolder"] = Path.Combine(store.Folder, "data");
        info.Environment["RecallFiles__Database__ConnectionString"] = store.ConnectionString;
        info.Environment["RecallFiles__Importer__ArchiveFolder"] = store.ArchiveFolder;
        info.Environment["RecallFiles__DropBoxes__default__Kind"] = "Local";
        info.Environment["RecallFiles__DropBoxes__default__RootPath"] = dropBox;
        info.Environment["RecallFiles__DropBoxes__default__MinFileAge"] = "00:00:00";
        if (maxFileBytes is { } max)
        {
            info.Environment["RecallFiles__DropBoxes__default__MaxFileBytes"] = max.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (var practice in practices)
        {
            info.Environment[$"RecallFiles__Practices__{practice}__TimeZone"] = "UTC";
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;
        var line = output.Split('\n').Last(l => l.StartsWith("MAXRSS ", StringComparison.Ordinal));
        return (process.ExitCode, output, long.Parse(line["MAXRSS ".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture));
    }
}
