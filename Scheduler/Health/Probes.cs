using System.Diagnostics;
using RecallFiles.Exporter;
using RecallFiles.Exporter.StatusApply;
using RecallFiles.Exporter.Sources;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Transport;

namespace RecallFiles.Scheduler.Health;

/// <summary>What a probe checks: a database, a drop box (host key and login), a folder, or Hangfire's storage.</summary>
internal enum ProbeKind
{
    /// <summary>A database: the PMS (agent) or the cloud store.</summary>
    Database,

    /// <summary>A drop box: connect, pinned host key or certificate, login.</summary>
    DropBox,

    /// <summary>A folder, local or in a drop box.</summary>
    Folder,

    /// <summary>Hangfire's job storage.</summary>
    Storage,
}

/// <summary>The outcome of one probe: one line of <c>recallfiles check</c>, one entry of <c>/health</c>.</summary>
internal sealed record ProbeResult(ProbeKind Kind, string Name, bool Ok, string Detail, TimeSpan Elapsed)
{
    /// <summary><c>OK   database DEMO-01: …</c> or <c>FAIL dropbox ACME-01: …</c>; contact data masked, no secrets.</summary>
    public override string ToString() =>
        $"{(Ok ? "OK  " : "FAIL")} {Kind.ToString().ToLowerInvariant()} {Name}: {Logging.PhiText.Mask(Detail)}";
}

/// <summary>One named check.</summary>
internal sealed record Probe(ProbeKind Kind, string Name, Func<CancellationToken, Task<string>> RunAsync)
{
    /// <summary>Runs the probe within <paramref name="timeout"/>; a failure becomes a FAIL result with the reason, never an exception.</summary>
    public async Task<ProbeResult> ExecuteAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            var detail = await RunAsync(cts.Token).WaitAsync(cts.Token);
            return new ProbeResult(Kind, Name, true, detail, watch.Elapsed);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ProbeResult(Kind, Name, false, $"no answer within {timeout.TotalSeconds:0} s", watch.Elapsed);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new ProbeResult(Kind, Name, false, Reason(ex), watch.Elapsed);
        }
    }

    private static string Reason(Exception ex) => ex switch
    {
        DropBoxException d => $"{d.Message} ({d.Error})",
        ProbeException or ExportException => ex.Message,
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };
}

/// <summary>A probe's failure with a message that already says what to fix.</summary>
internal sealed class ProbeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ProbeException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public ProbeException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>Creates the exception without a message; prefer the others.</summary>
    public ProbeException() : base("check failed")
    {
    }
}

/// <summary>
/// The probes of a configuration, shared by <c>recallfiles check</c> (every probe, one line each) and
/// <c>/health</c>. Agent: per practice its PMS database (connect and the query's or tables' shape), its drop box
/// (connect with the pinned host key, log in, list the root) and its appointments folder; the data folder.
/// Cloud probes are added by the cloud role (<see cref="ProbeCatalog.Add"/>).
/// </summary>
internal sealed class ProbeCatalog
{
    private readonly List<Probe> _probes = [];

    /// <summary>The probes, in order.</summary>
    public IReadOnlyList<Probe> Probes => _probes;

    /// <summary>Adds a probe.</summary>
    public ProbeCatalog Add(Probe probe)
    {
        _probes.Add(probe);
        return this;
    }

