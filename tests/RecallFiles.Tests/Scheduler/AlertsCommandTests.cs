using RecallFiles.Tests.Importer;
using RecallFiles.Tests.Infrastructure;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Scheduler;

/// <summary>Issue 17: <c>recallfiles alerts snooze|unsnooze|list</c> against a real store, audited.</summary>
[TestClass]
[DoNotParallelize] // the verbs read their configuration from the process environment
public sealed class AlertsCommandTests
{
    private static Task<(int Exit, string Out, string Err)> Run(ImporterStore store, params string[] args) =>
        CliRunner.RunAsync(new Dictionary<string, string?>
        {
            ["RecallFiles__Database__ConnectionString"] = store.ConnectionString,
            ["RecallFiles__DataFolder"] = Path.Combine(store.Folder, "data"),
            ["RecallFiles__Practices__ACME__TimeZone"] = "UTC",
        }, args);

    [TestMethod]
    public async Task AlertsSnooze_SnoozesThePracticeAndAuditsIt_AndUnsnoozeEndsIt()
    {
        await using var store = await CreateAsync("alerts_cli", Practice("ACME"));

        var snoozed = await Run(store, "alerts", "snooze", "ACME", "--hours", "8", "--reason", "closed today");
        var listed = await Run(store, "alerts", "list");
        var unknown = await Run(store, "alerts", "snooze", "NOPE-01");
        var tooLong = await Run(store, "alerts", "snooze", "ACME", "--hours", "500");
        var ended = await Run(store, "alerts", "unsnooze", "ACME");
        var after = await Run(store, "alerts", "list");

        Assert.AreEqual(0, snoozed.Exit, snoozed.Err);
        StringAssert.Contains(snoozed.Out, "ACME: snoozed until ");
        StringAssert.Contains(listed.Out, "snoozed ACME until ");
        StringAssert.Contains(listed.Out, ": closed today");
        Assert.AreEqual(2, unknown.Exit);
        StringAssert.Contains(unknown.Err, "no practice NOPE-01");
        Assert.AreEqual(2, tooLong.Exit);
        Assert.AreEqual(0, ended.Exit, ended.Err);
        StringAssert.Contains(ended.Out, "ACME: snooze ended");
        Assert.DoesNotContain("snoozed ACME", after.Out);
        var audit = await System.IO.File.ReadAllTextAsync(Path.Combine(store.Folder, "data", "logs", "audit.log"));
        StringAssert.Contains(audit, "alerts snooze practice=ACME snooze 8 h by=cli:");
        StringAssert.Contains(audit, "alerts unsnooze practice=ACME snooze by=cli:");
    }
}
