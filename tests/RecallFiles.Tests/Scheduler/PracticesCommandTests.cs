using System.Text.Json;
using Npgsql;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Scheduler;

/// <summary>
/// <c>recallfiles practices add|edit|disable|enable|list</c> through the real command line on a real PostgreSQL store and a
/// local drop box (issue 17): folders created, rows written, audit lines, input refused with the reason, JSON practices
/// read-only, and the rule between JSON and the database — an id in both stops <c>run</c> and fails <c>check</c>, naming the key.
/// </summary>
[TestClass]
[DoNotParallelize] // CliRunner sets process environment variables
public sealed class PracticesCommandTests
{
    public TestContext TestContext { get; set; } = null!;

    private sealed record Cloud(string Config, string DropBox, string Database, string Logs);

    private static async Task<Cloud> CloudAsync(string prefix, IReadOnlyDictionary<string, object>? jsonPractices = null, string? database = null, string? dropBox = null)
    {
        var folder = Directory.CreateTempSubdirectory($"rf-{prefix}-").FullName;
        dropBox ??= Directory.CreateDirectory(Path.Combine(folder, "dropbox")).FullName;
        database ??= await PostgresFixture.CreateDatabaseAsync(prefix);
        var config = Path.Combine(folder, "appsettings.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            RecallFiles = new
            {
                DataFolder = Path.Combine(folder, "data"),
                Database = new { ConnectionString = database },
                DropBoxes = new Dictionary<string, object> { ["main"] = new { Kind = "Local", RootPath = dropBox } },
                Practices = jsonPractices ?? new Dictionary<string, object> { ["JSON-01"] = new { DropBox = "main", TimeZone = "Europe/Madrid" } },
            },
        }));
        return new Cloud(config, dropBox, database, Path.Combine(folder, "data", "logs"));
    }

    private async Task<(int Exit, string Out, string Err)> Cli(Cloud cloud, params string[] args)
    {
        var result = await CliRunner.RunAsync(new Dictionary<string, string?>(), [.. args, "--config", cloud.Config], TestContext.CancellationToken);
        TestContext.WriteLine($"$ recallfiles {string.Join(' ', args)} -> {result.Exit}\n{result.Out}{result.Err}");
        return result;
    }

    private static async Task<object?> ScalarAsync(Cloud cloud, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(cloud.Database);
        await using var command = dataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }

    private static string Audit(Cloud cloud) => File.ReadAllText(Path.Combine(cloud.Logs, "audit.log"));

    [TestMethod]
    public async Task PracticesAdd_CreatesItsFoldersAndRow_AndAudits()
    {
        var cloud = await CloudAsync("practices_add");

        var added = await Cli(cloud, "practices", "add", "DENT-301", "--drop-box", "main", "--time-zone", "America/Chicago", "--cadence", "02:00:00");
        var list = await Cli(cloud, "practices", "list");

        Assert.AreEqual(0, added.Exit, added.Err);
        foreach (var folder in new[] { "appointments", "appointments/processed", "appointments/failed", "results", "results/processed", "results/failed", "status", "errors" })
        {
            Assert.IsTrue(Directory.Exists(Path.Combine(cloud.DropBox, "DENT-301", folder)), $"DENT-301/{folder} created on the drop box");
        }

        Assert.AreEqual("db|America/Chicago|02:00:00|True", await ScalarAsync(cloud,
            "SELECT source || '|' || time_zone || '|' || cadence::text || '|' || CASE WHEN enabled THEN 'True' ELSE 'False' END FROM practices WHERE id = 'DENT-301'"));
        Assert.AreEqual(0, list.Exit, list.Err);
        var lines = list.Out.Split('\n');
        StringAssert.StartsWith(lines.Single(l => l.StartsWith("DENT-301", StringComparison.Ordinal)), "DENT-301             db     yes");
        StringAssert.StartsWith(lines.Single(l => l.StartsWith("JSON-01", StringComparison.Ordinal)), "JSON-01              json   yes");
        StringAssert.Contains(Audit(cloud), "practice-add practice=DENT-301 DropBox=main Folder=DENT-301/appointments TimeZone=America/Chicago");
        StringAssert.Contains(Audit(cloud), "by=cli:");
        StringAssert.Contains(Audit(cloud), "outcome=done (8 folder(s) ensured)");
    }

    [TestMethod]
    public async Task PracticesEditDisableEnable_ChangeTheRow_AndBumpItsVersion()
    {
        var cloud = await CloudAsync("practices_edit");
        Assert.AreEqual(0, (await Cli(cloud, "practices", "add", "DENT-302", "--drop-box", "main")).Exit);
        var before = (long)(await ScalarAsync(cloud, "SELECT config_version FROM practices WHERE id = 'DENT-302'"))!;

        var edited = await Cli(cloud, "practices", "edit", "DENT-302", "--time-zone", "Europe/Lisbon", "--row-errors", "RejectFile");
        var afterEdit = (long)(await ScalarAsync(cloud, "SELECT config_version FROM practices WHERE id = 'DENT-302'"))!;
        var disabled = await Cli(cloud, "practices", "disable", "DENT-302");
        var enabledAfterDisable = await ScalarAsync(cloud, "SELECT enabled FROM practices WHERE id = 'DENT-302'");
        var enabled = await Cli(cloud, "practices", "enable", "DENT-302");

        Assert.AreEqual(0, edited.Exit, edited.Err);
        Assert.AreEqual("Europe/Lisbon|reject_file|main", await ScalarAsync(cloud, "SELECT time_zone || '|' || row_error_policy || '|' || drop_box FROM practices WHERE id = 'DENT-302'"),
            "only the options given change");
        Assert.IsGreaterThan(before, afterEdit, "a change takes the next config_version (what running servers compare)");
        Assert.AreEqual(0, disabled.Exit, disabled.Err);
        Assert.IsFalse((bool)enabledAfterDisable!);
        Assert.AreEqual(0, enabled.Exit, enabled.Err);
        Assert.IsTrue((bool)(await ScalarAsync(cloud, "SELECT enabled FROM practices WHERE id = 'DENT-302'"))!);
        var audit = Audit(cloud);
        StringAssert.Contains(audit, "practice-edit practice=DENT-302 DropBox=main Folder=DENT-302/appointments TimeZone=Europe/Lisbon");
        StringAssert.Contains(audit, "practice-disable practice=DENT-302 Enabled=false by=cli:");
    }

    [TestMethod]
    public async Task PracticesAdd_ExitsTwo_NamingTheProblem_ForInvalidInput()
    {
        var cloud = await CloudAsync("practices_invalid");

        var badId = await Cli(cloud, "practices", "add", "DENT.301", "--drop-box", "main");
        var badZone = await Cli(cloud, "practices", "add", "DENT-303", "--drop-box", "main", "--time-zone", "Mars/Olympus_Mons");
        var noDropBox = await Cli(cloud, "practices", "add", "DENT-304", "--drop-box", "nowhere");
        var overlap = await Cli(cloud, "practices", "add", "DENT-305", "--drop-box", "main", "--folder", "JSON-01/appointments/dent305");
        var twice = await Cli(cloud, "practices", "add", "JSON-01", "--drop-box", "main");

        Assert.AreEqual(2, badId.Exit);
        StringAssert.Contains(badId.Err, "'DENT.301' is not a valid practice id");
        Assert.AreEqual(2, badZone.Exit);
        StringAssert.Contains(badZone.Err, "'Mars/Olympus_Mons' is not a known time zone");
        Assert.AreEqual(2, noDropBox.Exit);
        StringAssert.Contains(noDropBox.Err, "drop box 'nowhere' is not configured; configured drop boxes: main");
        Assert.AreEqual(2, overlap.Exit);
        StringAssert.Contains(overlap.Err, "JSON-01");
        Assert.AreEqual(2, twice.Exit);
        StringAssert.Contains(twice.Err, "practice JSON-01 is configured in JSON (RecallFiles:Practices:JSON-01)");
        Assert.AreEqual(0L, await ScalarAsync(cloud, "SELECT count(*) FROM practices WHERE source = 'db'"), "nothing written");
        Assert.IsFalse(Directory.Exists(Path.Combine(cloud.DropBox, "DENT-303")), "no folders for a refused practice");
        StringAssert.Contains(Audit(cloud), "practice-add practice=DENT-303");
        StringAssert.Contains(Audit(cloud), "outcome=refused: practice DENT-303");
    }

    [TestMethod]
    public async Task PracticesEdit_ExitsTwo_ForAPracticeConfiguredInJson()
    {
        var cloud = await CloudAsync("practices_json_ro");

        var edit = await Cli(cloud, "practices", "edit", "JSON-01", "--time-zone", "UTC");
        var disable = await Cli(cloud, "practices", "disable", "JSON-01");
        var unknown = await Cli(cloud, "practices", "disable", "NOBODY-01");

        Assert.AreEqual(2, edit.Exit);
        StringAssert.Contains(edit.Err, "practice JSON-01 is configured in JSON (RecallFiles:Practices:JSON-01), read-only here");
        Assert.AreEqual(2, disable.Exit);
        Assert.AreEqual("Europe/Madrid|True", await ScalarAsync(cloud, "SELECT time_zone || '|' || CASE WHEN enabled THEN 'True' ELSE 'False' END FROM practices WHERE id = 'JSON-01'"));
        Assert.AreEqual(2, unknown.Exit);
        StringAssert.Contains(unknown.Err, "there is no practice NOBODY-01");
        StringAssert.Contains(Audit(cloud), "practice-disable practice=JSON-01 - by=cli:");
    }

    [TestMethod]
    public async Task RunCloud_RunsWithPracticesOnlyInTheDatabase()
    {
        var cloud = await CloudAsync("practices_db_only", new Dictionary<string, object>());
        Assert.AreEqual(0, (await Cli(cloud, "practices", "add", "DENT-307", "--drop-box", "main")).Exit);
        var buffer = new StringWriter();
        var output = TextWriter.Synchronized(buffer);
        string Text()
        {
            lock (output) // SyncTextWriter's methods lock the writer itself
            {
                return buffer.ToString();
            }
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        stop.CancelAfter(TimeSpan.FromMinutes(3));

        var run = Task.Run(() => RecallFiles.Scheduler.Cli.RecallFilesCli.RunAsync(["run", "--role", "cloud", "--urls", $"http://127.0.0.1:{Ports.FreeTcpPort()}", "--config", cloud.Config],
            output, output, stop.Token), TestContext.CancellationToken);
        for (var i = 0; i < 1200 && !run.IsCompleted && !Text().Contains("cloud running", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100, TestContext.CancellationToken);
        }

        var started = Text();
        await stop.CancelAsync();
        var exit = await run;

        StringAssert.Contains(started, "RecallFiles cloud running: 0 agent practice(s), 1 cloud practice(s)", "no JSON practice, the store's one");
        Assert.AreEqual(0, exit, started);
    }

    [TestMethod]
    public async Task RunAndCheck_RefuseAndNameTheKey_WhenAPracticeIsInJsonAndInTheDatabase()
    {
        var first = await CloudAsync("practices_conflict");
        Assert.AreEqual(0, (await Cli(first, "practices", "add", "DENT-306", "--drop-box", "main", "--time-zone", "Europe/Madrid")).Exit);
        // The same store and drop box, and a configuration file that now also names DENT-306 (UTC by default).
        var both = await CloudAsync("practices_conflict2", new Dictionary<string, object>
        {
            ["JSON-01"] = new { DropBox = "main", TimeZone = "Europe/Madrid" },
            ["DENT-306"] = new { DropBox = "main" },
        }, first.Database, first.DropBox);

        var check = await Cli(both, "check", "--role", "cloud");
        var run = await Cli(both, "run", "--role", "cloud", "--urls", $"http://127.0.0.1:{Ports.FreeTcpPort()}");

        Assert.AreEqual(1, check.Exit);
        var line = check.Out.Split('\n').Single(l => l.StartsWith("FAIL database practices (JSON and database): ", StringComparison.Ordinal));
        StringAssert.Contains(line, "RecallFiles:Practices:DENT-306 is configured in JSON, but practice DENT-306 is managed in the database");
        StringAssert.Contains(line, "TimeZone (JSON UTC, database Europe/Madrid)");
        Assert.AreEqual(2, run.Exit, "start-up refuses, the host never runs on settings that disagree");
        StringAssert.Contains(run.Err, "RecallFiles:Practices:DENT-306 is configured in JSON");
        Assert.AreEqual("db|Europe/Madrid", await ScalarAsync(first, "SELECT source || '|' || time_zone FROM practices WHERE id = 'DENT-306'"), "the JSON did not overwrite it");
        var clean = await Cli(first, "check", "--role", "cloud");
        StringAssert.Contains(clean.Out, "OK   database practices (JSON and database): 1 configured in JSON, 1 managed in the database, no id in both");
    }
}
