using Cronos;
using Microsoft.Extensions.Configuration;
using RecallFiles.Exporter.StatusApply;
using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Tests.Status;

/// <summary>
/// Issue 14: the status schedules are offset — export, then the agent's apply, then the results import — so an answer
/// reaches the PMS within one interval; they used to fire in the same second, and a reply took 13–18 minutes.
/// </summary>
[TestClass]
public sealed class StatusScheduleTests
{
    [TestMethod]
    [DataRow("UTC")]
    [DataRow("Europe/Madrid")]
    [DataRow("America/St_Johns")] // UTC-3:30
    [DataRow("Asia/Kolkata")]     // UTC+5:30
    [DataRow("Asia/Kathmandu")]   // UTC+5:45
    public void DefaultSchedules_ApplyOneMinuteAfterTheExport_AndImportResultsOneMinuteAfterThat(string practiceZone)
    {
        var cloud = StatusCloudSettings.From(new ConfigurationBuilder().Build());
        var export = CronExpression.Parse(cloud.Cron);
        var apply = CronExpression.Parse(new StatusApplyOptions().Cron);
        var results = CronExpression.Parse(cloud.ResultsCron);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(practiceZone);

        // An answer at every second of a 10-minute span, around a DST change of the zones that have one.
        for (var reply = new DateTime(2026, 10, 25, 0, 55, 0, DateTimeKind.Utc); reply < new DateTime(2026, 10, 25, 1, 5, 0, DateTimeKind.Utc); reply = reply.AddSeconds(7))
        {
            var exported = export.GetNextOccurrence(reply, TimeZoneInfo.Utc)!.Value;
            var applied = apply.GetNextOccurrence(exported, zone)!.Value;
            var imported = results.GetNextOccurrence(applied, TimeZoneInfo.Utc)!.Value;

            Assert.AreEqual(TimeSpan.FromMinutes(1), applied - exported, $"apply after the export of {exported:O} in {practiceZone}");
            Assert.AreEqual(TimeSpan.FromMinutes(1), imported - applied, $"results after the apply of {applied:O}");
            Assert.IsLessThanOrEqualTo(TimeSpan.FromMinutes(7), imported - reply, "the round trip of an answer fits in one interval after its export");
        }
    }

    [TestMethod]
    public void From_Throws_NamingTheKey_ForAWrongResultsCron()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["RecallFiles:Status:ResultsCron"] = "every minute" }).Build();

        var ex = Assert.ThrowsExactly<SettingsException>(() => StatusCloudSettings.From(configuration));

        StringAssert.Contains(ex.Message, "RecallFiles:Status:ResultsCron 'every minute' is not a cron expression");
        StringAssert.Contains(ex.Message, "the default is '2-59/5 * * * *'");
    }
}
