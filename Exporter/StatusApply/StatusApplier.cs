using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using RecallFiles.Schemas;
using RecallFiles.Transport;

namespace RecallFiles.Exporter.StatusApply;

/// <summary>What happened to one status file.</summary>
/// <param name="FileName">The status file.</param>
/// <param name="ResultName">The result file uploaded for it (null for a duplicate whose result was uploaded before).</param>
/// <param name="Counts">Result rows by code.</param>
/// <param name="Duplicate">True when the same bytes had been applied before: nothing was applied again.</param>
/// <param name="FileError">Why the whole file was rejected (moved to failed/), or null.</param>
public sealed record StatusFileOutcome(string FileName, string? ResultName, IReadOnlyDictionary<StatusResultCode, int> Counts, bool Duplicate, string? FileError)
{
    /// <summary>One line for the CLI and the logs.</summary>
    public override string ToString() => FileError is not null
        ? $"{FileName}: REJECTED ({FileError}) -> {ResultName}"
        : Duplicate && ResultName is null
            ? $"{FileName}: duplicate of a file already applied; nothing applied again"
            : $"{FileName}: {string.Join(", ", StatusResultCodes.WireNames.Select((n, i) => $"{n} {Counts.GetValueOrDefault((StatusResultCode)i)}"))}{(Duplicate ? " (from the ledger)" : "")} -> {ResultName}";
}

/// <summary>The outcome of one run of one practice.</summary>
public sealed record StatusApplyRun(string PracticeId, IReadOnlyList<StatusFileOutcome> Files, IReadOnlyList<string> Waiting);

/// <summary>
/// The PMS side of issue 6. Per practice: list <c>status/</c> with the safe-pickup rules (one <see cref="SafePickup"/>
/// per practice for the life of this instance) → download a local copy, SHA-256 → file ledger: bytes applied before are
/// not applied again → validate (Schemas) → apply every row in ONE PMS transaction (savepoint per row) → row ledger and
/// the result file in the agent's SQLite → upload <c>STATUS_RESULT_…</c> atomically to <c>results/</c> → only then move the
/// status file to <c>status/processed/</c>. Each step is recorded before the next, so a crash anywhere is finished by the
/// next run without writing a row twice (docs/status.md). Keep one instance per process; runs of one practice must not
/// overlap (the Hangfire job has DisableConcurrentExecution).
/// </summary>
public sealed class StatusApplier(StatusLedger ledger, TimeProvider time, ILogger logger)
{
    private readonly Dictionary<string, SafePickup> _pickups = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Test hook: called with a step name (after-download, after-pms-commit, after-ledger, after-result-upload); throwing simulates a crash there.</summary>
    internal Action<string>? FaultAt { get; set; }

    internal static IStatusTarget CreateTarget(PracticeExportOptions practice, TimeProvider time) => practice.Source switch
    {
        SourceKind.OpenDental => new OpenDentalStatusTarget(practice, time),
        _ => new GenericSqlStatusTarget(practice),
    };

