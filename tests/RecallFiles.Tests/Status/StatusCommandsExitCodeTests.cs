using System.Text.Json;
using RecallFiles.Scheduler.Cli;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Status;

/// <summary>Exit codes of the cloud verbs (import and the status verbs): 0 done, 1 failed, 2 usage or configuration error.</summary>
[TestClass]
public sealed class StatusCommandsExitCodeTests
{
    private static string s_config = null!;
    private static string s_unreachable = null!;

    [ClassInitialize]
    public static async Task SetupAsync(TestContext _)
    {
        var folder = Directory.CreateTempSubdirectory("rf-status-cli-").FullName;
        var drop = Directory.CreateDirectory(Path.Combine(folder, "drop")).FullName;
        Directory.CreateDirectory(Path.Combine(drop, "DEMO-01", "appointments"));
        s_config = Write(folder, "cloud.json", await PostgresFixture.CreateDatabaseAsync("statuscli"), drop);
        s_unreachable = Write(folder, "unreachable.json", $"Host=127.0.0.1;Port={Ports.FreeTcpPort()};Username=x;Password=y;Database=z;Timeout=3", drop);
    }

    private static string Write(string folder, string name, string connectionString, string drop)
    {
        var config = new Dictionary<string, object>
        {
            ["RecallFiles"] = new Dictionary<string, object>
            {
                ["DataFolder"] = Path.Combine(folder, "data"),
                ["Logging"] = new { Console = false },
                ["Database"] = new { ConnectionString = connectionString },
                ["DropBoxes"] = new { @default = new { Kind = "Local", RootPath = drop, RequireDoneFile = true } },
                ["Practices"] = new Dictionary<string, object> { ["DEMO-01"] = new { TimeZone = "Europe/Madrid" } },
            },
        };
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, JsonSerializer.Serialize(config));
        return path;
    }

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await RecallFilesCli.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [TestMethod]
    public async Task StatusResultsOnce_SaysHowManyFilesWait_ForAResultFileWithoutItsDoneMarker()
    {
        var results = Directory.CreateDirectory(Path.Combine(Path.GetDirectoryName(s_config)!, "drop", "DEMO-01", "results")).FullName;
        var path = Path.Combine(results, "STATUS_RESULT_DEMO-01_20261024T100000Z.csv");
        await File.WriteAllTextAsync(path, "APP_LID,STATUS,RESULT\r\n");
        try
        {
            var (exit, output, error) = await Run("status-results", "--once", "--config", s_config);

            Assert.AreEqual(0, exit, error);
            StringAssert.Contains(output, "DEMO-01: 0 result file(s): 0 applied, 0 conflicted, 0 failed, 0 not found, 1 file(s) still waiting");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    [DataRow(0, "import", "--once", "CLOUD")]
    [DataRow(1, "import", "--once", "UNREACHABLE")]
    [DataRow(2, "import", "CLOUD")]
    [DataRow(2, "import", "--once", "--practice", "NOPE", "CLOUD")]
    [DataRow(0, "status-export", "CLOUD")]
    [DataRow(0, "status-results", "--once", "CLOUD")]
    [DataRow(0, "status-updates", "CLOUD")]
    [DataRow(1, "reply", "DEMO-01", "NO-SUCH-APPOINTMENT", "cancel", "CLOUD")]
    [DataRow(1, "status-export", "UNREACHABLE")]
    [DataRow(1, "status-updates", "UNREACHABLE")]
    [DataRow(1, "reply", "DEMO-01", "A1", "confirm", "UNREACHABLE")]
    [DataRow(2, "reply", "DEMO-01", "A1", "maybe", "CLOUD")]
    [DataRow(2, "reply", "DEMO-01")]
    [DataRow(2, "status-export", "--practice", "NOPE", "CLOUD")]
    [DataRow(2, "status-results", "CLOUD")]
    [DataRow(2, "status-apply", "CLOUD")]
    [DataRow(2, "status-apply", "--once", "CLOUD")]
    public async Task StatusVerbs_ExitWithTheDocumentedCode(int expected, params string[] args)
    {
        string[] resolved = [.. args.SelectMany(a => a switch
        {
            "CLOUD" => new[] { "--config", s_config },
            "UNREACHABLE" => new[] { "--config", s_unreachable },
            _ => new[] { a },
        })];

        var (exit, output, error) = await Run(resolved);

        Assert.AreEqual(expected, exit, $"recallfiles {string.Join(' ', args)}\n{output}{error}");
        if (expected != 0)
        {
            Assert.IsFalse(string.IsNullOrWhiteSpace(error), "a failure says why on stderr");
        }
    }
}
