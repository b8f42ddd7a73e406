using System.Text.Json;
using RecallFiles.Scheduler.Cli;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Exporter;

/// <summary>The export and exports verbs, end to end: configuration file, SQLite PMS, drop boxes (local folder and real sshd).</summary>
[TestClass]
public sealed class ExportCommandTests
{
    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await RecallFilesCli.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private static string WriteConfig(string folder, object dropBox, Action<Dictionary<string, object?>>? change = null)
    {
        GenericSqlExportTests.CreateSqlitePms(folder);
        File.WriteAllText(Path.Combine(folder, "query.sql"), GenericSqlExportTests.SqliteQuery);
        var practice = new Dictionary<string, object?>
        {
            ["PracticeId"] = "GEN-01",
            ["Source"] = "GenericSql",
            ["Provider"] = "Sqlite",
            ["ConnectionString"] = $"Data Source={Path.Combine(folder, "pms.sqlite")}",
            ["QueryFile"] = Path.Combine(folder, "query.sql"),
            ["TimeZone"] = "Europe/Madrid",
            ["DropBox"] = dropBox,
        };
        change?.Invoke(practice);
        var config = new { RecallFiles = new { DataFolder = Path.Combine(folder, "data"), Agent = new { Practices = new[] { practice } } } };
        var path = Path.Combine(folder, "appsettings.json");
        File.WriteAllText(path, JsonSerializer.Serialize(config));
        return path;
    }

