using System.Text.Json.Nodes;
using RecallFiles.SampleData;
using RecallFiles.Schemas;

namespace RecallFiles.Tests.SampleData;

/// <summary>The generated sample files: valid, as documented in docs/sample-data.md, and reproducible.</summary>
[TestClass]
public sealed class SampleFilesTests
{
    /// <summary>The sample files and what docs/sample-data.md says about them: rows and warnings (unreachable patients).</summary>
    public static IEnumerable<(string Path, string Kind, int Rows, int Warnings)> SampleFiles =>
    [
        ("appointments/APPOINTMENTS_DEMO-01_20261123T080000Z.csv", "appointments", 300, 3),
        ("appointments/APPOINTMENTS_DEMO-01_20261123T120000Z.csv", "appointments", 335, 3),
        ("status/STATUS_DEMO-01_20261123T100000Z.csv", "status", 24, 0),
        ("results/STATUS_RESULT_DEMO-01_20261123T100500Z.csv", "status-result", 24, 0),
    ];

    [TestMethod]
    [DynamicData(nameof(SampleFiles))]
    public async Task Validate_ExitsZeroWithDocumentedCounts_ForSampleFile(string path, string kind, int rows, int warnings)
    {
        var (exitCode, stdout, stderr) = await MalformedCorpusTests.RunAsync(["validate", Path.Combine(RepoPaths.SampleData, path), "--json"]);

        Assert.AreEqual(0, exitCode, stdout + stderr);
        var report = JsonNode.Parse(stdout)!;
        Assert.AreEqual(kind, (string?)report["kind"]);
        Assert.AreEqual(rows, (int)report["rows"]!);
        Assert.AreEqual(rows, (int)report["validRows"]!);
        Assert.AreEqual(0, (int)report["errorCount"]!);
        Assert.AreEqual(warnings, (int)report["warningCount"]!);
        Assert.IsTrue(report["warnings"]!.AsArray().All(w => (string?)w!["code"] == ProblemCodes.Unreachable), stdout);
    }

    [TestMethod]
    public void Write_ProducesTheCheckedInFilesByteForByte_WhenRunAgain()
    {
        var temp = Directory.CreateTempSubdirectory("recallfiles-samples-");
        try
        {
            var generated = SampleSet.Write(temp.FullName);

            foreach (var file in generated)
            {
                var checkedIn = Path.Combine(RepoPaths.SampleData, file.RelativePath);
                Assert.IsTrue(File.Exists(checkedIn), $"sample-data/{file.RelativePath} is generated but not checked in: run dotnet run --project sample-data/Generator -- --out sample-data");
                CollectionAssert.AreEqual(File.ReadAllBytes(checkedIn), File.ReadAllBytes(Path.Combine(temp.FullName, file.RelativePath)),
                    $"sample-data/{file.RelativePath} differs from what the generator makes: regenerate it, or make the generator deterministic again");
            }

            // Nothing stale: every checked-in data file is one the generator makes (expected reports are hand-written).
            var names = generated.Select(f => f.RelativePath).ToHashSet(StringComparer.Ordinal);
            foreach (var folder in new[] { SampleSet.AppointmentsFolder, SampleSet.StatusFolder, SampleSet.ResultsFolder, SampleSet.MalformedFolder })
            {
                foreach (var path in Directory.EnumerateFiles(Path.Combine(RepoPaths.SampleData, folder)).Where(p => !p.EndsWith(".json", StringComparison.Ordinal)))
                {
                    var relative = $"{folder}/{Path.GetFileName(path)}";
                    Assert.Contains(relative, names, $"sample-data/{relative} is not made by the generator any more: delete it");
                }
            }
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    [TestMethod]
    public void StatusFile_CoversAllFourStatuses_ForAppointmentsOfTheMainFile()
    {
        var appLids = ReadAll(Path.Combine(RepoPaths.SampleData, SampleFiles.First().Path), ContractReader.OpenAppointments).Select(r => r.AppLid).ToHashSet();
        var statuses = ReadAll(Path.Combine(RepoPaths.SampleData, "status/STATUS_DEMO-01_20261123T100000Z.csv"), ContractReader.OpenStatus);
        var results = ReadAll(Path.Combine(RepoPaths.SampleData, "results/STATUS_RESULT_DEMO-01_20261123T100500Z.csv"), ContractReader.OpenStatusResults);

        CollectionAssert.AreEquivalent(Enum.GetValues<AppointmentStatus>(), statuses.Select(s => s.ParsedStatus!.Value).Distinct().ToArray());
        Assert.IsTrue(statuses.All(s => appLids.Contains(s.AppLid)), "every status row names an appointment of the main file");
        CollectionAssert.AreEqual(statuses.Select(s => s.AppLid).ToArray(), results.Select(r => r.AppLid).ToArray(), "one result per status row, in order");
        CollectionAssert.AreEquivalent(Enum.GetValues<StatusResultCode>(), results.Select(r => r.ParsedResult!.Value).Distinct().ToArray());
    }

    [TestMethod]
    public void SampleFiles_HoldNoPatientColumns_AndOnlyReservedEmailDomains()
    {
        foreach (var (path, _, _, _) in SampleFiles)
        {
            var lines = File.ReadAllLines(Path.Combine(RepoPaths.SampleData, path));
            var header = lines[0].Split(',');
            Assert.IsFalse(header.Any(Columns.PatientIdentifying.Contains), $"{path} has a patient-identifying column");
            foreach (var email in lines.Skip(1).SelectMany(l => l.Split(',')).Where(v => v.Contains('@', StringComparison.Ordinal)))
            {
                var domain = email[(email.LastIndexOf('@') + 1)..];
                Assert.IsTrue(domain is "example.org" or "example.com" or "example.net" || domain.EndsWith(".example.com", StringComparison.Ordinal),
                    $"{path}: {email} is not on a reserved example domain");
            }
        }
    }

    [TestMethod]
    public void BigFile_WritesValidUniqueRows_ForRequestedCount()
    {
        using var stream = new MemoryStream();

        var written = BigFile.Write(stream, 5_000);

        Assert.AreEqual(5_000, written);
        stream.Position = 0;
        var report = FileValidator.Validate(stream, "APPOINTMENTS_BENCH_20261123T080000Z.csv");
        Assert.AreEqual(5_000, report.Rows);
        Assert.AreEqual(0, report.ErrorCount, string.Join(Environment.NewLine, report.Errors));
        Assert.AreEqual(0, report.WarningCount, string.Join(Environment.NewLine, report.Warnings));
    }

    private static List<T> ReadAll<T>(string path, Func<Stream, string, ContractReadOptions?, bool, ContractReader<T>> open) where T : class
    {
        using var stream = File.OpenRead(path);
        using var reader = open(stream, Path.GetFileName(path), null, false);
        return [.. reader.ReadRows().Select(r => r.Record)];
    }
}
