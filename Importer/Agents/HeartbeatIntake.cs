using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;
using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Database;
using RecallFiles.Importer.Loading;
using RecallFiles.Importer.Practices;
using RecallFiles.Schemas;
using RecallFiles.Transport;

namespace RecallFiles.Importer.Agents;

/// <summary>A heartbeat file taken from a practice's appointments folder.</summary>
internal sealed record HeartbeatClaim(string Name, long Size, DateTimeOffset ClaimedAt) : IInboxClaim
{
    public override string ToString() => $"heartbeat {Name}";
}

/// <summary>
/// The heartbeat flow's claim store. A heartbeat is applied idempotently (its row's key is practice + the name's stamp,
/// <c>ON CONFLICT DO NOTHING</c>), and polls of a practice never overlap (the pickup's advisory lock), so a claim needs no
/// record: a crash after the insert and before the move leaves the file in the inbox, and the next poll archives it again,
/// inserts nothing new and moves it.
/// </summary>
internal sealed class HeartbeatClaimStore(TimeProvider time) : IInboxClaimStore<HeartbeatClaim>
{
    public Task<IReadOnlyList<HeartbeatClaim>> UnfinishedAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<HeartbeatClaim>>([]);

    public Task<HeartbeatClaim?> ClaimAsync(IDropBox dropBox, RemoteFileInfo file, CancellationToken cancellationToken) =>
        Task.FromResult<HeartbeatClaim?>(new HeartbeatClaim(file.Name, file.Size, time.GetUtcNow()));

