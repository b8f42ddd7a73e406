using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using RecallFiles.Scheduler.Cli;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Hosting;
using RecallFiles.Scheduler.Jobs;
using RecallFiles.Scheduler.Logging;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Scheduler;

/// <summary>Issue 12: PHI kept no longer than configured, in folders only the service account reads; no clear-text transport by accident.</summary>
[TestClass]
public sealed class RetentionTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Housekeeping_DeletesExportCopiesAndArchiveOlderThanTheirRetention_AndAuditsIt()
    {
        var folder = Directory.CreateTempSubdirectory("rf-retention-").FullName;
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 23, 3, 30, 0, TimeSpan.Zero));
        var exports = Directory.CreateDirectory(Path.Combine(folder, "agent", "exports", "ACME-01")).FullName;
        var archive = Directory.CreateDirectory(Path.Combine(folder, "archive", "ACME-01", "2026", "08")).FullName;
        string Make(string dir, string name, int daysOld)
        {
            var path = Path.Combine(dir, name);
            File.WriteAllText(path, "APP_LID;…");
            File.SetLastWriteTimeUtc(path, clock.GetUtcNow().UtcDateTime.AddDays(-daysOld));
            return path;
        }

        var oldExport = Make(exports, "APPOINTMENTS_ACME-01_20261115T080000Z.csv", 8);
        var newExport = Make(exports, "APPOINTMENTS_ACME-01_20261117T080000Z.csv", 6);
        var oldArchive = Make(archive, "batch-1.csv", 91);
        var newArchive = Make(archive, "batch-2.csv", 89);
        var audit = new AuditLog(Path.Combine(folder, "logs"));
        var job = new HousekeepingJob(new HousekeepingTarget(Path.Combine(folder, "archive"), Path.Combine(folder, "agent", "exports")), new HousekeepingSettings(), clock, audit,
            NullLogger<HousekeepingJob>.Instance);

        var summary = await job.RunAsync(TestContext.CancellationToken);

        Assert.IsFalse(File.Exists(oldExport), "an export copy older than ExportRetentionDays (default 7) is gone");
        Assert.IsTrue(File.Exists(newExport));
        Assert.IsFalse(File.Exists(oldArchive), "an archived file older than ArchiveRetentionDays (default 90) is gone");
        Assert.IsTrue(File.Exists(newArchive));
        StringAssert.Contains(summary, "export copies: 1 file(s)");
        StringAssert.Contains(File.ReadAllText(audit.Path), "housekeeping practice=- export copies");
    }

    [TestMethod]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Host_CreatesItsFolders0700()
    {
        var data = Path.Combine(Directory.CreateTempSubdirectory("rf-modes-").FullName, "data");
        var settings = RecallFilesSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RecallFiles:DataFolder"] = data,
            ["RecallFiles:Logging:Console"] = "false",
        }).Build(), null);

        await using (var app = RecallFilesHost.Build(settings, HostRole.Agent, $"http://127.0.0.1:{Ports.FreeTcpPort()}"))
        {
            new AuditLog(settings.LogFolder).Record("test", "-", "x", "test", "ok");
        }

        DataFolders.Create(settings.ExportFolder("ACME-01"));
        foreach (var folder in new[] { data, settings.LogFolder, Path.Combine(data, "keys"), Path.Combine(data, "agent"), settings.ExportFolder("ACME-01") })
        {
            Assert.AreEqual(DataFolders.FolderMode, File.GetUnixFileMode(folder), folder);
        }

        Assert.AreEqual(DataFolders.FileMode, File.GetUnixFileMode(Path.Combine(settings.LogFolder, "audit.log")));
    }

    [TestMethod]
    public async Task Run_Exits2NamingTheKey_ForPlainFtpWithoutAllowInsecure()
    {
        var folder = Directory.CreateTempSubdirectory("rf-insecure-").FullName;
        var config = Path.Combine(folder, "appsettings.json");
        await File.WriteAllTextAsync(config, $$"""
            {"RecallFiles":{"DataFolder":"{{folder}}","Logging":{"Console":false},"Agent":{"Practices":[{"PracticeId":"ACME-01","Source":"GenericSql","Provider":"Sqlite",
              "ConnectionString":"Data Source={{folder}}/pms.db","QueryFile":"{{folder}}/q.sql",
              "DropBox":{"Kind":"Ftp","Host":"127.0.0.1","UserName":"u","Password":"p","RootPath":"/"} }] } } }
            """, TestContext.CancellationToken);
        var error = new StringWriter();

        // A host that wrongly starts is stopped after a minute: the test then fails on the exit code instead of hanging.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        stop.CancelAfter(TimeSpan.FromMinutes(1));
        var exit = await RecallFilesCli.RunAsync(["run", "--role", "agent", "--urls", $"http://127.0.0.1:{Ports.FreeTcpPort()}", "--config", config], TextWriter.Null, error, stop.Token);

        Assert.AreEqual(ExitCodes.Usage, exit);
        StringAssert.Contains(error.ToString(), "RecallFiles:Agent:Practices:0:DropBox:AllowInsecure");
    }

    [TestMethod]
    public async Task Run_Exits2NamingTheKey_ForAnHttpWebhookWithoutAllowInsecure()
    {
        var folder = Directory.CreateTempSubdirectory("rf-insecure-").FullName;
        var config = Path.Combine(folder, "appsettings.json");
        var database = await PostgresFixture.CreateDatabaseAsync("insecure");
        await File.WriteAllTextAsync(config, $$"""
            {"RecallFiles":{"DataFolder":"{{folder}}","Logging":{"Console":false},"Database":{"ConnectionString":"{{database}}"},
              "Practices":{"ACME-01":{"TimeZone":"UTC"} },
              "Webhook":{"Url":"http://127.0.0.1:9/events","Secret":"0123456789abcdef0123"} } }
            """, TestContext.CancellationToken);
        var error = new StringWriter();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        stop.CancelAfter(TimeSpan.FromMinutes(1));
        var exit = await RecallFilesCli.RunAsync(["run", "--role", "cloud", "--urls", $"http://127.0.0.1:{Ports.FreeTcpPort()}", "--config", config], TextWriter.Null, error, stop.Token);

        Assert.AreEqual(ExitCodes.Usage, exit, error.ToString());
        StringAssert.Contains(error.ToString(), "RecallFiles:Webhook:AllowInsecure");
    }
}
