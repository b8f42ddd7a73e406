using System.Text;
using RecallFiles.Schemas;

namespace RecallFiles.Tests.Schemas;

/// <summary>
/// FileValidator parses on one thread and checks on another (issue 18); its report must be the one the plain,
/// one-thread read gives, across many hand-over batches, with the file-level problem after the rows before it.
/// </summary>
[TestClass]
public sealed class FileValidatorPipelineTests
{
    private static byte[] File(bool brokenUtf8At1900)
    {
        var text = new StringBuilder(Csv.AppointmentHeader + "\r\n");
        for (var i = 1; i <= 2000; i++)
        {
            var row = i switch
            {
                700 or 1500 => Csv.Row(lid: "A42"),                          // duplicates of row 42
                1800 => Csv.Row(lid: $"A{i}") + ",extra",                      // a field too many
                _ when i % 97 == 0 => Csv.Row(lid: $"A{i}", date: "31/02/2026"), // not a date
                _ when i % 89 == 0 => Csv.Row(lid: $"A{i}", email: "bad"),      // not an e-mail
                _ when i % 250 == 0 => "   ",                                   // a blank line
                _ => Csv.Row(lid: $"A{i}"),
            };
            text.Append(row).Append("\r\n");
        }

        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        if (brokenUtf8At1900)
        {
            var at = Encoding.UTF8.GetByteCount(text.ToString()[..text.ToString().IndexOf("A1900,", StringComparison.Ordinal)]);
            bytes[at + 1] = 0xFF;
        }

        return bytes;
    }

    // The one-thread read: every row's problems in order, then the file-level problem, if any.
    private static (long Rows, List<ContractProblem> Problems) ReadPlainly(byte[] bytes)
    {
        var problems = new List<ContractProblem>();
        long rows = 0;
        using var reader = ContractReader.Open(new MemoryStream(bytes), "APPOINTMENTS_T-1_20261123T080000Z.csv");
        try
        {
            foreach (var row in reader.ReadUntypedRows())
            {
                rows++;
                problems.AddRange(row.Problems);
            }
        }
        catch (ContractFileException ex)
        {
            problems.Add(ex.Problem);
        }

        return (rows, problems);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void Validate_ReportsWhatTheOneThreadReadFinds_AcrossManyBatches(bool brokenUtf8)
    {
        var bytes = File(brokenUtf8);
        var (rows, expected) = ReadPlainly(bytes);

        var report = FileValidator.Validate(new MemoryStream(bytes), "APPOINTMENTS_T-1_20261123T080000Z.csv");

        Assert.AreEqual(rows, report.Rows);
        Assert.IsGreaterThan(1800L, report.Rows);
        CollectionAssert.AreEqual(expected.Where(p => p.Severity == ProblemSeverity.Error).ToList(), report.Errors.ToList());
        CollectionAssert.AreEqual(expected.Where(p => p.Severity == ProblemSeverity.Warning).ToList(), report.Warnings.ToList());
        Assert.IsTrue(report.Errors.Any(e => e.Code == ProblemCodes.DuplicateKey && e.Line == 701), "row 700 is on line 701");
        Assert.IsTrue(report.Errors.Any(e => e.Code == ProblemCodes.FieldCount && e.Line == 1801));
        Assert.AreEqual(brokenUtf8, report.Errors.Any(e => e.Code == ProblemCodes.InvalidUtf8 && e.Line == 1901));
    }

    [TestMethod]
    public void Validate_ThrowsOperationCanceled_WhenCancelled()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsExactly<OperationCanceledException>(() =>
            FileValidator.Validate(new MemoryStream(File(false)), "APPOINTMENTS_T-1_20261123T080000Z.csv", cancellationToken: cancelled.Token));
    }
}