    public Task ReleaseAsync(HeartbeatClaim claim, InboxDisposition disposition, string where, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The outcome of one heartbeat run over a practice's folder.</summary>
/// <param name="Taken">Heartbeats stored.</param>
/// <param name="Refused">Files refused (to <c>failed/</c> with a report).</param>
/// <param name="Errors">Failures left for the next poll.</param>
public sealed record HeartbeatRun(int Taken, int Refused, IReadOnlyList<string> Errors);

/// <summary>
/// Issue 17: the cloud takes agents' heartbeats (<c>AGENT_{practice}_{utc}.json</c>, <see cref="AgentHeartbeat"/>) in
/// through the shared <see cref="Inbox"/>, from the practice's appointments folder where the agent uploads them beside its
/// appointment files: each file is archived (<c>{ArchiveFolder}/{practice}/agents/yyyy/MM/dd/</c>), validated — at most
/// <see cref="AgentHeartbeat.MaxBytes"/> bytes, the documented JSON shape, the practice in its name and its content equal
/// to the folder's, its stamp not ahead of this server's clock by more than MaxClockSkew — and stored in
/// <c>agent_heartbeats</c>; then it goes to <c>processed/</c> like an appointment file. A refused file goes to
/// <c>failed/</c> with its reason beside it and a report in the practice's errors folder, like any file turned away.
/// </summary>
public sealed partial class HeartbeatIntake(NpgsqlDataSource dataSource, ImporterOptions options, Inbox inbox, TimeProvider time, ILogger logger)
{
    /// <summary>The names this flow takes (every other name of the folder is the appointment flow's).</summary>
    public static bool IsHeartbeatName(string name) => name is not null && name.StartsWith("AGENT_", StringComparison.Ordinal);

    /// <summary>Takes in the heartbeats waiting in <paramref name="practice"/>'s appointments folder.</summary>
    public async Task<HeartbeatRun> RunAsync(IDropBox dropBox, DropBoxOptions dropBoxOptions, PracticeOptions practice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(practice);
        var taken = 0;
        var refused = 0;
        var run = await inbox.RunAsync(dropBox, dropBoxOptions, practice.Layout.Appointments, new HeartbeatClaimStore(time), async (box, claim, token) =>
        {
            var verdict = await ApplyAsync(box, practice, claim, token);
            if (verdict.Disposition == InboxDisposition.Processed)
            {
                taken++;
            }
            else
            {
                refused++;
            }

            return verdict;
        }, new InboxRunOptions
        {
            // The agent uploads under a temporary name and renames (the drop box's UploadAsync): a heartbeat under its final
            // name is complete, so it is taken at first sighting, and a manual --once run does not wait MinFileAge a second time.
            WrittenAtomically = true,
            DeleteProcessed = options.AfterImport == RemoteDisposition.Delete,
            ProcessedFolder = options.ProcessedFolder,
            Accepts = IsHeartbeatName,
            Flow = "heartbeats",
            Recoverable = ex => ex is DropBoxException or NpgsqlException or IOException,
        }, cancellationToken);
        return new HeartbeatRun(taken, refused + run.Rejected.Count(r => r.Refused), run.Errors);
    }

    private async Task<InboxVerdict> ApplyAsync(IDropBox dropBox, PracticeOptions practice, HeartbeatClaim claim, CancellationToken cancellationToken)
    {
        if (claim.Size > AgentHeartbeat.MaxBytes)
        {
            return await RefuseAsync(dropBox, practice, claim.Name, string.Create(CultureInfo.InvariantCulture,
                $"the heartbeat is {claim.Size:N0} bytes; at most {AgentHeartbeat.MaxBytes:N0} (it was never opened)"), cancellationToken);
        }

        byte[] content;
        using (var buffer = new LimitedBuffer(AgentHeartbeat.MaxBytes))
        {
            try
            {
                await dropBox.DownloadAsync(practice.Layout.Appointments, claim.Name, buffer, cancellationToken);
            }
            catch (DropBoxException ex) when (ex.Error == DropBoxError.FileMissing)
            {
                return InboxVerdict.LeftInPlace; // gone since the listing: nothing to take
            }

            if (buffer.Overflowed)
            {
                return await RefuseAsync(dropBox, practice, claim.Name, string.Create(CultureInfo.InvariantCulture,
                    $"the heartbeat grew beyond {AgentHeartbeat.MaxBytes:N0} bytes while it was read"), cancellationToken);
            }

            content = buffer.ToArray();
        }

        // Archived before anything else, like every file the cloud takes: the drop box's copy moves or is deleted next.
        var day = claim.ClaimedAt.UtcDateTime;
        var archive = Path.GetFullPath(Path.Combine(options.ArchiveFolder, practice.Id, "agents", day.ToString("yyyy", CultureInfo.InvariantCulture),
            day.ToString("MM", CultureInfo.InvariantCulture), day.ToString("dd", CultureInfo.InvariantCulture), claim.Name));
        Directory.CreateDirectory(Path.GetDirectoryName(archive)!);
        await using (var file = new FileStream(archive, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            await file.WriteAsync(content, cancellationToken);
            file.Flush(flushToDisk: true);
        }

        if (Problem(claim.Name, practice.Id) is { } problem)
        {
            return await RefuseAsync(dropBox, practice, claim.Name, problem, cancellationToken);
        }

        if (!AgentHeartbeat.TryRead(content, practice.Id, out var heartbeat, out var error))
        {
            return await RefuseAsync(dropBox, practice, claim.Name, error!, cancellationToken);
        }

        var sentAt = ContractFileName.Parse(claim.Name).Timestamp;
        await using var command = dataSource.CreateCommand("""
            INSERT INTO agent_heartbeats (practice_id, sent_at, received_at, agent, version, host, interval_seconds, export_result, export_error,
                export_finished_at, ledger_failures, status_applied, status_failed, status_conflicts, file_name)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
            ON CONFLICT (practice_id, sent_at) DO NOTHING
            """);
        foreach (var value in new object?[]
        {
            practice.Id, sentAt, time.GetUtcNow(), heartbeat!.Agent, heartbeat.Version, heartbeat.Host, heartbeat.IntervalSeconds, heartbeat.ExportResult,
            heartbeat.ExportError, heartbeat.ExportFinishedAt, heartbeat.LedgerFailures, heartbeat.StatusApplied, heartbeat.StatusFailed, heartbeat.StatusConflicts, claim.Name,
        })
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
        Taken(logger, practice.Id, claim.Name, heartbeat.Agent, heartbeat.ExportResult);
        return InboxVerdict.Processed;
    }

    /// <summary>Why a heartbeat's name is refused in <paramref name="practiceId"/>'s folder, or null.</summary>
    internal string? Problem(string name, string practiceId)
    {
        if (!ContractFileName.TryParse(name, out var parsed, out var error))
        {
            return error;
        }

        if (parsed!.Kind != FileKind.AgentHeartbeat)
        {
            return $"{name} is not a heartbeat name: expected AGENT_{practiceId}_{{yyyyMMddTHHmmssZ}}.json";
        }

        if (!string.Equals(parsed.PracticeId, practiceId, StringComparison.Ordinal))
        {
            return $"{name} names practice {parsed.PracticeId}, but it is in practice {practiceId}'s folder: an agent reports only the practice whose folder it writes";
        }

        var ahead = parsed.Timestamp - time.GetUtcNow();
        return ahead > options.MaxClockSkew
            ? string.Create(CultureInfo.InvariantCulture, $"{name} is stamped {parsed.Timestamp:yyyy-MM-dd HH:mm:ss} UTC, {ahead.TotalMinutes:N0} minute(s) ahead of this server's clock " +
                $"(at most {options.MaxClockSkew.TotalMinutes:N0}, RecallFiles:Importer:MaxClockSkew): set the agent's clock right")
            : null;
    }

    // The sender learns why, as for any file turned away (issue 14): a report in the errors folder, the file to failed/ with a note.
    private async Task<InboxVerdict> RefuseAsync(IDropBox dropBox, PracticeOptions practice, string name, string reason, CancellationToken cancellationToken)
    {
        Refused(logger, practice.Id, FileNameRules.Printable(name), reason);
        var reportPath = $"{practice.Layout.Errors}/{VendorReport.ReportName(name)}";
        if (options.UploadErrorReports)
        {
            await inbox.EnsureFolderAsync(dropBox, practice.Layout.Errors, cancellationToken);
            using var report = new MemoryStream(VendorReport.Build(name, BatchStates.Failed, reason, [], 0)!);
            await dropBox.UploadAsync(practice.Layout.Errors, VendorReport.ReportName(name), report, cancellationToken);
        }

        return InboxVerdict.Failed(VendorReport.Note(name, BatchStates.Failed, reason, reportPath));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Heartbeat {PracticeId}: {FileName} from agent {Agent} taken in (last export {ExportResult})")]
    private static partial void Taken(ILogger logger, string practiceId, string fileName, string agent, string exportResult);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat {PracticeId}: {FileName} refused: {Reason}")]
    private static partial void Refused(ILogger logger, string practiceId, string fileName, string reason);

    /// <summary>A memory buffer that stops keeping bytes past its limit (a file that grew after its listing).</summary>
    private sealed class LimitedBuffer(int limit) : MemoryStream
    {
        public bool Overflowed { get; private set; }

        // Every write ends in MemoryStream's array overload (its span overload calls back into the array one in a subclass).
        public override void Write(byte[] buffer, int offset, int count)
        {
            if (Length + count > limit)
            {
                Overflowed = true;
                return;
            }

            base.Write(buffer, offset, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void WriteByte(byte value) => Write([value], 0, 1);
    }
}
