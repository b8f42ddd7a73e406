using System.Text.Json;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Hosting;
using RecallFiles.Tests.Exporter;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Scheduler;

[TestClass]
public sealed class AgentHostTests
{
    [TestMethod]
    public async Task AgentHost_SchedulesEachPracticeInItsTimeZone_AndUploadsTheInitialExportAtOnce()
    {
        var folder = Directory.CreateTempSubdirectory("rf-agent-").FullName;
        GenericSqlExportTests.CreateSqlitePms(folder);
        File.WriteAllText(Path.Combine(folder, "query.sql"), GenericSqlExportTests.SqliteQuery);
        var dropRoot = Directory.CreateDirectory(Path.Combine(folder, "drop")).FullName;
        var config = new
        {
            RecallFiles = new
            {
                DataFolder = Path.Combine(folder, "data"),
                Agent = new
                {
                    Practices = new[]
                    {
                        new
                        {
                            PracticeId = "GEN-01", Source = "GenericSql", Provider = "Sqlite", ConnectionString = $"Data Source={Path.Combine(folder, "pms.sqlite")}",
                            QueryFile = Path.Combine(folder, "query.sql"), TimeZone = "Europe/Madrid", Cron = "0 */4 * * *",
                            DropBox = new { Kind = "Local", RootPath = dropRoot },
                        },
                    },
                },
            },
        };
        var configPath = Path.Combine(folder, "appsettings.json");
        File.WriteAllText(configPath, JsonSerializer.Serialize(config));
        var settings = RecallFilesSettings.Load(configPath);
        var port = Ports.FreeTcpPort();

        await RealSchedule.AwaitQuietAsync("0 */4 * * *", "Europe/Madrid", TimeSpan.FromMinutes(2), CancellationToken.None);   // only the start-up export, counted
        await using var app = RecallFilesHost.Build(settings, HostRole.Agent, $"http://127.0.0.1:{port}");
        await app.StartAsync();
        try
        {
            var appointments = Path.Combine(dropRoot, "appointments");
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline && (!Directory.Exists(appointments) || Directory.GetFiles(appointments, "AGENT_GEN-01_*.json").Length == 0))
            {
                await Task.Delay(200);
            }

            var files = Directory.GetFiles(appointments, "*", SearchOption.AllDirectories).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.HasCount(2, files, "the export and its heartbeat (issue 17), no temporary names left behind: " + string.Join(", ", files));
            StringAssert.StartsWith(files[0], "AGENT_GEN-01_");
            StringAssert.StartsWith(files[1], "APPOINTMENTS_GEN-01_");

            using var connection = app.Services.GetRequiredService<JobStorage>().GetConnection();
            var job = connection.GetRecurringJobs().Single(j => j.Id == "export:GEN-01");
            Assert.AreEqual("0 */4 * * *", job.Cron);
            Assert.AreEqual("Europe/Madrid", job.TimeZoneId);
            Assert.AreEqual(AgentName.QueueOf(AgentName.Default), AgentName.QueueOf(job), "the agent's own queue (issue 17)");

            using var http = new HttpClient();
            var dashboard = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/hangfire"));
            Assert.AreEqual(System.Net.HttpStatusCode.OK, dashboard.StatusCode, "loopback may see the dashboard");
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
