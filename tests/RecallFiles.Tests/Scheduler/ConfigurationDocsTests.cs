using System.Reflection;
using System.Text.RegularExpressions;
using RecallFiles.Exporter;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Transport;

namespace RecallFiles.Tests.Scheduler;

[TestClass]
public sealed class ConfigurationDocsTests
{
    public static IEnumerable<object[]> SettingsTypes() =>
    [
        [typeof(LoggingSettings)], [typeof(AgentSettings)], [typeof(DashboardSettings)], [typeof(DashboardUser)], [typeof(HangfireSettings)],
        [typeof(PracticeExportOptions)], [typeof(DropBoxOptions)], [typeof(HousekeepingSettings)],
        [typeof(RecallFiles.Reminders.ReminderOptions)], [typeof(RecallFiles.Reminders.PracticeReminderOptions)],
        [typeof(RecallFiles.Reminders.Delivery.SmtpOptions)], [typeof(RecallFiles.Reminders.Delivery.SmsGatewayOptions)],
        [typeof(RecallFiles.Scheduler.Alerts.AlertOptions)], [typeof(RecallFiles.Scheduler.Alerts.AlertEmailOptions)],
        [typeof(RecallFiles.Scheduler.Alerts.AlertWebhookOptions)], [typeof(RecallFiles.Scheduler.Metrics.MetricsOptions)],
    ];

    [TestMethod]
    [DynamicData(nameof(SettingsTypes))]
    public void ConfigurationMd_ListsEveryKey_OfEachSettingsType(Type type)
    {
        var docs = File.ReadAllText(Path.Combine(Approved.RepoRoot, "docs", "configuration.md"));
        var keys = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is not null && p.Name != nameof(DropBoxOptions.ConfigurationPath))
            .Select(p => p.Name);

        var missing = keys.Where(k => !Regex.IsMatch(docs, $"[`:]{k}[`:]")).ToList();

        Assert.IsEmpty(missing, $"docs/configuration.md lacks {type.Name}: {string.Join(", ", missing)}");
    }
}