    /// <summary>The agent's probes for <paramref name="settings"/>.</summary>
    public static ProbeCatalog ForAgent(RecallFilesSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var catalog = new ProbeCatalog();
        catalog.Add(LocalFolder("data", settings.DataFolder, create: true));
        foreach (var practice in settings.Agent.Practices)
        {
            catalog.Add(new Probe(ProbeKind.Database, practice.PracticeId, async ct =>
            {
                await ExportRunner.CreateSource(practice).CheckAsync(ct);
                return practice.Source == SourceKind.OpenDental ? "Open Dental database reachable, tables present" : $"{practice.Provider} database reachable, query columns match the contract";
            }));
            if (practice.Status.Enabled)
            {
                // Least privilege (issue 15): the status user may write what status apply writes; the export user stays read-only.
                catalog.Add(new Probe(ProbeKind.Database, practice.PracticeId + " status apply", ct => StatusApplier.CheckAsync(practice, ct)));
            }

            if (practice.DropBox is { } dropBox)
            {
                catalog.AddDropBox(practice.PracticeId, dropBox, [practice.AppointmentsFolder], createdOnFirstUse: true);
            }
            else
            {
                catalog.Add(new Probe(ProbeKind.DropBox, practice.PracticeId,
                    _ => throw new ProbeException($"no drop box configured ({settings.Agent.KeyOf(practice.PracticeId)}:DropBox); exports cannot be uploaded")));
            }
        }

        return catalog;
    }

    /// <summary>
    /// Adds the probes of one drop box: connect and log in (listing the root, which must exist), then each of
    /// <paramref name="folders"/>. A folder the product creates on first use (appointments/) may be missing;
    /// others must exist.
    /// </summary>
    public ProbeCatalog AddDropBox(string name, DropBoxOptions options, IEnumerable<string> folders, bool createdOnFirstUse)
    {
        ArgumentNullException.ThrowIfNull(options);
        // One attempt, no backoff: check answers now; the jobs retry.
        var once = options with { RetryCount = 0, ConnectTimeout = options.ConnectTimeout > TimeSpan.FromSeconds(15) ? TimeSpan.FromSeconds(15) : options.ConnectTimeout };
        Add(new Probe(ProbeKind.DropBox, name, async ct =>
        {
            await using var dropBox = DropBoxFactory.Create(once);
            try
            {
                await dropBox.ListAsync("", ct);
            }
            catch (DropBoxException ex) when (ex.Error == DropBoxError.FolderMissing)
            {
                throw new ProbeException($"{options.Endpoint}: logged in, but the root folder '{options.RootPath}' does not exist; create it or fix {options.ConfigurationPath}:RootPath", ex);
            }

            return options.Kind == DropBoxKind.Sftp ? $"{options.Endpoint}: host key pinned, logged in" : $"{options.Endpoint}: reachable, logged in";
        }));
        foreach (var folder in folders)
        {
            Add(new Probe(ProbeKind.Folder, $"{name} {folder}", async ct =>
            {
                await using var dropBox = DropBoxFactory.Create(once);
                try
                {
                    var files = await dropBox.ListAsync(folder, ct);
                    return $"{options.Endpoint}/{folder}: {files.Count} file(s)";
                }
                catch (DropBoxException ex) when (ex.Error == DropBoxError.FolderMissing)
                {
                    if (createdOnFirstUse)
                    {
                        return $"{options.Endpoint}/{folder}: not there yet; the first upload creates it";
                    }

                    throw new ProbeException($"{options.Endpoint}/{folder}: the folder does not exist; create it on the server", ex);
                }
            }));
        }

        return this;
    }

    /// <summary>A local folder that must exist (or may be created) and be writable.</summary>
    public static Probe LocalFolder(string name, string path, bool create) => new(ProbeKind.Folder, name, _ =>
    {
        if (!Directory.Exists(path))
        {
            if (!create)
            {
                throw new ProbeException($"{path} does not exist");
            }

            Directory.CreateDirectory(path);
        }

        var probe = Path.Combine(path, $".check-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ProbeException($"{path} is not writable: {ex.Message}", ex);
        }

        return Task.FromResult($"{path} writable");
    });

    /// <summary>Runs every probe, a few at a time, keeping their order.</summary>
    public async Task<IReadOnlyList<ProbeResult>> RunAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(4);
        var tasks = _probes.Select(async p =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                return await p.ExecuteAsync(timeout, cancellationToken);
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        return await Task.WhenAll(tasks);
    }
}
