using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using CsvHelper;

namespace RecallFiles.Schemas;

/// <summary>
/// The rows of <see cref="ContractReader{TRecord}.ReadRows"/> read on two threads (issue 18, what <see cref="FileValidator"/>
/// runs): one parses the CSV, checks the UTF-8, builds each record from its trimmed fields and runs the fast "no problem
/// at all" check; the caller's thread runs the rest of the checks (the duplicate index, the rules of a record that is
/// not certainly clean) and yields the row. Same rows, same problems, in the same order; a file-level problem ends the rows
/// at the same place, after the rows before it.
/// </summary>
public sealed partial class ContractReader<TRecord>
{
    private const int BatchRows = 512;

    /// <summary>Parsed rows waiting for their check: per row its line, its field count, its record and the fast check's answer.</summary>
    private sealed class RawBatch
    {
        public readonly long[] Lines = new long[BatchRows];
        public readonly int[] FieldCounts = new int[BatchRows];
        public readonly TRecord?[] Records = new TRecord?[BatchRows];
        public readonly bool[] Clean = new bool[BatchRows];
        public int Count;
        public ExceptionDispatchInfo? End;   // the problem that ended the file (thrown after this batch's rows)
        public bool Last;
    }

    internal override IEnumerable<ContractRow> ReadUntypedRowsPipelined(CancellationToken cancellationToken = default)
    {
        if (_consumed)
        {
            throw new InvalidOperationException("the rows of a contract file can be read once");
        }

        _consumed = true;
        return ReadPipelined(cancellationToken);
    }

    private IEnumerable<ContractRow<TRecord>> ReadPipelined(CancellationToken cancellationToken)
    {
        var columns = _schema.AllColumns.Count;
        using var full = new BlockingCollection<RawBatch>(4);
        using var free = new BlockingCollection<RawBatch>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var parser = Task.Factory.StartNew(() => Parse(full, free, columns, stop.Token), stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            var checker = new RecordChecker<TRecord>(_schema, FileName, _strictContacts);
            var problems = new List<ContractProblem>();
            while (true)
            {
                var batch = full.Take(cancellationToken);
                for (var row = 0; row < batch.Count; row++)
                {
                    var line = batch.Lines[row];
                    var fieldCount = batch.FieldCounts[row];
                    problems.Clear();
                    if (fieldCount != _headerFieldCount)
                    {
                        problems.Add(FieldCountProblem(line, fieldCount));
                    }

                    yield return CheckRow(checker, batch.Records[row]!, line, problems, batch.Clean[row]);
                    batch.Records[row] = null;
                }

                batch.End?.Throw();
                if (batch.Last)
                {
                    yield break;
                }

                batch.Count = 0;
                free.Add(batch, CancellationToken.None);
            }
        }
        finally
        {
            // Stopped early or failed: the parser stops at its next hand-over, and is done with the CSV reader before it is disposed.
            stop.Cancel();
            try
            {
                parser.Wait(CancellationToken.None);
            }
            catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OperationCanceledException))
            {
                // The cancellation asked for just above.
            }
        }
    }

    private void Parse(BlockingCollection<RawBatch> full, BlockingCollection<RawBatch> free, int columns, CancellationToken stop)
    {
        var batch = new RawBatch();
        var values = new string?[columns];
        var certainlyClean = _schema.CertainlyClean;
        try
        {
            while (true)
            {
                if (!_csv.Read())
                {
                    break;
                }

                var line = CurrentLine();
                if (line < 0)
                {
                    continue;
                }

                var fieldCount = _csv.FieldCount;
                CutFields(fieldCount, values);
                var record = _schema.Create(values);
                batch.Records[batch.Count] = record;
                batch.Clean[batch.Count] = certainlyClean?.Invoke(record) == true;

                batch.Lines[batch.Count] = line;
                batch.FieldCounts[batch.Count++] = fieldCount;
                if (batch.Count == BatchRows)
                {
                    full.Add(batch, stop);
                    batch = free.TryTake(out var reused) ? reused : new RawBatch();
                }
            }
        }
        catch (CsvFormatException ex)
        {
            batch.End = ExceptionDispatchInfo.Capture(Malformed(FileName, ex));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever the reading throws (ContractFileException, IOException, ...) reaches the caller after the rows before it.
            batch.End = ExceptionDispatchInfo.Capture(ex);
        }

        batch.Last = true;
        full.Add(batch, stop);
    }
}
