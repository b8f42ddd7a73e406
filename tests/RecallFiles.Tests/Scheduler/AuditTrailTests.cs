using System.CommandLine;
using System.Net;
using Hangfire;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RecallFiles.Exporter.StatusApply;
using RecallFiles.Scheduler.Cli;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Hosting;
using RecallFiles.Scheduler.Jobs;
using RecallFiles.Scheduler.Logging;
using RecallFiles.Schemas;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Scheduler;

/// <summary>Issue 12: every state-changing path leaves an audit line with its actor, and the chain shows tampering.</summary>
[TestClass]
public sealed class AuditTrailTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>Verbs that only read (or print): everything else must be in <see cref="CliAudit.StateChangingVerbs"/>.</summary>
    private static readonly string[] ReadOnlyVerbs =
        ["validate", "exports", "hostkey", "batches", "trace", "check", "dashboard-hash-password", "status-updates", "dashboard-enroll-totp", "api-key list", "audit verify", "alerts list",
         "practices list"];

    private static IEnumerable<string> Leaves(Command command, string prefix) => command.Subcommands.Count == 0
        ? [prefix + command.Name]
        : command.Subcommands.SelectMany(c => Leaves(c, prefix + command.Name + " "));

    [TestMethod]
    public async Task AuditVerify_NamesTheLine_WhenALineIsEditedOrDeleted()
    {
        var folder = Directory.CreateTempSubdirectory("rf-audit-").FullName;
        var audit = new AuditLog(folder);
        for (var i = 1; i <= 5; i++)
        {
            audit.Record("replay", "DEMO-01", $"batch {i}", "dashboard:support", "applied");
        }

        async Task<(int Exit, string Output)> VerifyAsync()
        {
            var output = new StringWriter();
            var exit = await RecallFilesCli.RunAsync(["audit", "verify", "--file", audit.Path], output, output, TestContext.CancellationToken);
            return (exit, output.ToString());
        }

        var whole = await VerifyAsync();
        var original = await File.ReadAllLinesAsync(audit.Path, TestContext.CancellationToken);
        await File.WriteAllLinesAsync(audit.Path, original.Select((l, i) => i == 1 ? l.Replace("batch 2", "batch 7", StringComparison.Ordinal) : l), TestContext.CancellationToken);
        var edited = await VerifyAsync();
        await File.WriteAllLinesAsync(audit.Path, original.Where((_, i) => i != 2), TestContext.CancellationToken);
        var deleted = await VerifyAsync();
        await File.WriteAllLinesAsync(audit.Path, original.Take(4), TestContext.CancellationToken);
        var cut = await VerifyAsync();

        Assert.AreEqual(0, whole.Exit, whole.Output);
        StringAssert.Contains(whole.Output, "5 line(s), chain whole");
        Assert.AreEqual(1, edited.Exit);
        StringAssert.Contains(edited.Output, "BROKEN line 2 (#2): edited");
        Assert.AreEqual(1, deleted.Exit);
        StringAssert.Contains(deleted.Output, "BROKEN line 3 (#4): chain broken — 1 line(s) deleted before it (#3…#3)");
        Assert.AreEqual(1, cut.Exit);
        StringAssert.Contains(cut.Output, "line(s) cut off the end");
    }

    [TestMethod]
    public void CliVerbs_AreEachStateChangingAndAudited_OrReadOnly()
    {
        var verbs = RecallFilesCli.Verbs().SelectMany(v => Leaves(v, "")).ToList();

        foreach (var verb in verbs)
        {
            Assert.IsTrue(CliAudit.StateChangingVerbs.Contains(verb) ^ ReadOnlyVerbs.Contains(verb), $"'{verb}' must be listed once: audited (CliAudit.StateChangingVerbs) or read-only");
        }

        CollectionAssert.IsSubsetOf(CliAudit.StateChangingVerbs.ToList(), verbs, "no stale entry");
    }

    [TestMethod]
    public async Task ApiKeyVerbs_AndStatusApply_WriteAnAuditLineWithTheActor()
    {
        var folder = Directory.CreateTempSubdirectory("rf-audit-cli-").FullName;
        var config = Path.Combine(folder, "appsettings.json");
        await File.WriteAllTextAsync(config, $"{{\"RecallFiles\":{{\"DataFolder\":\"{folder}\",\"Logging\":{{\"Console\":false}}}}}}", TestContext.CancellationToken);
        var output = new StringWriter();

        var created = await RecallFilesCli.RunAsync(["api-key", "create", "engine", "--practice", "ACME-01", "--config", config], output, output, TestContext.CancellationToken);
        var revoked = await RecallFilesCli.RunAsync(["api-key", "revoke", "engine", "--config", config], output, output, TestContext.CancellationToken);
        var audit = new AuditLog(Path.Combine(folder, "logs"));
        StatusApplyJob.Audit(audit, new StatusApplyRun("ACME-01", [new StatusFileOutcome("STATUS_ACME-01_20261123T080000Z.csv", "RESULT_ACME-01_20261123T080000Z.csv",
            new Dictionary<StatusResultCode, int> { [StatusResultCode.Ok] = 3, [StatusResultCode.Conflict] = 1, [StatusResultCode.NotFound] = 2 }, false, null)], []), AuditLog.Scheduler);
        var text = await File.ReadAllTextAsync(audit.Path, TestContext.CancellationToken);

        Assert.AreEqual((0, 0), (created, revoked), output.ToString());
        StringAssert.Contains(text, "api-key create practice=ACME-01 key engine by=cli:");
        StringAssert.Contains(text, "api-key revoke practice=* key engine by=cli:");
        StringAssert.Contains(text, "status-apply practice=ACME-01 file STATUS_ACME-01_20261123T080000Z.csv rows=6 OK=3 ERROR=0 CONFLICT=1 NOT_FOUND=2 by=scheduler(");
        Assert.DoesNotContain(output.ToString().Split('\n')[0], text, "the key itself is never written down");
    }

    [TestMethod]
    public async Task DashboardActions_EachWriteAnAuditLineWithTheLogin_AllowedOrRefused()
    {
        var values = DashboardSecurityTests.Logins();
        values["RecallFiles:DataFolder"] = Directory.CreateTempSubdirectory("rf-audit-dash-").FullName;
        values["RecallFiles:Logging:Console"] = "false";
        var settings = RecallFilesSettings.From(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), null);
        var baseUrl = $"http://127.0.0.2:{Ports.FreeTcpPort()}";
        await using var app = RecallFilesHost.Build(settings, HostRole.Agent, baseUrl);
        await app.StartAsync(TestContext.CancellationToken);
        app.Services.GetRequiredService<IRecurringJobManager>().AddOrUpdate("audit:noop", () => Console.WriteLine("noop"), Cron.Never());
        var job = app.Services.GetRequiredService<IBackgroundJobClient>().Schedule(() => Console.WriteLine("later"), TimeSpan.FromDays(1));
        using var support = await DashboardSecurityTests.Client(baseUrl, "support", TestContext.CancellationToken);
        using var msp = await DashboardSecurityTests.Client(baseUrl, "msp", TestContext.CancellationToken);
        // Hangfire 1.8's own commands (DashboardRoutes) on this storage: recurring, jobs in each state, one job's actions.
        (string Page, string Path, string Form)[] actions =
        [
            ("/hangfire/recurring", "/hangfire/recurring/trigger", "audit:noop"),
            ("/hangfire/jobs/scheduled", "/hangfire/jobs/scheduled/enqueue", job),
            ("/hangfire/jobs/enqueued", "/hangfire/jobs/enqueued/requeue", job),
            ("/hangfire/jobs/enqueued", "/hangfire/jobs/enqueued/delete", job),
            ("/hangfire/jobs/failed", "/hangfire/jobs/failed/requeue", job),
            ("/hangfire/jobs/failed", "/hangfire/jobs/failed/delete", job),
            ("/hangfire/jobs/processing", "/hangfire/jobs/processing/delete", job),
            ($"/hangfire/jobs/details/{job}", $"/hangfire/jobs/actions/requeue/{job}", ""),
            ($"/hangfire/jobs/details/{job}", $"/hangfire/jobs/actions/delete/{job}", ""),
            ("/hangfire/recurring", "/hangfire/recurring/remove", "audit:noop"),
        ];

        foreach (var (page, path, form) in actions)
        {
            const string field = "jobs[]";
            var refused = await DashboardSecurityTests.PostLikeTheDashboard(msp, page, path, TestContext.CancellationToken, new KeyValuePair<string, string>(field, form));
            var done = await DashboardSecurityTests.PostLikeTheDashboard(support, page, path, TestContext.CancellationToken, new KeyValuePair<string, string>(field, form));
            Assert.AreEqual(HttpStatusCode.Forbidden, refused.StatusCode, path);
            Assert.AreNotEqual(HttpStatusCode.Forbidden, done.StatusCode, path);
        }

        var audit = await File.ReadAllTextAsync(Path.Combine(settings.LogFolder, "audit.log"), TestContext.CancellationToken);
        foreach (var (_, path, _) in actions)
        {
            StringAssert.Contains(audit, $"dashboard practice=- POST {path} ", path);
            StringAssert.Matches(audit, new System.Text.RegularExpressions.Regex($"POST {System.Text.RegularExpressions.Regex.Escape(path)} [^\\n]*by=dashboard:support outcome=done"), path);
            StringAssert.Matches(audit, new System.Text.RegularExpressions.Regex($"POST {System.Text.RegularExpressions.Regex.Escape(path)} [^\\n]*by=dashboard:msp outcome=refused 403"), path);
        }

        Assert.AreEqual(0, (await RecallFilesCli.RunAsync(["audit", "verify", "--file", Path.Combine(settings.LogFolder, "audit.log")], TextWriter.Null, TextWriter.Null,
            TestContext.CancellationToken)), "the chain is whole");
        await app.StopAsync(TestContext.CancellationToken);
    }
}
