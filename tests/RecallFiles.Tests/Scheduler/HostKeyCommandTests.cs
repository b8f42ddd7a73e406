using Microsoft.Extensions.Configuration;
using RecallFiles.Scheduler.Cli;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Scheduler;

[TestClass]
public sealed class HostKeyCommandTests
{
    private static SshdServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServer(TestContext context) => s_server = await SshdServer.StartAsync();

    [ClassCleanup]
    public static async Task StopServer() => await s_server.DisposeAsync();

    [TestMethod]
    public async Task HostKey_PrintsSameFingerprintAsSshKeygen_ForServerHostKey()
    {
        var keygen = await SshdServer.RunAsync("ssh-keygen", "-lf", s_server.HostKeyPublicPath);
        var expected = keygen.Split(' ')[1];
        var output = new StringWriter();
        var error = new StringWriter();
        var logins = s_server.LogLines.Count(l => l.Contains("Accepted", StringComparison.Ordinal));

        var exit = await RecallFilesCli.RunAsync(["hostkey", $"127.0.0.1:{s_server.Port}", "--timeout", "120"], output, error, TestContext.CancellationToken);

        Assert.AreEqual(0, exit, error.ToString());
        StringAssert.StartsWith(expected, "SHA256:");
        var first = output.ToString().Split('\n')[0];
        Assert.AreEqual($"ssh-ed25519 256 {expected}", first.TrimEnd());
        var printed = output.ToString().Split('\n').Where(l => l.Contains(" = ", StringComparison.Ordinal)).Select(l => l.Split(": ", 2)[1].Split(" = ")[0]).ToList();
        Assert.HasCount(2, printed, "the agent's key and the cloud's");
        var asConfigured = new ConfigurationBuilder().AddInMemoryCollection(
            printed.ToDictionary(k => k.Replace("{id}", "ACME-01", StringComparison.Ordinal).Replace("{name}", "main", StringComparison.Ordinal), _ => (string?)expected)).Build();
        Assert.IsEmpty(RecallFiles.Scheduler.Configuration.KnownKeys.Unknown(asConfigured), "every printed key is one the product reads");
        Assert.AreEqual(logins, s_server.LogLines.Count(l => l.Contains("Accepted", StringComparison.Ordinal)), "no login attempted");
    }

    [TestMethod]
    public async Task HostKey_ExitsOneWithMessage_WhenNothingListens()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = await RecallFilesCli.RunAsync(["hostkey", $"127.0.0.1:{Ports.FreeTcpPort()}", "--timeout", "5"], output, error, TestContext.CancellationToken);

        Assert.AreEqual(1, exit);
        Assert.Contains("Cannot read the SSH host key of 127.0.0.1:", error.ToString());
    }

    [TestMethod]
    public async Task HostKey_ExitsTwo_WhenPortIsNotANumber()
    {
        var error = new StringWriter();

        var exit = await RecallFilesCli.RunAsync(["hostkey", "127.0.0.1:ssh"], new StringWriter(), error, TestContext.CancellationToken);

        Assert.AreEqual(2, exit);
        Assert.Contains("is not HOST or HOST:PORT", error.ToString());
    }
}
