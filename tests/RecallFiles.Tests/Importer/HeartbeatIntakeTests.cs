using System.Text;
using RecallFiles.Importer;
using RecallFiles.Importer.Agents;
using RecallFiles.Importer.Pickup;
using RecallFiles.Schemas;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Transport;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Importer;

/// <summary>
/// Issue 17: agents' heartbeats come in through the shared inbox, beside appointment files, over a real sshd into a real
/// PostgreSQL: a valid one is archived, stored and moved to processed/; hostile, oversized and forged ones are refused to
/// failed/ with a report in errors/, and none of them reaches <c>agent_heartbeats</c> or the appointment flow.
/// </summary>
[TestClass]
public sealed class HeartbeatIntakeTests
{
    private static string Valid(string practice = "ACME", string result = "ok", string? error = null, string extra = "") => $$"""
        {"format":"recallfiles-agent-heartbeat/1","practice":"{{practice}}","agent":"pms_host_1","version":"1.4.0","host":"PMS-HOST-1",
         "interval_seconds":14400,"export_result":"{{result}}","export_error":{{(error is null ? "null" : $"\"{error}\"")}},
         "export_finished_at":"2026-11-23T07:58:00Z","ledger_failures":0,"status_applied":5,"status_failed":1,"status_conflicts":2{{extra}}}
        """;

