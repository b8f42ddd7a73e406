using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Text;
using CsvHelper;
using RecallFiles.Schemas.Internal;
using RecallFiles.Schemas.Validation;

namespace RecallFiles.Schemas;

/// <summary>
/// The rows of <see cref="ContractReader{TRecord}.ReadRows"/> read on two threads (issue 18, what <see cref="FileValidator"/>
/// runs): one parses the CSV, checks the UTF-8 and runs the fast "no problem at all" check on the row's UTF-8 values
/// (<see cref="FastPathUtf8"/>): a row it calls clean costs no string and no record, only its key's hash (and bytes, for a
/// duplicate's message); any other row gets its record from the trimmed strings and the string check, as before. The
/// caller's thread runs the rest of the checks (the duplicate index, the rules of a record that is not certainly clean) and
/// yields the row's problems. Same rows, same problems, in the same order; a file-level problem ends the rows at the same
/// place, after the rows before it.
/// </summary>
public sealed partial class ContractReader<TRecord>
{
    private const int BatchRows = 512;

    private byte[] _rowBytes = new byte[1024];   // the parsing thread's: one row's trimmed UTF-8 values (CutUtf8)

    /// <summary>
    /// Parsed rows waiting for their check: per row its line, its field count, and either its record and the fast check's
    /// answer, or (a row clean on its UTF-8 values: no record) its key's hash and UTF-8 bytes.
    /// </summary>
    private sealed class RawBatch
    {
        public readonly long[] Lines = new long[BatchRows];
        public readonly int[] FieldCounts = new int[BatchRows];
        public readonly TRecord?[] Records = new TRecord?[BatchRows];
        public readonly bool[] Clean = new bool[BatchRows];
        public readonly ulong[] KeyHashes = new ulong[BatchRows];
        public readonly int[] KeyStarts = new int[BatchRows];
        public readonly int[] KeyLengths = new int[BatchRows];
        public byte[] Keys = new byte[BatchRows * 16];
        public int KeysUsed;
        public int Count;
        public ExceptionDispatchInfo? End;   // the problem that ended the file (thrown after this batch's rows)
        public bool Last;

        public void AddKey(int row, ReadOnlySpan<byte> key)
        {
            if (KeysUsed + key.Length > Keys.Length)
            {
                Array.Resize(ref Keys, Math.Max(Keys.Length * 2, KeysUsed + key.Length));
            }

            key.CopyTo(Keys.AsSpan(KeysUsed));
            (KeyStarts[row], KeyLengths[row]) = (KeysUsed, key.Length);
            KeysUsed += key.Length;
            KeyHashes[row] = FastPathUtf8.KeyHash(key);
        }

        public string Key(int row) => Encoding.UTF8.GetString(Keys, KeyStarts[row], KeyLengths[row]);
    }

    internal override IEnumerable<IReadOnlyList<ContractProblem>> ReadRowProblemsPipelined(CancellationToken cancellationToken = default)
    {
        if (_consumed)
        {
            throw new InvalidOperationException("the rows of a contract file can be read once");
        }

        _consumed = true;
        return ReadPipelined(cancellationToken);
    }

    private IEnumerable<IReadOnlyList<ContractProblem>> ReadPipelined(CancellationToken cancellationToken)
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
                    if (batch.Records[row] is null)
                    {
                        // Clean on its UTF-8 values (the field count is the header's): only the duplicate check is left.
                        var firstLine = checker.FirstLineOrAdd(batch.KeyHashes[row], line);
                        yield return firstLine < 0 ? Array.Empty<ContractProblem>() : [checker.DuplicateKey(batch.Key(row), line, firstLine)];
                        continue;
                    }

                    var fieldCount = batch.FieldCounts[row];
                    problems.Clear();
                    if (fieldCount != _headerFieldCount)
                    {
                        problems.Add(FieldCountProblem(line, fieldCount));
                    }

                    yield return CheckRow(checker, batch.Records[row]!, line, problems, batch.Clean[row]).Problems;
                    batch.Records[row] = null;
                }

                batch.End?.Throw();
                if (batch.Last)
                {
                    yield break;
                }

                batch.Count = 0;
                batch.KeysUsed = 0;
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
        var utf8Clean = _checkUtf8 ? _schema.Utf8CertainlyClean : null;   // GetString decodes the UTF-8 that GetSpan gives
        var bounds = new int[2 * columns];
        try
        {
            while (true)
            {
                if (!_csv.Read())
                {
                    break;
                }

                if (!ParseRow(batch, values, bounds, certainlyClean, utf8Clean))
                {
                    continue;
                }

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

    // One record into the batch; false for a blank line. Its own method, called per row, so that the JIT recompiles it
    // at tier 1 (with the CSV reader's accessors inlined) instead of leaving the ReadyToRun code of the once-called loop.
    private bool ParseRow(RawBatch batch, string?[] values, int[] bounds, Func<TRecord, bool>? certainlyClean, Utf8Check? utf8Clean)
    {
        var line = CurrentLine();
        if (line < 0)
        {
            return false;
        }

        var fieldCount = _csv.FieldCount;
        if (utf8Clean is not null && fieldCount == _headerFieldCount && CutUtf8(fieldCount, bounds) && utf8Clean(new Utf8Values(_rowBytes, bounds)))
        {
            batch.Records[batch.Count] = null;
            batch.AddKey(batch.Count, _rowBytes.AsSpan(bounds[0], bounds[1]));
        }
        else
        {
            CutFields(fieldCount, values);
            var record = _schema.Create(values);
            batch.Records[batch.Count] = record;
            batch.Clean[batch.Count] = certainlyClean?.Invoke(record) == true;
        }

        batch.Lines[batch.Count] = line;
        batch.FieldCounts[batch.Count++] = fieldCount;
        return true;
    }

    // The current record's values in schema column order, trimmed as CutFields trims them, into _rowBytes at bounds' (start,
    // length) pairs; false when a value's trimming is for the string to decide (FastPathUtf8.TryTrim).
    private bool CutUtf8(int fieldCount, int[] bounds)
    {
        var used = 0;
        for (var c = 0; c < _fieldOfColumn.Length; c++)
        {
            var field = _fieldOfColumn[c];
            ReadOnlySpan<byte> value = default;
            if (field >= 0 && field < fieldCount && !FastPathUtf8.TryTrim(_csv.GetSpan(field), out value))
            {
                return false;
            }

            if (used + value.Length > _rowBytes.Length)
            {
                Array.Resize(ref _rowBytes, Math.Max(_rowBytes.Length * 2, used + value.Length));
            }

            value.CopyTo(_rowBytes.AsSpan(used));
            (bounds[2 * c], bounds[(2 * c) + 1]) = (used, value.Length);
            used += value.Length;
        }

        return true;
    }
}
