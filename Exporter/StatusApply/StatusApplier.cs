using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using RecallFiles.Schemas;
using RecallFiles.Transport;
using RecallFiles.Transport.Internal;

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
/// The PMS side of issue 6, on the shared <see cref="Inbox"/>. Per practice the inbox lists <c>status/</c> with the
/// safe-pickup rules, oldest status first by the time stamp in the name; the claim store (<see cref="StatusClaims"/>)
/// downloads a local copy and keys it by SHA-256 in the agent's ledger, so bytes applied before are never applied again;
/// the apply step validates (Schemas), applies every row in ONE PMS transaction (savepoint per row), records rows and
/// the result file in the ledger and uploads <c>STATUS_RESULT_…</c> atomically to <c>results/</c>; only then does the
/// inbox move the status file to <c>status/processed/yyyy/MM/dd/</c> (or <c>status/failed/</c> with its reason). Each step
/// is recorded before the next, so a crash anywhere is finished by the next run without writing a row twice
/// (docs/status.md). Keep one instance per process; runs of one practice must not overlap (the Hangfire job has
/// DisableConcurrentExecution).
/// </summary>
public sealed partial class StatusApplier(StatusLedger ledger, TimeProvider time, ILogger logger)
{
    private readonly Inbox _inbox = new(time, logger);

