using System.Security.Cryptography;
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
}

/// <summary>The outcome of a successful run.</summary>
public sealed record ExportResult(long LedgerId, string PracticeId, string LocalPath, string FileName, long Rows, string Sha256,
    string? RemotePath, ExportWindow Window, int DroppedPhones, int DroppedEmails, long Warnings);

/// <summary>
/// One export: PMS query → contract file written locally → validated with the Schemas validators
/// (an invalid file fails the run loudly and is never uploaded) → uploaded atomically to the
/// practice's appointments/ folder (with a .done marker when the drop box asks for one) → ledger.
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
        if (!ExportWindow.TryFindTimeZone(practice.TimeZone, out var zone))
        {
            throw new ExportException($"practice {practice.PracticeId}: unknown TimeZone '{practice.TimeZone}'");
        }

        var window = ExportWindow.Around(now, practice.PastHours, practice.AheadHours, zone);
        var id = ledger.Start(practice.PracticeId, time.GetUtcNow(), window);
        try
        {
            var result = await RunCoreAsync(id, practice, run, now, window, cancellationToken);
            ledger.Finish(id, run.DryRun ? ExportStatus.DryRun : ExportStatus.Uploaded, time.GetUtcNow(), result.Rows, result.Sha256, result.FileName, result.RemotePath);
            logger.LogInformation(
                "Export {PracticeId}: {Rows} appointments in [{WindowStart:O}, {WindowEnd:O}) written to {File} (sha256 {Sha256}){Uploaded}; {DroppedPhones} implausible phones and {DroppedEmails} e-mails left empty",
                practice.PracticeId, result.Rows, window.StartUtc, window.EndUtc, result.FileName, result.Sha256,
                result.RemotePath is null ? ", not uploaded (dry run)" : $", uploaded to {result.RemotePath}", result.DroppedPhones, result.DroppedEmails);
            return result;
        }
        catch (Exception ex) when (ex is ExportException or DropBoxException or IOException or OperationCanceledException)
        {
            ledger.Finish(id, ExportStatus.Failed, time.GetUtcNow(), error: ex.Message);
            logger.LogError("Export {PracticeId} failed: {Reason}", practice.PracticeId, ex.Message);
            throw;
        }
    }

    private async Task<ExportResult> RunCoreAsync(long id, PracticeExportOptions practice, ExportRunOptions run, DateTimeOffset now, ExportWindow window,
        CancellationToken cancellationToken)
    {
        var source = CreateSource(practice);
        var mapper = new AppointmentMapper(practice, now);
        var fileName = ContractFileName.Create(FileKind.Appointments, practice.PracticeId, now).ToString();
        Directory.CreateDirectory(run.OutputFolder);
        var localPath = Path.Combine(run.OutputFolder, fileName);
        var partial = localPath + ".part";
        long rows;
        await using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
        {
            await using var writer = ContractWriter.ForAppointments(stream, practice.ExtensionColumns, leaveOpen: true);
            await foreach (var appointment in source.ReadAsync(window, cancellationToken))
            {
                if (mapper.Map(appointment, window) is { } record)
                {
                    writer.Write(record);
                }
            }

            rows = writer.Count;
        }

        // The file is checked with the same validators the cloud uses: an invalid export fails here, loudly.
        FileValidationReport report;
        await using (var check = File.OpenRead(partial))
        {
            report = FileValidator.Validate(check, fileName, FileKind.Appointments, cancellationToken: cancellationToken);
        }

        if (!report.IsValid)
        {
            var first = string.Join("; ", report.Errors.Take(3).Select(e => e.ToString()));
            throw new ExportException(
                $"practice {practice.PracticeId}: the export would produce an invalid file ({report.ErrorCount} error(s), first: {first}); nothing was uploaded. Fix the PMS data or the query; the file is kept at {partial}");
        }

        File.Move(partial, localPath, overwrite: true);
        string sha256;
        await using (var hashed = File.OpenRead(localPath))
        {
            sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(hashed, cancellationToken));
        }

        string? remotePath = null;
        if (!run.DryRun)
        {
            var options = practice.DropBox ?? throw new ExportException(
                $"practice {practice.PracticeId}: no drop box configured (RecallFiles:Agent:Practices:N:DropBox); use --dry-run to only write the file");
            await using var dropBox = DropBoxFactory.Create(options, time, logger);
            await dropBox.EnsureFolderAsync(practice.AppointmentsFolder, cancellationToken);
            await using (var content = File.OpenRead(localPath))
            {
                await dropBox.UploadAsync(practice.AppointmentsFolder, fileName, content, cancellationToken);
            }

            if (options.RequireDoneFile)
            {
                await dropBox.UploadAsync(practice.AppointmentsFolder, fileName + ".done", new MemoryStream([]), cancellationToken);
            }

            remotePath = $"{practice.AppointmentsFolder.TrimEnd('/')}/{fileName}";
        }

        return new ExportResult(id, practice.PracticeId, localPath, fileName, rows, sha256, remotePath, window,
            mapper.Contacts.DroppedPhones, mapper.Contacts.DroppedEmails, report.WarningCount);
    }
}
