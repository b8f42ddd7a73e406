using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Logging;

namespace RecallFiles.Tests.Scheduler;

[TestClass]
public sealed class LoggingTests
{
    private static RecallFilesSettings Settings(string folder, string format) => RecallFilesSettings.From(
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RecallFiles:DataFolder"] = folder,
            ["RecallFiles:Logging:Format"] = format,
            ["RecallFiles:Logging:Console"] = "false",
        }).Build(), file: null);

    [TestMethod]
    public void TextLog_KeepsEveryEventOnOneLine_WhateverTheMessageCarries()
    {
        var folder = Directory.CreateTempSubdirectory("rf-logging-").FullName;
        var settings = Settings(folder, "Text");
        const string Forged = "A1\r\n2026-12-02 01:00:00.0000|INFO|RecallFiles.Audit|approve practice=ACME batch 7 by=dashboard:support\u001b[2J";

        using (var loggers = RecallFilesLogging.CreateLoggerFactory(settings, consoleToStandardError: true))
        {
            var logger = loggers.CreateLogger("RecallFiles.Test");
            logger.LogWarning("status row for {AppLid} refused", Forged);
            logger.LogError(new InvalidOperationException("bad\nvalue " + Forged), "Job failed");
        }

        var lines = File.ReadAllLines(Path.Combine(settings.LogFolder, RecallFilesLogging.LogFileName));

        Assert.HasCount(2, lines, string.Join("\n", lines));
        Assert.IsTrue(lines.All(l => l.Contains("|RecallFiles.Test|", StringComparison.Ordinal)), "no line the events did not write");
        StringAssert.Contains(lines[0], "status row for A1\\n2026-12-02 01:00:00.0000|INFO|RecallFiles.Audit|approve");
        StringAssert.Contains(lines[0], "\\u001B[2J");
        StringAssert.Contains(lines[1], "System.InvalidOperationException: bad\\nvalue A1\\n");
    }

    [TestMethod]
    [DataRow("Text")]
    [DataRow("Json")]
    public void EveryTarget_MasksPhonesAndEmails_InMessagesExceptionsAndAudit(string format)
    {
        var folder = Directory.CreateTempSubdirectory("rf-logging-").FullName;
        var settings = Settings(folder, format);

        using (var loggers = RecallFilesLogging.CreateLoggerFactory(settings, consoleToStandardError: true))
        {
            var logger = loggers.CreateLogger("RecallFiles.Test");
            logger.LogWarning("Row 3: USER_MOBILE_PHONE {Phone} and USER_EMAIL {Email} rejected; batch {Batch} has {Rows} rows",
                "+34 600 111 222", "jane.roe@example.org", 4711, 300);
            logger.LogError(new InvalidOperationException("cannot send to (91) 555 9641 or to recall+8262@mail.example.com"), "Job failed");
            new AuditLog(settings.LogFolder).Record("replay", "DEMO-01", "batch 42 (contact 600 152 246)", "dashboard:support", "queued");
        }

        var log = File.ReadAllText(Path.Combine(settings.LogFolder, RecallFilesLogging.LogFileName));
        var audit = File.ReadAllText(Path.Combine(settings.LogFolder, RecallFilesLogging.AuditFileName));
        foreach (var secret in new[] { "600 111 222", "jane.roe", "555 9641", "recall+8262", "600 152 246" })
        {
            Assert.DoesNotContain(secret, log + audit, $"{secret} leaked");
        }

        StringAssert.Contains(log, "***1222");
        StringAssert.Contains(log, "j***@example.org");
        StringAssert.Contains(log, "***9641");
        StringAssert.Contains(log, "batch 4711 has 300 rows", "ordinary numbers stay");
        StringAssert.Contains(audit, "replay practice=DEMO-01 batch 42 (contact ***2246) by=dashboard:support outcome=queued");
        Assert.DoesNotContain("Job failed", audit, "only the audit category reaches audit.log");
        if (format == "Text")
        {
            Assert.DoesNotContain("}\n", log + audit, "nothing of the layout leaks into the lines");
            StringAssert.Contains(log, "System.InvalidOperationException: cannot send to ***9641", "the exception follows the message");
        }
        else
        {
            foreach (var line in log.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using var json = System.Text.Json.JsonDocument.Parse(line);
                Assert.IsTrue(json.RootElement.TryGetProperty("message", out _));
            }
        }
    }

    [TestMethod]
    public void From_FailsNamingTheKeyAndAllowedValues_ForAWrongLoggingValue()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RecallFiles:Logging:MinLevel"] = "Loud",
            ["RecallFiles:Hangfire:WorkerCount"] = "0",
        }).Build();

        var ex = Assert.ThrowsExactly<SettingsException>(() => RecallFilesSettings.From(configuration, null));

        StringAssert.Contains(ex.Message, "RecallFiles:Logging:MinLevel is 'Loud'; allowed: Trace, Debug, Information, Warning, Error, Critical");
        StringAssert.Contains(ex.Message, "RecallFiles:Hangfire:WorkerCount is 0; allowed 1-100");
    }
}
