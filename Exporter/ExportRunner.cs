using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RecallFiles.Exporter.Ledger;
using RecallFiles.Exporter.Sources;
using RecallFiles.Schemas;
using RecallFiles.Transport;

namespace RecallFiles.Exporter;

/// <summary>How one export run should behave.</summary>
public sealed record ExportRunOptions
{
    /// <summary>"Now" for the window and the file name; null for the clock.</summary>
    public DateTimeOffset? Now { get; init; }

    /// <summary>Write and validate the file, but upload nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>Where the local file is written (it is kept there after the upload as the agent's copy).</summary>
    public required string OutputFolder { get; init; }

    /// <summary>
    /// An initial upload (<c>export --initial</c>): every future appointment up to the practice's InitialHorizon. The first
    /// export of a practice that has never uploaded a file is one without being asked.
    /// </summary>
    public bool Initial { get; init; }
}

/// <summary>The outcome of a successful run.</summary>
public sealed record ExportResult(long LedgerId, string PracticeId, string LocalPath, string FileName, long Rows, string Sha256,
    string? RemotePath, ExportWindow Window, int DroppedPhones, int DroppedEmails, long Warnings)
{
    /// <summary>The first records and the columns empty in every row, collected while writing (what a dry run shows).</summary>
    public ExportPreview? Preview { get; init; }
}

/// <summary>
/// One export: PMS query → contract file written locally → validated with the Schemas validators
/// (an invalid file fails the run loudly and is never uploaded) → uploaded atomically to the
/// practice's appointments/ folder (IDropBox.UploadAsync adds the .done marker when the drop box asks for one) → ledger.
/// </summary>
public sealed class ExportRunner(ExportLedger ledger, TimeProvider time, ILogger<ExportRunner> logger)
{
    /// <summary>The source for a practice's configuration.</summary>
    public static IAppointmentSource CreateSource(PracticeExportOptions options) => options.Source switch
    {
        SourceKind.OpenDental => new OpenDentalSource(options),
        _ => new GenericSqlSource(options),
    };

    /// <summary>Runs one export; throws <see cref="ExportException"/> (or a drop box error) after recording the failure in the ledger.</summary>
    public async Task<ExportResult> RunAsync(PracticeExportOptions practice, ExportRunOptions run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(practice);
        ArgumentNullException.ThrowIfNull(run);
        var now = (run.Now ?? time.GetUtcNow()).ToUniversalTime();
        var zone = ExportWindow.FindTimeZone(practice.TimeZone, $"practice {practice.PracticeId}: RecallFiles:Agent:Practices:{practice.PracticeId}:TimeZone");
        var initial = run.Initial || (!run.DryRun && !ledger.HasUploaded(practice.PracticeId));
        var window = ExportWindow.Around(now, practice.WindowPast, initial ? practice.InitialHorizon : practice.WindowAhead, zone);
        var id = ledger.Start(practice.PracticeId, time.GetUtcNow(), window);
        try
        {
            var (result, ids) = await RunCoreAsync(id, practice, run, now, window, cancellationToken);
            if (result.RemotePath is not null)
            {
                // Before the run is marked uploaded: a crash in between leaves a "Running" row, and the ids of a file the
                // cloud has, which is what the status applier needs to know.
                var days = Math.Max(practice.Status.ExportedWithinDays, 14);
                ledger.Ids.Record(id, practice.PracticeId, time.GetUtcNow(), ids.Array, ids.Count, time.GetUtcNow().AddDays(-days));
            }

            ledger.Finish(id, run.DryRun ? ExportStatus.DryRun : ExportStatus.Uploaded, time.GetUtcNow(), result.Rows, result.Sha256, result.FileName, result.RemotePath);
            Log.Exported(logger, practice.PracticeId, result.Rows, window.StartUtc, window.EndUtc, result.FileName, result.Sha256,
                result.RemotePath is null ? ", not uploaded (dry run)" : $", uploaded to {result.RemotePath}", result.DroppedPhones, result.DroppedEmails);
            return result;
        }
        catch (Exception ex) when (ex is ExportException or DropBoxException or IOException or OperationCanceledException)
        {
            ledger.Finish(id, ExportStatus.Failed, time.GetUtcNow(), error: ex.Message);
            Log.ExportFailed(logger, practice.PracticeId, ex.Message);
            throw;
        }
        catch (Exception ex)
        {
            // Anything else is a fault in a provider or in RecallFiles: still recorded, still one clear line for IT.
            var message = $"practice {practice.PracticeId}: unexpected {ex.GetType().Name}: {ex.Message}";
            ledger.Finish(id, ExportStatus.Failed, time.GetUtcNow(), error: message);
            Log.ExportFailed(logger, practice.PracticeId, message, ex);
            throw new ExportException(message, ex);
        }
    }

    /// <summary>The APP_LID hashes of the rows written, in a growing array (8 bytes a row).</summary>
    private sealed class IdHashes
    {
        public ulong[] Array { get; private set; } = new ulong[1024];