    /// <summary>
    /// Applies the status files waiting for <paramref name="practice"/>. With <paramref name="once"/>, files that are
    /// not yet stable are waited for (at most MinFileAge, then listed again), so a manual run sees what is there.
    /// <paramref name="workFolder"/> holds the local copies while a file is being applied.
    /// </summary>
    public async Task<StatusApplyRun> RunAsync(PracticeExportOptions practice, string workFolder, bool once, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(practice);
        var options = practice.Status;
        var dropBoxOptions = practice.DropBox ?? throw new StatusApplyException(
            $"practice {practice.PracticeId}: no drop box configured (RecallFiles:Agent:Practices:N:DropBox); the status applier reads its status/ folder");
        await using var dropBox = DropBoxFactory.Create(dropBoxOptions, time, logger);
        await dropBox.EnsureFolderAsync(options.StatusFolder, cancellationToken);

        SafePickup pickup;
        lock (_gate)
        {
            if (!_pickups.TryGetValue(practice.PracticeId, out pickup!))
            {
                _pickups[practice.PracticeId] = pickup = new SafePickup(dropBoxOptions, time);
            }
        }

        var result = pickup.Evaluate(await dropBox.ListAsync(options.StatusFolder, cancellationToken));
        if (once && result.Waiting.Count > 0 && !dropBoxOptions.RequireDoneFile)
        {
            // A manual run: the files were seen now for the first time (or are still changing); wait until they can have
            // been stable for MinFileAge and look again. Files still changing then are left for the next run.
            await Task.Delay(dropBoxOptions.MinFileAge + TimeSpan.FromMilliseconds(200), time, cancellationToken);
            result = pickup.Evaluate(await dropBox.ListAsync(options.StatusFolder, cancellationToken));
        }

        foreach (var rejected in result.Rejected)
        {
            logger.LogWarning("status applier {Practice}: {File} is never opened: {Reason}", practice.PracticeId, FileNameRules.Printable(rejected.Name), rejected.Reason);
        }

        var files = new List<StatusFileOutcome>();
        // Oldest status first: by the time stamp in the name, then the name.
        foreach (var file in result.Eligible.OrderBy(f => ContractFileName.TryParse(f.Name, out var n, out _) ? n!.Timestamp : DateTimeOffset.MaxValue).ThenBy(f => f.Name, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var outcome = await ProcessAsync(dropBox, practice, file, workFolder, cancellationToken);
            pickup.Forget(file.Name);
            logger.LogInformation("status applier {Practice}: {Outcome}", practice.PracticeId, outcome);
            files.Add(outcome);
        }

        return new StatusApplyRun(practice.PracticeId, files, result.Waiting.Select(w => w.Name).ToList());
    }

    private async Task<StatusFileOutcome> ProcessAsync(IDropBox dropBox, PracticeExportOptions practice, RemoteFileInfo file, string workFolder, CancellationToken cancellationToken)
    {
        var options = practice.Status;
        var local = Path.Combine(workFolder, practice.PracticeId, file.Name);
        Directory.CreateDirectory(Path.GetDirectoryName(local)!);
        await dropBox.DownloadToFileAsync(options.StatusFolder, file.Name, local, cancellationToken);
        string sha;
        await using (var stream = File.OpenRead(local))
        {
            sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
        }

        FaultAt?.Invoke("after-download");
        var entry = ledger.Find(practice.PracticeId, sha);
        var duplicate = false;
        if (entry is { State: StatusFileState.Archived })
        {
            // The same bytes again (dropped twice, or replayed): applied once already. Archive this copy; the result was
            // uploaded the first time.
            await ArchiveAsync(dropBox, options.StatusFolder, file.Name, options.ProcessedFolder, cancellationToken);
            File.Delete(local);
            return new StatusFileOutcome(file.Name, null, new Dictionary<StatusResultCode, int>(), true, null);
        }

        string? fileError = null;
        if (entry is null or { State: StatusFileState.Applying })
        {
            entry = ledger.Begin(practice.PracticeId, sha, file.Name, ResultName(practice.PracticeId, file.Name), time.GetUtcNow());
            fileError = await ApplyAsync(practice, entry, local, cancellationToken);
            entry = ledger.Find(practice.PracticeId, sha)!;
            FaultAt?.Invoke("after-ledger");
        }
        else
        {
            duplicate = true;   // applied before, result or archive step not finished: finish them from the ledger
            fileError = entry.Error;
        }

        if (entry.State < StatusFileState.ResultUploaded)
        {
            await dropBox.EnsureFolderAsync(options.ResultsFolder, cancellationToken);
            using (var content = new MemoryStream(entry.Result!))
            {
                await dropBox.UploadAsync(options.ResultsFolder, entry.ResultName, content, cancellationToken);
            }

            if (practice.DropBox!.RequireDoneFile)
            {
                await dropBox.UploadAsync(options.ResultsFolder, entry.ResultName + FileNameRules.DoneSuffix, new MemoryStream([]), cancellationToken);
            }

            ledger.Advance(practice.PracticeId, sha, StatusFileState.ResultUploaded, time.GetUtcNow());
            FaultAt?.Invoke("after-result-upload");
        }

        if (fileError is not null)
        {
            await dropBox.EnsureFolderAsync(options.FailedFolder, cancellationToken);
            using (var reason = new MemoryStream(Encoding.UTF8.GetBytes(fileError + "\r\n")))
            {
                await dropBox.UploadAsync(options.FailedFolder, file.Name + ".error.txt", reason, cancellationToken);
            }

            await ArchiveAsync(dropBox, options.StatusFolder, file.Name, options.FailedFolder, cancellationToken);
        }
        else
        {
            await ArchiveAsync(dropBox, options.StatusFolder, file.Name, options.ProcessedFolder, cancellationToken);
        }

        ledger.Advance(practice.PracticeId, sha, StatusFileState.Archived, time.GetUtcNow());
        File.Delete(local);
        return new StatusFileOutcome(file.Name, entry.ResultName, Count(entry.Result!), duplicate, fileError);
    }

    private static Dictionary<StatusResultCode, int> Count(byte[] result)
    {
        using var reader = ContractReader.OpenStatusResults(new MemoryStream(result), "result");
        return reader.ReadRows().GroupBy(r => r.Record.ParsedResult ?? StatusResultCode.Error).ToDictionary(g => g.Key, g => g.Count());
    }

    /// <summary>
    /// The result file answering a status file carries the status file's time stamp, so the cloud knows which status
    /// file it answers (and a re-run writes the same name). A status file without a contract name gets the time it was
    /// first seen (kept in the ledger).
    /// </summary>
    private string ResultName(string practiceId, string statusName)
    {
        var stamp = ContractFileName.TryParse(statusName, out var parsed, out _) && parsed!.Kind == FileKind.Status ? parsed.Timestamp : time.GetUtcNow();
        return ContractFileName.Create(FileKind.StatusResult, practiceId, stamp).ToString();
    }

    /// <summary>Validates and applies one file; returns the file error, or null. Records rows and the result in the ledger.</summary>
    private async Task<string?> ApplyAsync(PracticeExportOptions practice, StatusFileEntry entry, string local, CancellationToken cancellationToken)
    {
        var fileName = entry.FileName;
        var results = new List<StatusResultRecord>();
        var ledgerRows = new List<StatusRowEntry>();
        string? fileError = null;

        // The practice a file belongs to is the folder it was found in; a name saying another practice (or another kind) is refused.
        if (ContractFileName.TryParse(fileName, out var name, out _) && (name!.Kind != FileKind.Status || !string.Equals(name.PracticeId, practice.PracticeId, StringComparison.Ordinal)))
        {
            fileError = $"the file name says {name.Kind.ToName()} of practice {name.PracticeId}, but it was found in the status folder of practice {practice.PracticeId}; nothing applied";
        }

        List<ContractRow<StatusRecord>> rows = [];
        if (fileError is null)
        {
            try
            {
                await using var stream = File.OpenRead(local);
                using var reader = ContractReader.OpenStatus(stream, fileName);
                rows = reader.ReadRows(cancellationToken).ToList();
            }
            catch (ContractFileException ex)
            {
                fileError = $"the file is not a readable status file: {ex.Message}; nothing applied";
            }
        }

        if (fileError is null)
        {
            var done = ledger.RowsOf(practice.PracticeId, fileName);
            var now = time.GetUtcNow();
            var target = CreateTarget(practice, time);
            await using (var session = await target.BeginAsync(cancellationToken))
            {
                foreach (var row in rows)
                {
                    var record = row.Record;
                    if (string.IsNullOrWhiteSpace(record.AppLid) || record.AppLid.Length > 50)
                    {
                        logger.LogWarning("status applier {Practice}: {File} line {Line} has no usable APP_LID and gets no result row: {Problems}",
                            practice.PracticeId, fileName, row.Line, string.Join("; ", row.Problems));
                        continue;
                    }

                    if (row.Problems.Any(p => p.Code == ProblemCodes.DuplicateKey))
                    {
                        // The first row of this APP_LID answers for it; a second result row would make the result file invalid.
                        logger.LogWarning("status applier {Practice}: {File} line {Line} repeats APP_LID {AppLid}; ignored", practice.PracticeId, fileName, row.Line, record.AppLid);
                        continue;
                    }

                    RowOutcome outcome;
                    if (done.TryGetValue(record.AppLid, out var earlier))
                    {
                        // The row ledger: this file name's row was applied before (a replayed file): never written twice.
                        results.Add(new StatusResultRecord { AppLid = record.AppLid, Result = earlier.Result, Message = earlier.Message });
                        continue;
                    }

                    if (!row.IsValid || record.ParsedStatus is not { } status)
                    {
                        var problems = string.Join("; ", row.Problems.Where(p => p.Severity == ProblemSeverity.Error).Select(p => $"{p.Column}: {p.Message}"));
                        outcome = RowOutcome.Error($"invalid row (line {row.Line.ToString(CultureInfo.InvariantCulture)}): {problems}; nothing applied");
                    }
                    else
                    {
                        outcome = await session.ApplyAsync(record, status, fileName, cancellationToken);
                    }

                    var message = Truncate(outcome.Message);
                    results.Add(new StatusResultRecord { AppLid = record.AppLid, Result = outcome.Code.ToWire(), Message = message });
                    ledgerRows.Add(new StatusRowEntry(fileName, record.AppLid, record.Status, outcome.Code.ToWire(), message, now));
                }

                await session.CommitAsync(cancellationToken);
            }

            FaultAt?.Invoke("after-pms-commit");
        }

        using var buffer = new MemoryStream();
        using (var writer = ContractWriter.ForStatusResults(buffer, leaveOpen: true))
        {
            writer.WriteAll(results);
        }

        ledger.Complete(practice.PracticeId, entry.Sha256, fileName, ledgerRows, buffer.ToArray(), fileError, time.GetUtcNow());
        if (fileError is not null)
        {
            logger.LogWarning("status applier {Practice}: {File} rejected: {Reason}", practice.PracticeId, fileName, fileError);
        }

        return fileError;
    }

    private static string Truncate(string message) => message.Length <= 4000 ? message : message[..4000];

    private static async Task ArchiveAsync(IDropBox dropBox, string fromFolder, string name, string toFolder, CancellationToken cancellationToken)
    {
        await dropBox.EnsureFolderAsync(toFolder, cancellationToken);
        try
        {
            await dropBox.MoveAsync(fromFolder, name, toFolder, name, cancellationToken);
        }
        catch (DropBoxException ex) when (ex.Error == DropBoxError.FileMissing)
        {
            // Moved by an earlier run that crashed before recording it, or removed by someone: either way it left the inbox.
        }
    }
}
