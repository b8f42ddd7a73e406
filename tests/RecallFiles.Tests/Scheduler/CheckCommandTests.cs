using System.Text.Json;
using RecallFiles.Scheduler.Cli;
using RecallFiles.Tests.Exporter;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Scheduler;

/// <summary><c>recallfiles check</c> against a real sshd and a real MariaDB (Open Dental layout).</summary>
[TestClass]
public sealed class CheckCommandTests
{
    private static SshdServer s_sshd = null!;
    private static MariaDbServer s_mariadb = null!;
    private static string s_connectionString = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        var sshd = SshdServer.StartAsync();
        var mariadb = MariaDbServer.StartAsync();
        s_sshd = await sshd;
        s_mariadb = await mariadb;
        await OpenDentalDatabase.CreateAsync(await s_mariadb.CreateDatabaseAsync("check_od"), bulk: 0);
        s_connectionString = await s_mariadb.CreateReadOnlyUserAsync("check_od", "recallfiles", "right-password");
    }

    [ClassCleanup]
    public static async Task Stop()
    {
        await s_sshd.DisposeAsync();
        await s_mariadb.DisposeAsync();
    }

    private static object Practice(string id, string connectionString, string hostKey, string root, string appointmentsFolder = "appointments") => new
    {
        PracticeId = id,
        Source = "OpenDental",
        ConnectionString = connectionString,
        AppointmentsFolder = appointmentsFolder,
        DropBox = new
        {
            Kind = "Sftp", Host = s_sshd.Host, Port = s_sshd.Port, UserName = s_sshd.UserName, PrivateKeyPath = s_sshd.ClientKeyPath,
            HostKeySha256 = new[] { hostKey }, RootPath = root, ConnectTimeout = "00:00:10",
        },
    };

    private async Task<(int Exit, string[] Lines, string Error)> Check(params object[] practices)
    {
        var folder = Directory.CreateTempSubdirectory("rf-check-").FullName;
        var path = Path.Combine(folder, "appsettings.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new
        {
            RecallFiles = new { DataFolder = Path.Combine(folder, "data"), Agent = new { Practices = practices } },
        }), TestContext.CancellationToken);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await RecallFilesCli.RunAsync(["check", "--config", path], output, error, TestContext.CancellationToken);
        TestContext.WriteLine(output.ToString());
        return (exit, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), error.ToString());
    }

    [TestMethod]
    public async Task Check_ExitsZero_WithOneOkLinePerCheck_WhenDatabaseDropBoxAndFoldersAreReachable()
    {
        var (exit, lines, error) = await Check(Practice("OD-01", s_connectionString, s_sshd.HostKeySha256, s_sshd.RootFolder));

        Assert.AreEqual(0, exit, error + string.Join('\n', lines));
        Assert.HasCount(5, lines);
        StringAssert.StartsWith(lines[0], "OK   folder data: ");
        Assert.AreEqual("OK   database OD-01: Open Dental database reachable, tables present", lines[1]);
        StringAssert.StartsWith(lines[2], $"OK   dropbox OD-01: sftp://{s_sshd.UserName}@127.0.0.1:{s_sshd.Port}");
        StringAssert.EndsWith(lines[2], "host key pinned, logged in");
        StringAssert.Contains(lines[3], "OK   folder OD-01 appointments: ");
        Assert.AreEqual("all 4 check(s) passed", lines[4]);
    }

    [TestMethod]
    public async Task Check_ExitsOne_WithAPreciseLine_ForAWrongHostKeyAWrongDatabasePasswordAndAMissingFolder()
    {
        var wrongKey = "SHA256:" + Convert.ToBase64String(new byte[32]).TrimEnd('=');
        var wrongPassword = s_connectionString.Replace("right-password", "wrong-password", StringComparison.Ordinal);
        var missing = Path.Combine(s_sshd.RootFolder, "no-such-folder");

        var (exit, lines, _) = await Check(
            // Folders of their own: two practices on one folder stop start-up (issue 13).
            Practice("KEY-01", s_connectionString, wrongKey, s_sshd.RootFolder, "key-01/appointments"),
            Practice("PWD-01", wrongPassword, s_sshd.HostKeySha256, s_sshd.RootFolder),
            Practice("DIR-01", s_connectionString, s_sshd.HostKeySha256, missing));

        Assert.AreEqual(1, exit);
        var key = lines.Single(l => l.StartsWith("FAIL dropbox KEY-01: ", StringComparison.Ordinal));
        StringAssert.Contains(key, $"SFTP host key for 127.0.0.1:{s_sshd.Port} is ssh-ed25519 {s_sshd.HostKeySha256}, which is not pinned");
        StringAssert.Contains(key, "RecallFiles:Agent:Practices:0:DropBox:HostKeySha256");
        var password = lines.Single(l => l.StartsWith("FAIL database PWD-01: ", StringComparison.Ordinal));
        StringAssert.Contains(password, "Access denied for user 'recallfiles'");
        Assert.DoesNotContain("wrong-password", string.Join('\n', lines), "no secret in the output");
        var folder = lines.Single(l => l.StartsWith("FAIL dropbox DIR-01: ", StringComparison.Ordinal));
        StringAssert.Contains(folder, $"the root folder '{missing}' does not exist");
        Assert.IsTrue(lines.Any(l => l.StartsWith("OK   database KEY-01", StringComparison.Ordinal)), "the others still pass");
        Assert.AreEqual("4 of 10 check(s) failed", lines[^1], "the folder of KEY-01 fails with its drop box");
    }

    [TestMethod]
    [DataRow("check", "--config", "/no/such/appsettings.json")]
    [DataRow("check", "--timeout", "0")]
    [DataRow("check", "--role", "moon")]
    public async Task Check_ExitsTwo_OnUsageAndConfigurationErrors(params string[] args)
    {
        using var error = new StringWriter();

        var exit = await RecallFilesCli.RunAsync(args, new StringWriter(), error, TestContext.CancellationToken);

        Assert.AreEqual(2, exit);
        Assert.IsFalse(string.IsNullOrWhiteSpace(error.ToString()));
    }
}