        public int Count { get; private set; }

        public void Add(string appLid)
        {
            if (Count == Array.Length)
            {
                var bigger = new ulong[Array.Length * 2];
                Array.CopyTo(bigger, 0);
                Array = bigger;
            }

            Array[Count++] = ExportedIds.Hash(appLid);
        }
    }

    private async Task<(ExportResult Result, IdHashes Ids)> RunCoreAsync(long id, PracticeExportOptions practice, ExportRunOptions run, DateTimeOffset now, ExportWindow window,
        CancellationToken cancellationToken)
    {
        var source = CreateSource(practice);
        var mapper = new AppointmentMapper(practice, now);
        var fileName = ContractFileName.Create(FileKind.Appointments, practice.PracticeId, now).ToString();
        Directory.CreateDirectory(run.OutputFolder);
        var localPath = Path.Combine(run.OutputFolder, fileName);
        var partial = localPath + ".part";
        var checker = RecordChecker.ForAppointments(fileName);
        var errors = new List<ContractProblem>();
        long errorCount = 0, warningCount = 0, rows;
        var ids = new IdHashes();
        string sha256;
        ExportPreview preview;

        // Two stages, one per core: this thread reads the PMS and maps its rows to records (window, phones, e-mails);
        // the consumer checks each record with the contract's validators (the same RecordChecker the cloud's reader
        // runs), writes and hashes the file. Issue 18: mapping moved to the reading side, which waits on the server anyway.
        var batches = Channel.CreateBounded<AppointmentRecord[]>(new BoundedChannelOptions(16) { SingleReader = true, SingleWriter = true });
        await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        await using (var stream = new HashingWriteStream(file))
        {
            await using var writer = ContractWriter.ForAppointments(stream, practice.ExtensionColumns, leaveOpen: true);
            preview = new ExportPreview(writer.Columns);
            var consumer = Task.Run(async () =>
            {
                var problems = new List<ContractProblem>();
                await foreach (var batch in batches.Reader.ReadAllAsync(cancellationToken))
                {
                    foreach (var record in batch)
                    {
                        problems.Clear();
                        checker.Check(record, writer.Count + 2, problems);   // line: header is line 1
                        foreach (var problem in problems)
                        {
                            if (problem.Severity == ProblemSeverity.Warning)
                            {
                                warningCount++;
                            }
                            else if (errorCount++ < 3)
                            {
                                errors.Add(problem);
                            }
                        }

                        writer.Write(record);
                        ids.Add(record.AppLid);
                        preview.Add(record);
                    }
                }
            }, cancellationToken);

            try
            {
                var batch = new List<AppointmentRecord>(1024);
                await foreach (var appointment in source.ReadAsync(window, cancellationToken))
                {
                    if (mapper.Map(appointment, window) is not { } record)
                    {
                        continue;
                    }

                    batch.Add(record);
                    if (batch.Count == 1024)
                    {
                        await batches.Writer.WriteAsync([.. batch], cancellationToken);
                        batch.Clear();
                    }
                }

                await batches.Writer.WriteAsync([.. batch], cancellationToken);
                batches.Writer.Complete();
            }
            catch (Exception ex)
            {
                batches.Writer.TryComplete(ex);
                await Task.WhenAny(consumer);   // let the consumer stop before the writer is disposed
                throw;
            }

            await consumer;
            rows = writer.Count;
            await writer.DisposeAsync();   // flushes the last records through the hash (disposing again at the end is a no-op)
            sha256 = stream.Sha256();
        }

        // An invalid export fails here, loudly, and is never uploaded.
        if (errorCount > 0)
        {
            var first = string.Join("; ", errors.Select(e => e.ToString()));
            throw new ExportException(
                $"practice {practice.PracticeId}: the export would produce an invalid file ({errorCount} error(s), first: {first}); nothing was uploaded. Fix the PMS data or the query; the file is kept at {partial}");
        }

        File.Move(partial, localPath, overwrite: true);

        string? remotePath = null;
        if (!run.DryRun)
        {
            var options = practice.DropBox ?? throw new ExportException(
                $"practice {practice.PracticeId}: no drop box configured (RecallFiles:Agent:Practices:{practice.PracticeId}:DropBox); use --dry-run to only write the file");
            await using var dropBox = DropBoxFactory.Create(options, time, logger);
            await dropBox.EnsureFolderAsync(practice.AppointmentsFolder, cancellationToken);
            await using (var content = File.OpenRead(localPath))
            {
                await dropBox.UploadAsync(practice.AppointmentsFolder, fileName, content, cancellationToken);
            }

            remotePath = $"{practice.AppointmentsFolder.TrimEnd('/')}/{fileName}";
        }

        return (new ExportResult(id, practice.PracticeId, localPath, fileName, rows, sha256, remotePath, window,
            mapper.Contacts.DroppedPhones, mapper.Contacts.DroppedEmails, warningCount) { Preview = preview }, ids);
    }
}