    /// <summary>
    /// What <c>check</c> runs for a practice with status apply: the status connection (StatusConnectionString, else
    /// ConnectionString) may read what status apply looks up and write the appointment; every write is rolled back.
    /// </summary>
    public static Task<string> CheckAsync(PracticeExportOptions practice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(practice);
        return CreateTarget(practice, TimeProvider.System).CheckAsync(cancellationToken);
    }

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
            $"practice {practice.PracticeId}: no drop box configured (RecallFiles:Agent:Practices:{practice.PracticeId}:DropBox); the status applier reads its status/ folder");
        await using var dropBox = DropBoxFactory.Create(dropBoxOptions, time, logger);
        await _inbox.EnsureFolderAsync(dropBox, options.StatusFolder, cancellationToken);
        var store = new StatusClaims(ledger, practice, Path.Combine(workFolder, practice.PracticeId), time);
        var run = await _inbox.RunAsync(dropBox, dropBoxOptions, options.StatusFolder, store, (box, claim, token) => ProcessAsync(box, practice, claim, token),
            new InboxRunOptions
            {
                WaitOnce = once,
                WrittenAtomically = true, // the cloud's StatusExport: temporary name, renamed, signature first
                Sidecars = [StatusSignature.Suffix],
                // Oldest status first: by the time stamp in the name, then the name.
                FileTime = f => ContractFileName.TryParse(f.Name, out var n, out _) ? n!.Timestamp : DateTimeOffset.MaxValue,
            }, cancellationToken);

        var files = new List<StatusFileOutcome>();
        foreach (var claim in run.Finished)
        {
            Applied(logger, practice.PracticeId, claim.Outcome!.ToString());
            files.Add(claim.Outcome!);
        }

        return new StatusApplyRun(practice.PracticeId, files, [.. run.Waiting.Select(w => w.Name)]);
    }

    [LoggerMessage(LogLevel.Information, "status applier {PracticeId}: {Outcome}")]
    private static partial void Applied(ILogger logger, string practiceId, string outcome);

    [LoggerMessage(LogLevel.Warning, "status applier {PracticeId}: {FileName} line {Line} has no usable APP_LID and gets no result row: {Problems}")]
    private static partial void NoAppLid(ILogger logger, string practiceId, string fileName, long line, string problems);

    [LoggerMessage(LogLevel.Warning, "status applier {PracticeId}: {FileName} line {Line} repeats APP_LID {AppLid}; ignored")]
    private static partial void RepeatedAppLid(ILogger logger, string practiceId, string fileName, long line, string appLid);

    [LoggerMessage(LogLevel.Warning, "status applier {PracticeId}: {FileName} rejected: {Reason}")]
    private static partial void RejectedFile(ILogger logger, string practiceId, string fileName, string reason);

    /// <summary>The inbox's apply step for one status file; the outcome is kept on the claim.</summary>
    private async Task<InboxVerdict?> ProcessAsync(IDropBox dropBox, PracticeExportOptions practice, StatusClaim claim, CancellationToken cancellationToken)
    {
        var options = practice.Status;
        var entry = claim.Entry;
        if (entry is { State: StatusFileState.Archived })
        {
            // The same bytes again (dropped twice, or replayed): applied once already. Archive this copy; the result was
            // uploaded the first time.
            claim.Outcome = new StatusFileOutcome(claim.Name, null, new Dictionary<StatusResultCode, int>(), true, null);
            return InboxVerdict.Processed;
        }

        string? fileError;
        var duplicate = false;
        if (entry is null or { State: StatusFileState.Applying })
        {
            entry = ledger.Begin(practice.PracticeId, claim.Sha256, claim.Name, ResultName(practice.PracticeId, claim.Name), time.GetUtcNow());
            var unsigned = await CheckSignatureAsync(dropBox, practice, claim, cancellationToken);
            fileError = await ApplyAsync(practice, entry, claim.LocalPath, unsigned, cancellationToken);
            entry = ledger.Find(practice.PracticeId, claim.Sha256)!;
            FaultPoints.Hit(FaultPoints.AfterLedger);
        }
        else
        {
            duplicate = true;   // applied before, result or archive step not finished: finish them from the ledger
            fileError = entry.Error;
        }

        if (entry.State < StatusFileState.ResultUploaded)
        {
            await _inbox.EnsureFolderAsync(dropBox, options.ResultsFolder, cancellationToken);
            using (var content = new MemoryStream(entry.Result!))
            {
                await dropBox.UploadAsync(options.ResultsFolder, entry.ResultName, content, cancellationToken);
            }

            ledger.Advance(practice.PracticeId, claim.Sha256, StatusFileState.ResultUploaded, time.GetUtcNow());
            FaultPoints.Hit(FaultPoints.AfterResultUpload);
        }

        claim.Outcome = new StatusFileOutcome(claim.Name, entry.ResultName, Count(entry.Result!), duplicate, fileError);
        return fileError is null ? InboxVerdict.Processed : InboxVerdict.Failed(fileError);
    }

    /// <summary>
    /// With signing keys configured, why the file is refused (no sidecar, or one that matches no key), or null when it is
    /// signed (issue 13). The sidecar is read bounded: a planted 500 MB ".sig" costs nothing.
    /// </summary>
    private static async Task<string?> CheckSignatureAsync(IDropBox dropBox, PracticeExportOptions practice, StatusClaim claim, CancellationToken cancellationToken)
    {
        var keys = practice.Status.DecodedSigningKeys;
        if (keys.Count == 0)
        {
            return null;
        }

        string? sidecar = null;
        try
        {
            using var buffer = new MemoryStream();
            var length = await dropBox.DownloadAsync(practice.Status.StatusFolder, claim.Name + StatusSignature.Suffix, new BoundedStream(buffer, 1024), cancellationToken);
            sidecar = Encoding.ASCII.GetString(buffer.GetBuffer(), 0, (int)Math.Min(length, buffer.Length));
        }
        catch (DropBoxException ex) when (ex.Error == DropBoxError.FileMissing)
        {
            // No sidecar: refused below.
        }
        catch (DropBoxException ex) when (ex.InnerException is InvalidDataException { Message: BoundedStream.TooLong })
        {
            sidecar = ""; // longer than any signature: refused below as not matching
        }

        var macs = new List<byte[]>();
        foreach (var key in keys)
        {
            await using var file = File.OpenRead(claim.LocalPath);
            macs.Add(await HMACSHA256.HashDataAsync(key, file, cancellationToken));
        }

        if (StatusSignature.Matches(macs, sidecar))
        {
            return null;
        }

        var keysKey = $"RecallFiles:Agent:Practices:{practice.PracticeId}:Status:SigningKeys";
        return sidecar is null
            ? $"the file has no signature ({claim.Name}{StatusSignature.Suffix}) and this agent accepts only signed status files ({keysKey}); nothing applied"
            : $"the file's signature ({claim.Name}{StatusSignature.Suffix}) matches none of this agent's keys ({keysKey}): the file was changed or not written by the cloud; nothing applied";
    }

    /// <summary>A write-only stream that refuses more than its limit.</summary>
    private sealed class BoundedStream(Stream inner, long limit) : Stream
    {
        public const string TooLong = "longer than a signature";

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (inner.Length + count > limit)
            {
                throw new InvalidDataException(TooLong);
            }

            inner.Write(buffer, offset, count);
        }
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
    private async Task<string?> ApplyAsync(PracticeExportOptions practice, StatusFileEntry entry, string local, string? refused, CancellationToken cancellationToken)
    {
        var fileName = entry.FileName;
        var results = new List<StatusResultRecord>();
        var ledgerRows = new List<StatusRowEntry>();
        var fileError = refused;

        // The practice a file belongs to is the folder it was found in; a name saying another practice (or another kind) is refused.
        if (fileError is null && ContractFileName.TryParse(fileName, out var name, out _) && (name!.Kind != FileKind.Status || !string.Equals(name.PracticeId, practice.PracticeId, StringComparison.Ordinal)))
        {
            fileError = $"the file name says {name.Kind.ToName()} of practice {name.PracticeId}, but it was found in the status folder of practice {practice.PracticeId}; nothing applied";
        }

        List<ContractRow<StatusRecord>> rows = [];
        if (fileError is null || refused is not null)
        {
            try
            {
                await using var stream = File.OpenRead(local);
                using var reader = ContractReader.OpenStatus(stream, fileName);
                rows = reader.ReadRows(cancellationToken).ToList();
            }
            catch (ContractFileException ex)
            {
                fileError ??= $"the file is not a readable status file: {ex.Message}; nothing applied";
            }
        }

        if (refused is not null)
        {
            // Nothing is written to the PMS, but every appointment the file names is answered, so the cloud learns why.
            foreach (var row in rows.Where(r => !string.IsNullOrWhiteSpace(r.Record.AppLid) && r.Record.AppLid.Length <= 50 && r.Problems.All(p => p.Code != ProblemCodes.DuplicateKey)))
            {
                results.Add(new StatusResultRecord { AppLid = row.Record.AppLid, Result = StatusResultCode.Error.ToWire(), Message = Truncate(refused) });
            }
        }

        if (fileError is null)
        {
            var done = ledger.RowsOf(practice.PracticeId, fileName);
            var now = time.GetUtcNow();
            var days = practice.Status.ExportedWithinDays;
            var neverExported = days > 0
                ? ledger.Exported.NotExportedSince(practice.PracticeId, rows.Select(r => r.Record.AppLid).Where(l => !string.IsNullOrWhiteSpace(l) && l.Length <= 50), now.AddDays(-days))
                : new HashSet<string>();
            var target = CreateTarget(practice, time);
            await using (var session = await target.BeginAsync(cancellationToken))
            {
                foreach (var row in rows)
                {
                    var record = row.Record;
                    if (string.IsNullOrWhiteSpace(record.AppLid) || record.AppLid.Length > 50)
                    {
                        NoAppLid(logger, practice.PracticeId, fileName, row.Line, string.Join("; ", row.Problems));
                        continue;
                    }

                    if (row.Problems.Any(p => p.Code == ProblemCodes.DuplicateKey))
                    {
                        // The first row of this APP_LID answers for it; a second result row would make the result file invalid.
                        RepeatedAppLid(logger, practice.PracticeId, fileName, row.Line, record.AppLid);
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
                    else if (neverExported.Contains(record.AppLid))
                    {
                        // Issue 13: the cloud only knows appointments this agent sent it; any other APP_LID is forged or mistaken.
                        outcome = new RowOutcome(StatusResultCode.NotFound,
                            $"this agent has not exported APP_LID {Mask.Echo(record.AppLid)} in the last {days.ToString(CultureInfo.InvariantCulture)} day(s) (RecallFiles:Agent:Practices:{practice.PracticeId}:Status:ExportedWithinDays); nothing applied");
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

            FaultPoints.Hit(FaultPoints.AfterPmsCommit);
        }

        using var buffer = new MemoryStream();
        using (var writer = ContractWriter.ForStatusResults(buffer, leaveOpen: true))
        {
            writer.WriteAll(results);
        }

        ledger.Complete(practice.PracticeId, entry.Sha256, fileName, ledgerRows, buffer.ToArray(), fileError, time.GetUtcNow());
        if (fileError is not null)
        {
            RejectedFile(logger, practice.PracticeId, fileName, fileError);
        }

        return fileError;
    }

    private static string Truncate(string message) => message.Length <= 4000 ? message : message[..4000];
}
