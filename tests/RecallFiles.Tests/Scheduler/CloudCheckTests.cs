using System.Text.Json;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Scheduler;

/// <summary><c>recallfiles check --role cloud</c> on a configured cloud: a real PostgreSQL and a real sshd drop box.</summary>
[TestClass]
public sealed class CloudCheckTests
{
    private static SshdServer s_sshd = null!;
    private static string s_database = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        s_sshd = await SshdServer.StartAsync();
        s_database = await PostgresFixture.CreateDatabaseAsync("cloud_check");
    }

    [ClassCleanup]
    public static async Task Stop() => await s_sshd.DisposeAsync();

    private async Task<(int Exit, string[] Lines, string Error)> Check(string hostKey, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var folder = Directory.CreateTempSubdirectory("rf-cloud-check-").FullName;
        var path = Path.Combine(folder, "appsettings.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new
        {
            RecallFiles = new
            {
                DataFolder = Path.Combine(folder, "data"),
                Database = new { ConnectionString = s_database },
                DropBoxes = new Dictionary<string, object>
                {
                    ["main"] = new
                    {
                        Kind = "Sftp", Host = s_sshd.Host, Port = s_sshd.Port, UserName = s_sshd.UserName, PrivateKeyPath = s_sshd.ClientKeyPath,
                        HostKeySha256 = new[] { hostKey }, RootPath = s_sshd.RootFolder, ConnectTimeout = "00:00:10",
                    },
                },
                Practices = new Dictionary<string, object> { ["ACME-01"] = new { DropBox = "main", TimeZone = "Europe/Madrid" } },
            },
        }), TestContext.CancellationToken);
        var (exit, output, error) = await CliRunner.RunAsync(environment ?? new Dictionary<string, string?>(), ["check", "--role", "cloud", "--config", path], TestContext.CancellationToken);
        TestContext.WriteLine(output + error);
        return (exit, output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), error);
    }

    [TestMethod]
    public async Task CheckCloud_ExitsZero_WhenDatabaseDropBoxAndFoldersAreReachable()
    {
        var (exit, lines, error) = await Check(s_sshd.HostKeySha256);

        Assert.AreEqual(0, exit, error + string.Join('\n', lines));
        StringAssert.StartsWith(lines.Single(l => l.Contains("database cloud", StringComparison.Ordinal)), "OK   database cloud: PostgreSQL ");
        var dropBox = lines.Single(l => l.Contains("dropbox main", StringComparison.Ordinal));
        StringAssert.StartsWith(dropBox, $"OK   dropbox main: sftp://{s_sshd.UserName}@127.0.0.1:{s_sshd.Port}");
        StringAssert.EndsWith(dropBox, "host key pinned, logged in");
        StringAssert.StartsWith(lines.Single(l => l.Contains("folder main ACME-01/appointments", StringComparison.Ordinal)), "OK   folder main ACME-01/appointments: ");
        Assert.AreEqual("all 4 check(s) passed", lines[^1]);
    }

    [TestMethod]
    public async Task CheckCloud_ExitsOne_NamingTheKey_ForAWrongHostKey()
    {
        var wrongKey = "SHA256:" + Convert.ToBase64String(new byte[32]).TrimEnd('=');

        var (exit, lines, _) = await Check(wrongKey);

        Assert.AreEqual(1, exit);
        var key = lines.Single(l => l.StartsWith("FAIL dropbox main: ", StringComparison.Ordinal));
        StringAssert.Contains(key, $"SFTP host key for 127.0.0.1:{s_sshd.Port} is ssh-ed25519 {s_sshd.HostKeySha256}, which is not pinned");
        StringAssert.Contains(key, "RecallFiles:DropBoxes:main:HostKeySha256");
        Assert.IsTrue(lines.Any(l => l.StartsWith("OK   database cloud", StringComparison.Ordinal)), "the database still passes");
    }

    [TestMethod]
    [DoNotParallelize] // sets process environment variables
    public async Task CheckCloud_ExitsZero_InAShellThatAlsoHoldsTheAgentsVariables()
    {
        // Issue 14: the cloud reads only its own sections; an agent practice from a stray variable must not break it.
        var (exit, lines, error) = await Check(s_sshd.HostKeySha256, new Dictionary<string, string?>
        {
            ["RecallFiles__Agent__Practices__0__ConnectionString"] = "Server=pms;Database=opendental",
            ["RecallFiles__Agent__Practices__0__DropBox__Password"] = "secret",
        });

        Assert.AreEqual(0, exit, error);
        Assert.AreEqual("all 4 check(s) passed", lines[^1]);
    }
}