    [TestMethod]
    public async Task Poll_StoresAValidHeartbeatAndRefusesHostileOnesWithAReport_BesideAnAppointmentFile()
    {
        await using var sshd = await SshdServer.StartAsync();
        await using var store = await CreateAsync("heartbeats");
        var folder = Directory.CreateDirectory($"{sshd.RootFolder}/ACME/appointments").FullName;
        var hostile = new Dictionary<string, string>
        {
            ["AGENT_ACME_20261123T075800Z.json"] = Valid(extra: $",\"padding\":\"{new string('x', 20_000)}\""),          // oversized
            ["AGENT_OTHER_20261123T075700Z.json"] = Valid("OTHER"),                                                     // forged: another practice's name
            ["AGENT_ACME_20261123T075600Z.json"] = Valid("OTHER"),                                                      // forged: another practice inside
            ["AGENT_ACME_20261123T100000Z.json"] = Valid(),                                                             // from the future
            ["AGENT_ACME_20261123T075500Z.json"] = "<script>alert(1)</script>",                                          // not JSON
            ["AGENT_ACME_20261123T075400Z.json"] = "{\"a\":[[[[[[[[[[1]]]]]]]]]]}",                                      // nested deep
            ["AGENT_ACME_20261123T075300Z.json"] = Valid(result: "pwned"),                                             // unknown result
            ["AGENT_ACME_20261123T075200Z.json"] = Valid(result: "failed", error: new string('e', 1500)),              // error too long
            ["AGENT_ACME_latest.json"] = Valid(),                                                                       // not a heartbeat name
        };
        foreach (var (name, content) in hostile)
        {
            await System.IO.File.WriteAllTextAsync(Path.Combine(folder, name), content);
        }

        const string valid = "AGENT_ACME_20261123T075900Z.json";
        await System.IO.File.WriteAllTextAsync(Path.Combine(folder, valid), Valid(result: "failed", error: "PMS unreachable: connection refused"));
        await System.IO.File.WriteAllTextAsync(Path.Combine(folder, Name("ACME", "20261123T075000Z")), ImporterStore.File(Row("H1")));

        var clock = new ManualTimeProvider();   // 2026-11-23 08:00 UTC
        var service = new PickupService(store.DataSource,
            new ImporterOptions { ArchiveFolder = store.ArchiveFolder, ServerName = "test", Practices = new Dictionary<string, RecallFiles.Importer.Practices.PracticeOptions> { ["ACME"] = Practice("ACME") } },
            new Dictionary<string, DropBoxOptions> { ["default"] = sshd.CreateOptions() with { MinFileAge = TimeSpan.Zero } }, clock);
        var poll = await service.PollAsync(Practice("ACME"));

        Assert.IsEmpty(poll.Errors, string.Join("; ", poll.Errors));
        Assert.AreEqual(1, poll.Heartbeats);
        Assert.AreEqual(1L, await store.ScalarAsync<long>("SELECT count(*) FROM agent_heartbeats"));
        var agent = (await AgentHealth.ListAsync(store.DataSource, CancellationToken.None)).Single();
        Assert.AreEqual(("ACME", "pms_host_1", "1.4.0", "PMS-HOST-1", "failed", "PMS unreachable: connection refused"),
            (agent.PracticeId, agent.Agent, agent.Version, agent.Host, agent.ExportResult, agent.ExportError));
        Assert.AreEqual((5, 1, 2, TimeSpan.FromHours(4)), (agent.StatusApplied, agent.StatusFailed, agent.StatusConflicts, agent.Interval));
        Assert.AreEqual(new DateTimeOffset(2026, 11, 23, 7, 59, 0, TimeSpan.Zero), agent.SentAt);

        // The appointment file next to them went its own way, and no heartbeat became a batch.
        Assert.AreEqual(1L, await store.ScalarAsync<long>("SELECT count(*) FROM batches"));
        Assert.AreEqual(Name("ACME", "20261123T075000Z"), await store.ScalarAsync<string>("SELECT remote_name FROM batches"));
        CollectionAssert.AreEquivalent(new[] { "H1" }, (await store.AppointmentsAsync("ACME")).Keys.ToArray());

        // Archived, then moved to processed/.
        Assert.IsTrue(System.IO.File.Exists(Path.Combine(store.ArchiveFolder, "ACME", "agents", "2026", "11", "23", valid)));
        Assert.IsTrue(System.IO.File.Exists($"{folder}/processed/2026/11/23/{valid}"));
        Assert.IsFalse(System.IO.File.Exists(Path.Combine(folder, valid)));

        // Every hostile file: to failed/ with its reason beside it and a report in errors/; none left in the inbox.
        var errors = $"{sshd.RootFolder}/ACME/errors";
        foreach (var name in hostile.Keys)
        {
            Assert.IsTrue(System.IO.File.Exists($"{folder}/failed/{name}"), $"{name} in failed/");
            Assert.IsTrue(System.IO.File.Exists($"{folder}/failed/{name}.error.txt"), $"{name}'s reason beside it");
            Assert.IsTrue(System.IO.File.Exists($"{errors}/{Path.GetFileNameWithoutExtension(name)}.errors.csv"), $"{name}'s report in errors/");
            Assert.IsFalse(System.IO.File.Exists(Path.Combine(folder, name)));
        }

        string Reason(string name) => System.IO.File.ReadAllText($"{folder}/failed/{name}.error.txt");
        StringAssert.Contains(Reason("AGENT_ACME_20261123T075800Z.json"), "at most 16,384");
        StringAssert.Contains(Reason("AGENT_OTHER_20261123T075700Z.json"), "names practice OTHER");
        StringAssert.Contains(Reason("AGENT_ACME_20261123T075600Z.json"), "practice is 'OTHER'");
        StringAssert.Contains(Reason("AGENT_ACME_20261123T100000Z.json"), "ahead of this server's clock");
        StringAssert.Contains(Reason("AGENT_ACME_20261123T075500Z.json"), "not valid JSON");
        StringAssert.Contains(Reason("AGENT_ACME_20261123T075400Z.json"), "not valid JSON");
        StringAssert.Contains(Reason("AGENT_ACME_20261123T075300Z.json"), "export_result is 'pwned'");
        StringAssert.Contains(Reason("AGENT_ACME_20261123T075200Z.json"), "'export_error' is 1,500 characters");
        StringAssert.Contains(Reason("AGENT_ACME_latest.json"), "is not a contract file name");

        // A second poll finds nothing more to do: the same heartbeat is never stored twice.
        var again = await service.PollAsync(Practice("ACME"));
        Assert.AreEqual(0, again.Heartbeats);
        Assert.AreEqual(1L, await store.ScalarAsync<long>("SELECT count(*) FROM agent_heartbeats"));
    }

    [TestMethod]
    public void TryRead_RoundTripsWhatTheAgentWrites()
    {
        var sent = new AgentHeartbeat("ACME", "pms_host_1", "1.4.0", "PMS-HOST-1", 14400, "failed", "PMS unreachable", new DateTimeOffset(2026, 11, 23, 7, 58, 0, TimeSpan.Zero), 3, 5, 1, 2);
        var bytes = sent.ToJson();

        Assert.IsTrue(AgentHeartbeat.TryRead(bytes, "ACME", out var read, out var error), error);
        Assert.AreEqual(sent, read);
        Assert.IsLessThan(AgentHeartbeat.MaxBytes, bytes.Length);
        Assert.IsFalse(AgentHeartbeat.TryRead(bytes, "OTHER", out _, out error));
        StringAssert.Contains(error, "practice OTHER's folder");
        Assert.IsFalse(AgentHeartbeat.TryRead(Encoding.UTF8.GetBytes("[]"), "ACME", out _, out error));
        Assert.AreEqual("the heartbeat is not a JSON object", error);
    }
}
