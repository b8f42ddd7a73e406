using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using RecallFiles.Importer.Database;
using RecallFiles.Importer.Practices;
using RecallFiles.Schemas;
using RecallFiles.Transport.Internal;

namespace RecallFiles.Importer.Loading;

/// <summary>
/// The chunked COPY pipeline of a load: the file is parsed on its own thread a few chunks ahead of the COPYs, each
/// valid row classified against <see cref="ExistingAppointments"/> and encoded by <see cref="RowEncoder"/>; each chunk
/// is one binary COPY per table (new appointments, their events, staged rows), so a file error stops between two COPYs
/// and the transaction stays usable.
/// </summary>
internal static partial class SnapshotStream
{
    [LoggerMessage(LogLevel.Debug, "stopping the load of batch {BatchId}")]
    private static partial void Stopping(ILogger logger, long batchId);

    private static readonly ContractReadOptions StrictContacts = new() { StrictContacts = true };

    /// <summary>
    /// Reads, validates and classifies the archived file, and writes it to the database on the way: new appointments
    /// and their <c>added</c> events by binary COPY into their tables, changed ones into the staging table. Parsing runs
    /// on its own thread, a few chunks ahead of the COPYs (memory stays flat whatever the file size); each chunk is
    /// one COPY per table, so a file error stops the reading between two COPYs and the transaction stays usable.
    /// </summary>
    public static async Task<Parsed> StreamAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BatchRow batch, ExistingAppointments existing,
        int maxStoredProblems, ILogger logger, CancellationToken cancellationToken)
    {
        var parsed = new Parsed();
        if (batch.EventsAfter > 0)
        {
            parsed.Feed.StartedAt(batch.EventsAfter); // taken with the batch's lock: no round trip of its own (issue 18)
        }

        await using var file = new FileStream(batch.ArchivePath!, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var hashing = new HashingStream(file);
        using var reader = ContractReader.OpenAppointments(hashing, batch.RemoteName, batch.StrictContacts ? StrictContacts : null, leaveOpen: true);
        foreach (var warning in reader.HeaderWarnings)
        {
            parsed.Add(warning, maxStoredProblems);
        }

        var rejectFile = batch.Policy == RowErrorPolicy.RejectFile;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var full = Channel.CreateBounded<LoadChunk>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var spare = new System.Collections.Concurrent.ConcurrentQueue<LoadChunk>();
        var producer = Task.Run(async () =>
        {
            try
            {
                var encoder = new RowEncoder(batch.PracticeId, batch.Id);
                var chunk = new LoadChunk();
                foreach (var row in reader.ReadRows(stop.Token))
                {
                    parsed.RowsTotal++;
                    var r = row.Record;
                    if (!row.IsValid)
                    {
                        parsed.RowsInvalid++;
                        foreach (var p in row.Problems)
                        {
                            if (p.Severity == ProblemSeverity.Error)
                            {
                                parsed.Add(p, maxStoredProblems);
                            }
                        }

                        // A rejected row still names its appointment: the snapshot does not say it is gone.
                        existing.MarkSeen(r.AppLid);
                        continue;
                    }

                    foreach (var p in row.Problems)
                    {
                        // A contact value ignored under the default contact policy (issue 15): kept for support and the error report.
                        if (p.Severity == ProblemSeverity.Warning && p.Code is ProblemCodes.Phone or ProblemCodes.Email or ProblemCodes.MaxLength)
                        {
                            parsed.Add(p, maxStoredProblems);
                        }
                    }

                    if (!ContractFormats.TryParseDate(r.AppDate, out var date))
                    {
                        throw new InvalidDataException($"Schemas accepted APP_DATE '{r.AppDate}' on line {row.Line} but it does not parse"); // a bug, not input
                    }

                    parsed.RowsValid++;
                    parsed.Observe(date);
                    if (rejectFile && parsed.RowsInvalid > 0)
                    {
                        continue; // nothing of this file will be applied: read on only to report every problem
                    }

                    var load = new LoadRow(r, date, ContractFormats.TryParseTime(r.AppStartTime, out var s) ? s : null,
                        ContractFormats.TryParseTime(r.AppEndTime, out var e) ? e : null);
                    encoder.Encode(load);
                    switch (existing.Classify(encoder.AppLid, encoder.Hash))
                    {
                        case RowClass.New:
                            encoder.WriteNew(chunk.Appointments, chunk.Events, load);
                            parsed.Added++;
                            break;
                        case RowClass.Staged:
                            encoder.WriteStaging(chunk.Staging); // changed, or not among the appointments read: the merge decides
                            parsed.Staged++;
                            break;
                        case RowClass.Unchanged:
                            break; // nothing to write
                    }

                    if (chunk.Bytes >= ChunkBytes)
                    {
                        await full.Writer.WriteAsync(chunk, stop.Token);
                        chunk = spare.TryDequeue(out var reused) ? reused : new LoadChunk();
                    }
                }

                if (chunk.Bytes > 0 && !(rejectFile && parsed.RowsInvalid > 0))
                {
                    await full.Writer.WriteAsync(chunk, stop.Token);
                }

                parsed.Sha256 = hashing.Finish();
            }
            finally
            {
                full.Writer.Complete();
            }
        }, stop.Token);

        var completed = false;
        try
        {
            var stagingCreated = false;
            await foreach (var chunk in full.Reader.ReadAllAsync(cancellationToken))
            {
                if (chunk.Appointments.Rows > 0)
                {
                    await CopyAsync(connection, AppointmentTable.AppointmentsCopy,
                        chunk.Appointments, crashPoint: true, cancellationToken);
                    await parsed.Feed.StartAsync(connection, transaction, cancellationToken);
                    await CopyAsync(connection, AppointmentTable.EventsCopy,
                        chunk.Events, crashPoint: false, cancellationToken);
                }

                if (chunk.Staging.Rows > 0)
                {
                    if (!stagingCreated)
                    {
                        await using var create = Sql.Command(connection, transaction, AppointmentTable.StagingDdl);
                        await create.ExecuteNonQueryAsync(cancellationToken);
                        stagingCreated = true;
                    }

                    await CopyAsync(connection, AppointmentTable.StagingCopy, chunk.Staging, crashPoint: true, cancellationToken);
                }

                chunk.Clear();
                spare.Enqueue(chunk);
            }

            await producer; // a file error surfaces here, between two COPYs
            completed = true;
        }
        finally
        {
            if (!completed)
            {
                await stop.CancelAsync();
                Stopping(logger, batch.Id);
                // Wait for the producer without observing its outcome: its failure (or the COPY's) is already being thrown.
                await Task.WhenAny(producer);
            }
        }

        return parsed;
    }

    // A chunk is flushed once its buffers hold this much: about 10,000 appointment rows with their events.
    private const int ChunkBytes = 4 << 20;

    private static async Task CopyAsync(NpgsqlConnection connection, string copy, CopyBuffer rows, bool crashPoint, CancellationToken cancellationToken)
    {
        await using var stream = await connection.BeginRawBinaryCopyAsync(copy, cancellationToken);
        stream.WriteTimeout = (int)Sql.LongCommandTimeout.TotalMilliseconds;
        stream.ReadTimeout = (int)Sql.LongCommandTimeout.TotalMilliseconds;
        var written = false;
        try
        {
            await stream.WriteAsync(CopyBuffer.Header.ToArray(), cancellationToken);
            await stream.WriteAsync(rows.WrittenMemory, cancellationToken);
            if (crashPoint)
            {
                await stream.FlushAsync(cancellationToken);
                FaultPoints.Hit(FaultPoints.DuringCopy);
            }

            await stream.WriteAsync(CopyBuffer.Trailer.ToArray(), cancellationToken);
            written = true;
        }
        finally
        {
            if (!written)
            {
                // CopyFail, so a half-written chunk is never taken as complete, and the original error is what surfaces.
                await stream.CancelAsync();
            }
        }

        // Disposing the stream sends CopyDone and waits for the server to finish the COPY.
    }

    /// <summary>The buffers of one chunk of the file, on their way from the parsing thread to the COPYs.</summary>
    private sealed class LoadChunk
    {
        public CopyBuffer Appointments { get; } = new(1 << 20);

        public CopyBuffer Events { get; } = new(1 << 20);

        public CopyBuffer Staging { get; } = new(1 << 16);

        public int Bytes => Appointments.Length + Events.Length + Staging.Length;

        public void Clear()
        {
            Appointments.Clear();
            Events.Clear();
            Staging.Clear();
        }
    }
}
