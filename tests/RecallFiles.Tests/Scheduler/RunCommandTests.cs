using RecallFiles.Scheduler.Cli;
using RecallFiles.Scheduler.Dashboards;

namespace RecallFiles.Tests.Scheduler;

[TestClass]
public sealed class RunCommandTests
{
    public TestContext TestContext { get; set; } = null!;

    private async Task<(int Exit, string Out, string Err)> Run(string? json, params string[] args)
    {
        var list = args.ToList();
        if (json is not null)
        {
            var path = Path.Combine(Directory.CreateTempSubdirectory("rf-run-").FullName, "appsettings.json");
            await File.WriteAllTextAsync(path, json, TestContext.CancellationToken);
            list.AddRange(["--config", path]);
        }

        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await RecallFilesCli.RunAsync([.. list], output, error, TestContext.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    [TestMethod]
    public async Task Run_ExitsTwo_NamingTheKeyAndAllowedValues_ForAWrongValue()
    {
        var (exit, _, error) = await Run("""{ "RecallFiles": { "Logging": { "Format": "Xml" } } }""", "run", "--once");

        Assert.AreEqual(2, exit);
        StringAssert.Contains(error, "RecallFiles:Logging:Format");
    }

    [TestMethod]
    public async Task Run_ExitsTwo_WhenTheDashboardWouldBeOnTheNetworkWithoutALogin()
    {
        var folder = Directory.CreateTempSubdirectory("rf-run-").FullName.Replace("\\", "/", StringComparison.Ordinal);
        var (exit, _, error) = await Run($$"""{ "RecallFiles": { "DataFolder": "{{folder}}", "Agent": { "Practices": [ { "PracticeId": "A-1", "ConnectionString": "Server=x" } ] } } }""",
            "run", "--urls", "http://0.0.0.0:5080");

        Assert.AreEqual(2, exit);
        StringAssert.Contains(error, "RecallFiles:Dashboard:Users is empty but the host listens on http://0.0.0.0:5080");
    }

    [TestMethod]
    [DataRow("run", "--role", "moon")]
    [DataRow("run", "--config", "/no/such/appsettings.json")]
    [DataRow("run", "--unknown-option")]
    public async Task Run_ExitsTwo_OnUsageErrors(params string[] args)
    {
        var (exit, _, error) = await Run(null, args);

        Assert.AreEqual(2, exit);
        Assert.IsFalse(string.IsNullOrWhiteSpace(error));
    }

    [TestMethod]
    public async Task DashboardHashPassword_PrintsAVerifiableHash_AndExitsZero()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var previous = Console.In;
        Console.SetIn(new StringReader("a-long-enough-password\n"));
        int exit;
        try
        {
            exit = await RecallFilesCli.RunAsync(["dashboard-hash-password"], output, error, TestContext.CancellationToken);
        }
        finally
        {
            Console.SetIn(previous);
        }

        Assert.AreEqual(0, exit, error.ToString());
        var hash = output.ToString().Trim();
        StringAssert.StartsWith(hash, "pbkdf2-sha256$600000$");
        Assert.IsTrue(PasswordHash.Verify("a-long-enough-password", hash));
        Assert.IsFalse(PasswordHash.Verify("a-long-enough-passworD", hash));
        Assert.DoesNotContain("a-long-enough-password", output.ToString() + error, "the password is never echoed back");
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("short\n")]
    public async Task DashboardHashPassword_ExitsTwo_ForAMissingOrShortPassword(string input)
    {
        var previous = Console.In;
        Console.SetIn(new StringReader(input));
        try
        {
            var exit = await RecallFilesCli.RunAsync(["dashboard-hash-password"], new StringWriter(), new StringWriter(), TestContext.CancellationToken);
            Assert.AreEqual(2, exit);
        }
        finally
        {
            Console.SetIn(previous);
        }
    }
}