    [TestMethod]
    public async Task ExportOnce_UploadsExactlyOneCompleteFile_ThroughRealSshd_AndRecordsItsSha256()
    {
        await using var sshd = await SshdServer.StartAsync();
        var folder = Directory.CreateTempSubdirectory("rf-export-cli-").FullName;
        var options = sshd.CreateOptions();
        var config = WriteConfig(folder, new
        {
            Kind = "Sftp", options.Host, options.Port, options.UserName, options.PrivateKeyPath, HostKeySha256 = options.HostKeySha256,
            RootPath = Path.Combine(sshd.RootFolder, "GEN-01"),
        });
        Directory.CreateDirectory(Path.Combine(sshd.RootFolder, "GEN-01"));

        var (exit, output, error) = await Run("export", "--once", "--config", config, "--now", "2026-10-24T10:00:00Z");

        Assert.AreEqual(0, exit, error);
        var remote = Directory.GetFiles(Path.Combine(sshd.RootFolder, "GEN-01"), "*", SearchOption.AllDirectories);
        Assert.HasCount(1, remote, string.Join(", ", remote));
        Assert.AreEqual("APPOINTMENTS_GEN-01_20261024T100000Z.csv", Path.GetFileName(remote[0]));
        Assert.AreEqual("appointments", Path.GetFileName(Path.GetDirectoryName(remote[0])));
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(remote[0])));
        StringAssert.Contains(output, sha);
        // Issue 14: the CLI export writes the audit line the docs promise, by the person at the command line.
        var audit = await File.ReadAllTextAsync(Path.Combine(folder, "data", "logs", "audit.log"));
        StringAssert.Contains(audit, "|export practice=GEN-01 file APPOINTMENTS_GEN-01_20261024T100000Z.csv rows=");
        StringAssert.Contains(audit, "by=cli:");

        var (listExit, list, _) = await Run("exports", "--config", config);
        Assert.AreEqual(0, listExit);
        StringAssert.Contains(list, "Uploaded");
        StringAssert.Contains(list, sha[..16]);
    }

    [TestMethod]
    public async Task ExportOnce_ExitsOne_AndUploadsNothing_WhenThePmsIsUnreachable()
    {
        var folder = Directory.CreateTempSubdirectory("rf-export-cli-").FullName;
        var dropRoot = Directory.CreateDirectory(Path.Combine(folder, "drop")).FullName;
        var config = WriteConfig(folder, new { Kind = "Local", RootPath = dropRoot }, p =>
        {
            p["Provider"] = "PostgreSql";
            p["ConnectionString"] = $"Host=127.0.0.1;Port={Ports.FreeTcpPort()};Username=pms;Password=x;Timeout=3";
        });

        var (exit, _, error) = await Run("export", "--once", "--config", config);

        Assert.AreEqual(1, exit);
        StringAssert.Contains(error, "GEN-01: FAILED: practice GEN-01: cannot connect");
        Assert.IsEmpty(Directory.GetFiles(dropRoot, "*", SearchOption.AllDirectories));
        var (_, list, _) = await Run("exports", "--config", config);
        StringAssert.Contains(list, "Failed");
    }

    [TestMethod]
    [DataRow("WindowPast", "20.20:00:00", "RecallFiles:Agent:Practices:0:WindowPast is 20.20:00:00; allowed 00:00:00 to 7.00:00:00 (0-168 hours)")]
    [DataRow("WindowAhead", "00:30:00", "RecallFiles:Agent:Practices:0:WindowAhead is 00:30:00; allowed 01:00:00 to 30.00:00:00 (1-720 hours)")]
    [DataRow("PastHours", 24, "RecallFiles:Agent:Practices:0:PastHours is no longer read: it is now RecallFiles:Agent:Practices:0:WindowPast")]
    [DataRow("AheadHours", 72, "RecallFiles:Agent:Practices:0:AheadHours is no longer read: it is now RecallFiles:Agent:Practices:0:WindowAhead")]
    [DataRow("TimeZone", "Mars/Olympus", "RecallFiles:Agent:Practices:0:TimeZone 'Mars/Olympus'")]
    [DataRow("PracticeId", "../etc", "RecallFiles:Agent:Practices:0:PracticeId '../etc'")]
    public async Task ExportOnce_ExitsTwo_NamingTheKey_OnABadSetting(string key, object value, string expected)
    {
        var folder = Directory.CreateTempSubdirectory("rf-export-cli-").FullName;
        var config = WriteConfig(folder, new { Kind = "Local", RootPath = folder }, p => p[key] = value);

        var (exit, _, error) = await Run("export", "--once", "--config", config);

        Assert.AreEqual(2, exit);
        StringAssert.Contains(error, expected);
    }

    [TestMethod]
    [DataRow("export")]
    [DataRow("export", "--once", "--now", "yesterday")]
    [DataRow("export", "--once", "--practice", "NOPE")]
    public async Task Export_ExitsTwo_OnUsageErrors(params string[] args)
    {
        var folder = Directory.CreateTempSubdirectory("rf-export-cli-").FullName;
        var config = WriteConfig(folder, new { Kind = "Local", RootPath = folder });

        var (exit, _, error) = await Run([.. args, "--config", config]);

        Assert.AreEqual(2, exit);
        Assert.IsFalse(string.IsNullOrWhiteSpace(error));
    }

    [TestMethod]
    public async Task Exports_ExitsZero_WithoutALedgerYet_AndTwo_OnABadConfiguration()
    {
        var folder = Directory.CreateTempSubdirectory("rf-exports-cli-").FullName;
        var good = WriteConfig(folder, new { Kind = "Local", RootPath = folder });
        var bad = Path.Combine(folder, "bad.json");
        File.WriteAllText(bad, "{ \"RecallFiles\": { \"Agent\": { \"Practices\": [ { \"PracticeId\": \"../x\" } ] } } }");

        var (okExit, okOut, _) = await Run("exports", "--config", good);
        var (badExit, _, badErr) = await Run("exports", "--config", bad);
        var (missingExit, _, missingErr) = await Run("exports", "--config", Path.Combine(folder, "missing.json"));

        Assert.AreEqual(0, okExit);
        StringAssert.Contains(okOut, "no exports yet");
        Assert.AreEqual(2, badExit);
        StringAssert.Contains(badErr, "RecallFiles:Agent:Practices:0:PracticeId");
        Assert.AreEqual(2, missingExit);
        StringAssert.Contains(missingErr, "does not exist");
    }

    [TestMethod]
    public async Task ExportOnce_DryRun_WritesTheFileToOut_PrintsTheFirstRowsMaskedAndTheUnmappedColumns_AndUploadsNothing()
    {
        var folder = Directory.CreateTempSubdirectory("rf-export-cli-").FullName;
        var dropRoot = Directory.CreateDirectory(Path.Combine(folder, "drop")).FullName;
        var config = WriteConfig(folder, new { Kind = "Local", RootPath = dropRoot });
        var output = Path.Combine(folder, "preview");

        var (exit, stdout, error) = await Run("export", "--once", "--dry-run", "--out", output, "--config", config, "--now", "2026-10-24T10:00:00Z");

        Assert.AreEqual(0, exit, error);
        StringAssert.Contains(stdout, "3 appointment(s)");
        StringAssert.Contains(stdout, "GEN-01: first 3 of 3 row(s), contact data masked:");
        StringAssert.Contains(stdout, "V1 | 23/10/2026 | 12:00 |  | ***2233 | v***@example.org | D1 | Dr. Sol |  |  | R1 | Room 1");
        StringAssert.Contains(stdout, "GEN-01: not mapped (empty in every row): RESOURCE_MOBILE_PHONE, RESOURCE_EMAIL;");
        Assert.IsFalse(stdout.Contains("600112233", StringComparison.Ordinal) || stdout.Contains("v1@example.org", StringComparison.Ordinal), stdout);
        Assert.IsTrue(File.Exists(Path.Combine(output, "APPOINTMENTS_GEN-01_20261024T100000Z.csv")));
        Assert.IsEmpty(Directory.GetFiles(dropRoot, "*", SearchOption.AllDirectories));
    }
}
