using System.Text;
using System.Text.Json;
using Hangfire;
using Hangfire.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RecallFiles.Exporter.Ledger;
using RecallFiles.Importer;
using RecallFiles.Importer.Agents;
using RecallFiles.Importer.Pickup;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Dashboards;
using RecallFiles.Scheduler.Hosting;
using RecallFiles.Tests.Exporter;
using RecallFiles.Tests.Importer;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Transport;

namespace RecallFiles.Tests.Scheduler;

/// <summary>
/// Issue 17's acceptance: two agents on one Hangfire PostgreSQL store, their practices' drop boxes on a real sshd, SQLite
/// PMSs, over a compressed day (the practices' cron is every 4 hours; the test moves the agents' clock 4 hours and triggers
/// the recurring jobs as the schedule would): each agent runs only its own practices' exports and neither removes the
/// other's jobs; the cloud takes both agents' heartbeats in through its inbox and shows both; a stopped agent turns silent
/// after two intervals.
/// </summary>
[TestClass]
[DoNotParallelize] // two hosts in one process share Hangfire's static configuration
public sealed class AgentFleetTests
{
    private const string Cron = "0 */4 * * *";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task TwoAgents_RunOnlyTheirOwnPracticesAndTurnSilentWhenStopped_OnOneHangfireStore()
    {
        // The test triggers every slot itself and counts the runs: the real schedule must not add one while it runs.
        await RealSchedule.AwaitQuietAsync(Cron, "Europe/Madrid", TimeSpan.FromMinutes(6), TestContext.CancellationToken);
        await using var sshd = await SshdServer.StartAsync();
        await using var cloud = await ImporterStore.CreateAsync("fleet_cloud", ImporterStore.Practice("ALPHA-01"), ImporterStore.Practice("ALPHA-02"), ImporterStore.Practice("BETA-01"));
        var hangfire = await PostgresFixture.CreateDatabaseAsync("fleet_hf");
        var folder = Directory.CreateTempSubdirectory("rf-fleet-").FullName;
        GenericSqlExportTests.CreateSqlitePms(folder);
        File.WriteAllText(Path.Combine(folder, "query.sql"), GenericSqlExportTests.SqliteQuery);
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 10, 22, 0, 0, 30, TimeSpan.Zero));

        var alpha = await StartAgentAsync(sshd, folder, hangfire, "alpha", ["ALPHA-01", "ALPHA-02"], clock);
        var beta = await StartAgentAsync(sshd, folder, hangfire, "beta", ["BETA-01"], clock);   // its start-up clean-up ran after alpha's jobs existed
        var stopped = false;
        try
        {
            // Both agents' recurring jobs, each on its own queue, none removed by the other's start.
            var jobs = RecurringJobs(beta.App);
            Assert.AreEqual("agent_alpha", jobs["export:ALPHA-01"]);
            Assert.AreEqual("agent_alpha", jobs["export:ALPHA-02"]);
            Assert.AreEqual("agent_beta", jobs["export:BETA-01"]);
            Assert.IsTrue(jobs.ContainsKey("housekeeping:agent:alpha") && jobs.ContainsKey("housekeeping:agent:beta"), string.Join(", ", jobs.Keys));

            var pickup = new PickupService(cloud.DataSource, new ImporterOptions
            {
                ArchiveFolder = cloud.ArchiveFolder,
                ServerName = "cloud",
                Practices = new Dictionary<string, RecallFiles.Importer.Practices.PracticeOptions>
                {
                    ["ALPHA-01"] = ImporterStore.Practice("ALPHA-01"), ["ALPHA-02"] = ImporterStore.Practice("ALPHA-02"), ["BETA-01"] = ImporterStore.Practice("BETA-01"),
                },
            }, new Dictionary<string, DropBoxOptions> { ["default"] = sshd.CreateOptions() with { MinFileAge = TimeSpan.Zero } }, clock);

            // The initial exports (queued at start), then six 4-hour slots: a day.
            await WaitForUploadsAsync(alpha, beta, 1);
            for (var slot = 2; slot <= 7; slot++)
            {
                clock.Advance(TimeSpan.FromHours(4));
                var manager = alpha.App.Services.GetRequiredService<IRecurringJobManager>();
                foreach (var id in new[] { "export:ALPHA-01", "export:ALPHA-02", "export:BETA-01" })
                {
                    manager.Trigger(id);   // as the schedule would; the job goes to its agent's queue
                }

                await WaitForUploadsAsync(alpha, beta, slot);
                await PollAsync(pickup);
            }

            // Each agent exported only its own practices, seven times each, and nothing of the other's.
            var alphaRuns = new ExportLedger(alpha.Settings.LedgerPath).List(null, 100);
            var betaRuns = new ExportLedger(beta.Settings.LedgerPath).List(null, 100);
            CollectionAssert.AreEquivalent(new[] { "ALPHA-01", "ALPHA-02" }, alphaRuns.Select(r => r.PracticeId).Distinct().ToArray());
            CollectionAssert.AreEquivalent(new[] { "BETA-01" }, betaRuns.Select(r => r.PracticeId).Distinct().ToArray());
            Assert.AreEqual(14, alphaRuns.Count(r => r.Status == ExportStatus.Uploaded));
            Assert.AreEqual(7, betaRuns.Count(r => r.Status == ExportStatus.Uploaded));
            Assert.AreEqual(7, await cloud.ScalarAsync<long>("SELECT count(*) FROM batches WHERE practice_id = 'BETA-01'"), "one file per slot: no second agent exported it");

            // The cloud took every heartbeat in through the inbox (archived, moved to processed/) and shows both agents.
            Assert.AreEqual(21L, await cloud.ScalarAsync<long>("SELECT count(*) FROM agent_heartbeats"));
            Assert.IsEmpty(Directory.GetFiles($"{sshd.RootFolder}/BETA-01/appointments", "AGENT_*"), "taken heartbeats leave the inbox");
            Assert.HasCount(7, Directory.GetFiles(Path.Combine(cloud.ArchiveFolder, "BETA-01", "agents"), "AGENT_*.json", SearchOption.AllDirectories));
            var health = (await AgentHealth.ListAsync(cloud.DataSource, CancellationToken.None)).ToDictionary(a => a.PracticeId);
            Assert.AreEqual("alpha", health["ALPHA-01"].Agent);
            Assert.AreEqual("alpha", health["ALPHA-02"].Agent);
            Assert.AreEqual("beta", health["BETA-01"].Agent);
            Assert.AreEqual(TimeSpan.FromHours(4), health["BETA-01"].Interval);
            Assert.AreEqual("ok", health["BETA-01"].ExportResult);
            Assert.IsFalse(health.Values.Any(a => a.IsSilent(clock.GetUtcNow())), "every agent reported within its interval");

            // Beta stops; alpha runs two more slots. Beta is silent once 1.5 × 4 hours have passed, not before.
            await beta.App.StopAsync();
            stopped = true;
            var lastBeta = health["BETA-01"].SentAt;
            for (var slot = 8; slot <= 9; slot++)
            {
                clock.Advance(TimeSpan.FromHours(4));
                alpha.App.Services.GetRequiredService<IRecurringJobManager>().Trigger("export:ALPHA-01");
                alpha.App.Services.GetRequiredService<IRecurringJobManager>().Trigger("export:ALPHA-02");
                await WaitForUploadsAsync(alpha, null, slot);
                await PollAsync(pickup);
            }

            var after = (await AgentHealth.ListAsync(cloud.DataSource, CancellationToken.None)).ToDictionary(a => a.PracticeId);
            Assert.AreEqual(lastBeta, after["BETA-01"].SentAt, "no heartbeat from a stopped agent");
            Assert.IsFalse(after["BETA-01"].IsSilent(lastBeta + TimeSpan.FromHours(6)), "not silent at exactly 1.5 intervals");
            Assert.IsTrue(after["BETA-01"].IsSilent(lastBeta + TimeSpan.FromHours(6) + TimeSpan.FromSeconds(1)), "silent just after 1.5 intervals: within two of stopping");
            clock.Advance(TimeSpan.FromSeconds(1));
            Assert.IsTrue(after["BETA-01"].IsSilent(clock.GetUtcNow()));
            Assert.IsFalse(after["ALPHA-01"].IsSilent(clock.GetUtcNow()));
            Assert.IsFalse(after["ALPHA-02"].IsSilent(clock.GetUtcNow()));

            // The alert rules see the same: "agent silent" for beta's practice only, from the first evaluation after 1.5
            // intervals (the evaluation runs every minute), and none before.
            var options = new RecallFiles.Scheduler.Alerts.AlertOptions();
            var before = await RecallFiles.Scheduler.Alerts.AlertRules.EvaluateAsync(cloud.DataSource, options, 2, lastBeta + TimeSpan.FromHours(6), CancellationToken.None);
            Assert.IsFalse(before.Any(c => c.Rule == RecallFiles.Scheduler.Alerts.AlertRules.AgentSilent), "no agent is silent at 1.5 intervals");
            var conditions = await RecallFiles.Scheduler.Alerts.AlertRules.EvaluateAsync(cloud.DataSource, options, 2, lastBeta + TimeSpan.FromHours(6) + TimeSpan.FromMinutes(1), CancellationToken.None);
            CollectionAssert.AreEqual(new[] { "BETA-01" }, conditions.Where(c => c.Rule == RecallFiles.Scheduler.Alerts.AlertRules.AgentSilent).Select(c => c.PracticeId).ToArray());
            Assert.IsTrue(lastBeta + TimeSpan.FromHours(6) + TimeSpan.FromMinutes(1) < lastBeta + TimeSpan.FromHours(8), "raised within two intervals");

            // The Practices page's agent table says so.
            var html = new StringBuilder();
            AgentHealthTable.Append(html, [.. after.Values], clock.GetUtcNow(), v => System.Net.WebUtility.HtmlEncode(Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)) ?? "", t => $"{t:O}");
            var page = html.ToString();
            TestContext.WriteLine(page);
            StringAssert.Contains(page, "<strong>1</strong> silent");
            var betaRow = page[page.IndexOf("data-practice=\"BETA-01\"", StringComparison.Ordinal)..];
            StringAssert.StartsWith(betaRow[..betaRow.IndexOf("</tr>", StringComparison.Ordinal)].Split("<td>")[2], "<span class=\"label label-danger agent-silent\">silent");

            // Beta's jobs are still in the store: alpha never removed them.
            Assert.IsTrue(RecurringJobs(alpha.App).ContainsKey("export:BETA-01"));
        }
        finally
        {
            await alpha.App.StopAsync();
            if (!stopped)
            {
                await beta.App.StopAsync();
            }

            await alpha.App.DisposeAsync();
            await beta.App.DisposeAsync();
        }
    }

    [TestMethod]
    public async Task AgentStart_Refuses_APracticeAnotherRunningAgentExports()
    {
        await using var sshd = await SshdServer.StartAsync();
        var hangfire = await PostgresFixture.CreateDatabaseAsync("fleet_dup");
        var folder = Directory.CreateTempSubdirectory("rf-fleet-dup-").FullName;
        GenericSqlExportTests.CreateSqlitePms(folder);
        File.WriteAllText(Path.Combine(folder, "query.sql"), GenericSqlExportTests.SqliteQuery);
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 10, 22, 0, 0, 30, TimeSpan.Zero));
        var alpha = await StartAgentAsync(sshd, folder, hangfire, "alpha", ["DUP-01"], clock);
        try
        {
            var monitoring = alpha.App.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!monitoring.Servers().Any(s => s.Queues.Contains("agent_alpha")))
            {
                Assert.IsTrue(DateTime.UtcNow < deadline, "alpha's Hangfire server never announced itself");
                await Task.Delay(100);
            }

            var ex = await Assert.ThrowsExactlyAsync<SettingsException>(() => StartAgentAsync(sshd, folder, hangfire, "gamma", ["DUP-01"], clock));
            StringAssert.Contains(ex.Message, "practice DUP-01 is already exported by agent 'alpha'");
            Assert.AreEqual("agent_alpha", RecurringJobs(alpha.App)["export:DUP-01"], "the running agent keeps its job");
        }
        finally
        {
            await alpha.App.StopAsync();
            await alpha.App.DisposeAsync();
        }
    }

    [TestMethod]
    public async Task ExportJob_StillSendsAHeartbeatSayingFailed_WhenTheExportFails()
    {
        await RealSchedule.AwaitQuietAsync("0 */2 * * *", "Europe/Madrid", TimeSpan.FromMinutes(3), TestContext.CancellationToken);   // one failed run, counted
        await using var cloud = await ImporterStore.CreateAsync("fleet_failed", ImporterStore.Practice("GEN-01"));
        var folder = Directory.CreateTempSubdirectory("rf-fleet-failed-").FullName;
        GenericSqlExportTests.CreateSqlitePms(folder);
        File.WriteAllText(Path.Combine(folder, "query.sql"), GenericSqlExportTests.SqliteQuery.Replace("FROM visits v", "FROM no_such_visits v", StringComparison.Ordinal));
        var dropRoot = Directory.CreateDirectory(Path.Combine(folder, "drop")).FullName;
        var config = new
        {
            RecallFiles = new
            {
                DataFolder = Path.Combine(folder, "data"),
                Agent = new
                {
                    Name = "front_desk",
                    Practices = new Dictionary<string, object>
                    {
                        ["GEN-01"] = new
                        {
                            Source = "GenericSql", Provider = "Sqlite", ConnectionString = $"Data Source={Path.Combine(folder, "pms.sqlite")}",
                            QueryFile = Path.Combine(folder, "query.sql"), TimeZone = "Europe/Madrid", Cron = "0 */2 * * *", AppointmentsFolder = "GEN-01/appointments",
                            DropBox = new { Kind = "Local", RootPath = dropRoot },
                        },
                    },
                },
            },
        };
        var path = Path.Combine(folder, "appsettings.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(config));
        var settings = RecallFilesSettings.Load(path);
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 10, 22, 6, 0, 0, TimeSpan.Zero));
        await using var app = RecallFilesHost.Build(settings, HostRole.Agent, $"http://127.0.0.1:{Ports.FreeTcpPort()}", time: clock, quietConsole: true);
        await app.StartAsync();
        string heartbeat;
        try
        {
            // The initial export runs at start and fails (its query names a table the PMS does not have).
            var appointments = Path.Combine(dropRoot, "GEN-01", "appointments");
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!Directory.Exists(appointments) || Directory.GetFiles(appointments, "AGENT_GEN-01_*.json").Length == 0)
            {
                Assert.IsTrue(DateTime.UtcNow < deadline, "no heartbeat after the failed export");
                await Task.Delay(200);
            }

            heartbeat = Directory.GetFiles(appointments, "AGENT_GEN-01_*.json").Single();
            Assert.IsEmpty(Directory.GetFiles(appointments, "APPOINTMENTS_*"), "the failed export uploaded nothing");

            // The agent's own dashboard shows the failed run and its (empty) status applies, from its ledger.
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            var exports = await http.GetStringAsync(new Uri("/hangfire/agent/exports", UriKind.Relative));
            StringAssert.Contains(exports, "id=\"agent-exports\"");
            StringAssert.Contains(exports, "label-danger\">Failed</span>");
            StringAssert.Contains(exports, "no_such_visits");
            StringAssert.Contains(exports, "<strong id=\"agent-name\">front_desk</strong>");
            var statusLedger = new RecallFiles.Exporter.StatusApply.StatusLedger(settings.LedgerPath);
            const string statusFile = "STATUS_GEN-01_20261022T050000Z.csv";
            statusLedger.Begin("GEN-01", "sha", statusFile, "STATUS_RESULT_GEN-01_20261022T050000Z.csv", clock.GetUtcNow());
            statusLedger.Complete("GEN-01", "sha", statusFile, new[] { "OK", "OK", "CONFLICT", "NOT_FOUND", "ERROR" }.Select((r, i) =>
                new RecallFiles.Exporter.StatusApply.StatusRowEntry(statusFile, $"L{i}", "APPROVED", r, null, clock.GetUtcNow())), [1], null, clock.GetUtcNow());
            var applies = await http.GetStringAsync(new Uri("/hangfire/agent/status-applies", UriKind.Relative));
            StringAssert.Contains(applies, "id=\"agent-status-applies\"");
            StringAssert.Contains(applies, $"<td>{statusFile}</td><td>Applied</td><td>2</td><td>1</td><td>1</td><td>1</td>");
        }
        finally
        {
            await app.StopAsync();
        }

        using (var json = JsonDocument.Parse(await File.ReadAllBytesAsync(heartbeat)))
        {
            Assert.AreEqual("failed", json.RootElement.GetProperty("export_result").GetString());
            StringAssert.Contains(json.RootElement.GetProperty("export_error").GetString(), "no_such_visits");
            Assert.AreEqual(1, json.RootElement.GetProperty("ledger_failures").GetInt32());
            Assert.AreEqual("front_desk", json.RootElement.GetProperty("agent").GetString());
            Assert.AreEqual(7200, json.RootElement.GetProperty("interval_seconds").GetInt32());
        }

        // The cloud takes it in: the practice's agent shows the failed export and its error.
        var pickup = new PickupService(cloud.DataSource, new ImporterOptions
        {
            ArchiveFolder = cloud.ArchiveFolder, ServerName = "cloud",
            Practices = new Dictionary<string, RecallFiles.Importer.Practices.PracticeOptions> { ["GEN-01"] = ImporterStore.Practice("GEN-01") },
        }, new Dictionary<string, DropBoxOptions> { ["default"] = new() { Kind = DropBoxKind.Local, RootPath = dropRoot, MinFileAge = TimeSpan.Zero } }, clock);
        var poll = await pickup.PollAsync(ImporterStore.Practice("GEN-01"));
        Assert.AreEqual(1, poll.Heartbeats, string.Join("; ", poll.Errors));
        var agent = (await AgentHealth.ListAsync(cloud.DataSource, CancellationToken.None)).Single();
        Assert.IsTrue(agent.ExportFailed);
        StringAssert.Contains(agent.ExportError, "no_such_visits");
        Assert.AreEqual("front_desk", agent.Agent);
    }

    private sealed record Agent(WebApplication App, RecallFilesSettings Settings);

    private static async Task<Agent> StartAgentAsync(SshdServer sshd, string folder, string hangfire, string name, string[] practices, TimeProvider clock)
    {
        var dropBox = sshd.CreateOptions();
        var config = new
        {
            RecallFiles = new
            {
                DataFolder = Path.Combine(folder, "data-" + name),
                Hangfire = new { PostgreSql = hangfire, WorkerCount = 2, QueuePollInterval = "00:00:00.5" },
                Agent = new
                {
                    Name = name,
                    Practices = practices.ToDictionary(p => p, p => new
                    {
                        Source = "GenericSql", Provider = "Sqlite", ConnectionString = $"Data Source={Path.Combine(folder, "pms.sqlite")}",
                        QueryFile = Path.Combine(folder, "query.sql"), TimeZone = "Europe/Madrid", Cron, AppointmentsFolder = $"{p}/appointments",
                        DropBox = new
                        {
                            Kind = "Sftp", dropBox.Host, dropBox.Port, dropBox.UserName, dropBox.PrivateKeyPath, dropBox.HostKeySha256, dropBox.RootPath,
                            ConnectTimeout = "00:00:10", OperationTimeout = "00:00:30",
                        },
                    }),
                },
            },
        };
        var path = Path.Combine(folder, $"appsettings-{name}.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(config));
        var settings = RecallFilesSettings.Load(path);
        var app = RecallFilesHost.Build(settings, HostRole.Agent, $"http://127.0.0.1:{Ports.FreeTcpPort()}", time: clock, quietConsole: true);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new Agent(app, settings);
    }

    // The recurring jobs in the store and the queue each one's runs go to.
    private static Dictionary<string, string?> RecurringJobs(WebApplication app)
    {
        using var connection = app.Services.GetRequiredService<JobStorage>().GetConnection();
        return connection.GetRecurringJobs().ToDictionary(j => j.Id, AgentName.QueueOf);
    }

    // Until every practice of the running agents has uploaded `count` files (each run ends with its heartbeat).
    private static async Task WaitForUploadsAsync(Agent alpha, Agent? beta, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var uploaded = new ExportLedger(alpha.Settings.LedgerPath).List(null, 500).Where(r => r.Status == ExportStatus.Uploaded)
                .Concat(beta is null ? [] : new ExportLedger(beta.Settings.LedgerPath).List(null, 500).Where(r => r.Status == ExportStatus.Uploaded))
                .GroupBy(r => r.PracticeId).ToDictionary(g => g.Key, g => g.Count());
            var practices = alpha.Settings.Agent.Practices.Concat(beta?.Settings.Agent.Practices ?? []).Select(p => p.PracticeId).ToList();
            // The heartbeat is uploaded after the ledger records the upload: the slot is over when no job is left either.
            var monitoring = alpha.App.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
            if (practices.All(p => uploaded.GetValueOrDefault(p) >= count)
                && monitoring.ProcessingCount() == 0 && monitoring.EnqueuedCount("agent_alpha") == 0 && monitoring.EnqueuedCount("agent_beta") == 0)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"slot {count}: uploads so far {string.Join(", ", uploaded.Select(u => $"{u.Key}={u.Value}"))}");
            }

            await Task.Delay(200);
        }
    }

    private static async Task PollAsync(PickupService pickup)
    {
        foreach (var practice in pickup.Practices)
        {
            var result = await pickup.PollAsync(practice);
            Assert.IsEmpty(result.Errors, string.Join("; ", result.Errors));
        }
    }
}
