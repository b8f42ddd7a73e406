using System.Text.Json;
using Npgsql;
using RecallFiles.Scheduler.Cli;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Status;

/// <summary>
/// Issue 6 acceptance: a reply recorded with <c>recallfiles reply … cancel</c> ends as the appointment's configured
/// cancelled state in a real MariaDB Open Dental database and as "applied" in the real PostgreSQL cloud store, through a
/// real sshd, with one status file and one result file. Every step is the real verb, in process.
/// </summary>
[TestClass]
public sealed class StatusRoundTripTests
{
    internal static async Task<(int Exit, string Out, string Err)> CliAsync(string config, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await RecallFilesCli.RunAsync([.. args, "--config", config], output, error);
        return (exit, output.ToString(), error.ToString());
    }

    internal static async Task<(int Exit, string Out, string Err)> OkAsync(string config, params string[] args)
    {
        var result = await CliAsync(config, args);
        Assert.AreEqual(0, result.Exit, $"recallfiles {string.Join(' ', args)}: {result.Out}{result.Err}");
        return result;
    }

    /// <summary>One Open Dental practice OD-01 (Europe/Madrid, cancel = Broken) whose agent and cloud share a real sshd; returns the config file.</summary>
    internal static async Task<string> WriteConfigAsync(SshdServer sshd, string cloudDb, string pms, string[]? extensionColumns = null, object? status = null)
    {
        var folder = Directory.CreateTempSubdirectory("rf-status-rt-").FullName;
        Directory.CreateDirectory(Path.Combine(sshd.RootFolder, "OD-01"));
        object Sftp(string root) => new
        {
            Kind = "Sftp", sshd.Host, sshd.Port, sshd.UserName, PrivateKeyPath = sshd.ClientKeyPath, HostKeySha256 = new[] { sshd.HostKeySha256 },
            RootPath = root, MinFileAge = "00:00:00", RetryCount = 1, RetryBaseDelay = "00:00:00.050", RetryMaxDelay = "00:00:00.100",
        };
        var config = Path.Combine(folder, "appsettings.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            RecallFiles = new
            {
                DataFolder = Path.Combine(folder, "data"),
                Database = new { ConnectionString = cloudDb },
                Importer = new { ArchiveFolder = Path.Combine(folder, "archive") },
                DropBoxes = new { @default = Sftp(sshd.RootFolder) },
                Practices = new Dictionary<string, object> { ["OD-01"] = new { TimeZone = "Europe/Madrid" } },
                Agent = new
                {
                    Practices = new[]
                    {
                        new
                        {
                            PracticeId = "OD-01", Source = "OpenDental", ConnectionString = pms, TimeZone = "Europe/Madrid",
                            DropBox = Sftp(Path.Combine(sshd.RootFolder, "OD-01")), Status = status ?? new { Enabled = true, CancelMode = "Broken" },
                            ExtensionColumns = extensionColumns ?? [],
                        },
                    },
                },
            },
        }));
        return config;
    }

    [TestMethod]
    public async Task Reply_EndsBrokenInOpenDentalAndAppliedInTheCloud_ThroughSshd()
    {
        await using var maria = await MariaDbServer.StartAsync();
        var pms = await OpenDentalStatusApplyTests.CreatePmsAsync(maria, "od_roundtrip");
        await using var sshd = await SshdServer.StartAsync();
        var cloudDb = await PostgresFixture.CreateDatabaseAsync("status_roundtrip");
        var config = await WriteConfigAsync(sshd, cloudDb, pms);

        // The cloud learns the schedule from the PMS: export (agent) → sshd → import (cloud).
        await OkAsync(config, "export", "--once", "--now", "2026-10-24T10:00:00Z");
        await OkAsync(config, "import", "--once");

        var reply = await OkAsync(config, "reply", "OD-01", "101", "cancel");
        StringAssert.Contains(reply.Out, "CANCELLED by USER");
        var export = await OkAsync(config, "status-export");
        StringAssert.Contains(export.Out, "1 update(s)");
        Assert.AreEqual("OD-01: nothing queued", (await OkAsync(config, "status-export")).Out.Trim(), "each update goes into exactly one file");
        var apply = await OkAsync(config, "status-apply", "--once", "--practice", "OD-01");
        StringAssert.Contains(apply.Out, "OK 1");
        var results = await OkAsync(config, "status-results", "--once");
        StringAssert.Contains(results.Out, "1 applied");

        var apt = await OpenDentalStatusApplyTests.AptAsync(pms, 101);
        Assert.AreEqual(5, apt.AptStatus, "the configured cancelled state: Broken");
        StringAssert.Contains(apt.Note, "CANCELLED by USER via reminder");
        await using (var connection = new NpgsqlConnection(cloudDb))
        {
            await connection.OpenAsync();
            await using var select = new NpgsqlCommand("SELECT state, file_name FROM status_updates", connection);
            await using var reader = await select.ExecuteReaderAsync();
            Assert.IsTrue(await reader.ReadAsync());
            Assert.AreEqual("applied", reader.GetString(0));
            Assert.IsFalse(await reader.ReadAsync(), "one status update");
        }

        var statusFiles = Directory.GetFiles(Path.Combine(sshd.RootFolder, "OD-01", "status"), "*", SearchOption.AllDirectories);
        var resultFiles = Directory.GetFiles(Path.Combine(sshd.RootFolder, "OD-01", "results"), "*", SearchOption.AllDirectories);
        Assert.HasCount(1, statusFiles, string.Join(", ", statusFiles));
        Assert.HasCount(1, resultFiles, string.Join(", ", resultFiles));
        StringAssert.Matches(statusFiles[0], new System.Text.RegularExpressions.Regex(@"/status/processed/\d{4}/\d{2}/\d{2}/STATUS_OD-01_"));
        StringAssert.Matches(resultFiles[0], new System.Text.RegularExpressions.Regex(@"/results/processed/\d{4}/\d{2}/\d{2}/STATUS_RESULT_OD-01_"));
        StringAssert.Contains((await OkAsync(config, "status-updates")).Out, "applied");
        StringAssert.Matches((await OkAsync(config, "batches")).Out, new System.Text.RegularExpressions.Regex(@"OD-01\s+0\s+0\s+1\s+0\s+0\s+0"),
            "./recallfiles batches shows the update applied");

        // Running everything again changes nothing.
        await OkAsync(config, "status-export");
        await OkAsync(config, "status-apply", "--once");
        await OkAsync(config, "status-results", "--once");
        Assert.HasCount(1, Directory.GetFiles(Path.Combine(sshd.RootFolder, "OD-01", "results"), "*", SearchOption.AllDirectories));
    }

    // Issue 15: the two statuses only the file format knew make the whole trip too (issued by support, as the dashboard does).
    [TestMethod]
    [DataRow("PENDING", 1, 19L, "")]
    [DataRow("CANCELLED by ADMIN", 5, -1L, "CANCELLED by ADMIN via reminder")]
    public async Task Reply_RoundTripsPendingAndCancelledByAdmin_ToOpenDentalAndBack(string status, int aptStatus, long confirmed, string note)
    {
        await using var maria = await MariaDbServer.StartAsync();
        var pms = await OpenDentalStatusApplyTests.CreatePmsAsync(maria, "od_roundtrip_four");
        await using var sshd = await SshdServer.StartAsync();
        var cloudDb = await PostgresFixture.CreateDatabaseAsync("status_roundtrip_four");
        var config = await WriteConfigAsync(sshd, cloudDb, pms, status: new { Enabled = true, CancelMode = "Broken", PendingDefinition = "Unconfirmed" });
        await OkAsync(config, "export", "--once", "--now", "2026-10-24T10:00:00Z");
        await OkAsync(config, "import", "--once");
        var before = await OpenDentalStatusApplyTests.AptAsync(pms, 101);

        StringAssert.Contains((await OkAsync(config, "reply", "OD-01", "101", status)).Out, status);
        StringAssert.Contains((await OkAsync(config, "status-export")).Out, "1 update(s)");
        StringAssert.Contains((await OkAsync(config, "status-apply", "--once", "--practice", "OD-01")).Out, "OK 1");
        StringAssert.Contains((await OkAsync(config, "status-results", "--once")).Out, "1 applied");

        var apt = await OpenDentalStatusApplyTests.AptAsync(pms, 101);
        Assert.AreEqual(aptStatus, apt.AptStatus);
        Assert.AreEqual(confirmed < 0 ? before.Confirmed : confirmed, apt.Confirmed, "PENDING sets the Unconfirmed definition (DefNum 19)");
        if (note.Length > 0)
        {
            StringAssert.Contains(apt.Note, note);
        }

        await using var connection = new NpgsqlConnection(cloudDb);
        await connection.OpenAsync();
        await using var select = new NpgsqlCommand("SELECT status || '/' || state FROM status_updates", connection);
        Assert.AreEqual($"{status}/applied", await select.ExecuteScalarAsync());
    }
}
