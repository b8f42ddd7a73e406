using Npgsql;
using RecallFiles.Reminders;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Reminders;

/// <summary>The reference reminder engine on a real PostgreSQL with the importer's schema, fed through appointment_events.</summary>
[TestClass]
public sealed class ReminderEngineTests
{
    private static async Task<(NpgsqlDataSource Db, ReminderEngine Engine, ManualTimeProvider Clock, ReminderScenario Scenario)> SetupAsync()
    {
        var scenario = await ReminderScenario.StartAsync();
        return (scenario.Db, scenario.Engine(), scenario.Clock, scenario);
    }

    [TestMethod]
    public async Task PlanAsync_PlansBothReminders_AndFeedback_ByMobile_InThePracticesTimeZone()
    {
        var (db, engine, _, scenario) = await SetupAsync();
        await scenario.EventAsync("A1", "added", "2026-11-26T10:30:00", end: "11:00:00");

        Assert.AreEqual(1, await engine.PlanAsync());

        var reminders = await scenario.RemindersAsync("A1");
        CollectionAssert.AreEqual(new[] { "48h", "2h", "feedback" }, reminders.Select(r => r.Label).ToArray());
        Assert.AreEqual(new DateTime(2026, 11, 24, 9, 30, 0, DateTimeKind.Utc), reminders[0].Due, "10:30 in Madrid (UTC+1) minus 48 h");
        Assert.AreEqual(new DateTime(2026, 11, 26, 7, 30, 0, DateTimeKind.Utc), reminders[1].Due);
        Assert.AreEqual(new DateTime(2026, 11, 26, 12, 0, 0, DateTimeKind.Utc), reminders[2].Due, "end 11:00 local + 2 h");
        Assert.IsTrue(reminders.All(r => r is { Channel: "sms", Address: "+34600111222", State: "planned" }));
        Assert.AreEqual(0, await engine.PlanAsync(), "the cursor moved: nothing twice");
    }

    [TestMethod]
    public async Task PlanAsync_ThrowsNamingTheKey_AndKeepsTheEvent_WhenThePracticesTimeZoneIsUnknown()
    {
        var (db, engine, _, scenario) = await SetupAsync();
        await using (var zone = db.CreateCommand("UPDATE practices SET time_zone = 'Mars/Olympus' WHERE id = 'DEMO-01'"))
        {
            await zone.ExecuteNonQueryAsync();
        }

        await scenario.EventAsync("A9", "added", "2026-11-26T10:30:00");

        var error = await Assert.ThrowsExactlyAsync<TimeZoneNotFoundException>(() => engine.PlanAsync());

        StringAssert.Contains(error.Message, "RecallFiles:Practices:DEMO-01:TimeZone 'Mars/Olympus' is not a known time zone");
        Assert.IsEmpty(await scenario.RemindersAsync("A9"), "nothing planned at a guessed (UTC) time");
        await using (var zone = db.CreateCommand("UPDATE practices SET time_zone = 'Europe/Madrid' WHERE id = 'DEMO-01'"))
        {
            await zone.ExecuteNonQueryAsync();
        }

        Assert.AreEqual(1, await engine.PlanAsync(), "the cursor did not move: the event is planned once the zone is fixed");
    }

    [TestMethod]
    [DataRow("011", "email", "p@example.org")]
    [DataRow("001", "landline", "+34915550001")]
    [DataRow("000", null, null)]
    public async Task PlanAsync_HonoursCommunicationPreferences(string preferences, string? channel, string? address)
    {
        var (db, engine, _, scenario) = await SetupAsync();
        await scenario.EventAsync("A2", "added", "2026-11-26T10:30:00", landline: "+34915550001", preferences: preferences);

        await engine.PlanAsync();

        var reminders = await scenario.RemindersAsync("A2");
        if (channel is null)
        {
            Assert.IsEmpty(reminders);
        }
        else
        {
            Assert.IsTrue(reminders.All(r => r.Channel == channel && r.Address == address));
        }
    }

    [TestMethod]
    public async Task PlanAsync_SkipsRemindersAlreadyInThePast_AndReplansAMovedAppointment()
    {
        var (db, engine, _, scenario) = await SetupAsync();
        await scenario.EventAsync("A3", "added", "2026-11-24T10:00:00");      // 25 h away: the 48 h reminder is already past
        await engine.PlanAsync();
        CollectionAssert.AreEqual(new[] { "2h", "feedback" }, (await scenario.RemindersAsync("A3")).Select(r => r.Label).ToArray());

        await scenario.EventAsync("A3", "changed", "2026-11-27T10:00:00");
        await engine.PlanAsync();

        var reminders = await scenario.RemindersAsync("A3");
        Assert.HasCount(2, reminders.Where(r => r.State == "cancelled").ToList());
        CollectionAssert.AreEqual(new[] { "48h", "2h", "feedback" }, reminders.Where(r => r.State == "planned").Select(r => r.Label).ToArray());
    }

    [TestMethod]
    [DataRow("removed", null)]
    [DataRow("status-changed", "CANCELLED by USER")]
    [DataRow("changed", "CANCELLED by ADMIN")]
    public async Task PlanAsync_CancelsPlannedReminders_OfRemovedOrCancelledAppointments(string kind, string? status)
    {
        var (db, engine, _, scenario) = await SetupAsync();
        await scenario.EventAsync("A4", "added", "2026-11-26T10:30:00");
        await engine.PlanAsync();

        await scenario.EventAsync("A4", kind, "2026-11-26T10:30:00", status: status);
        await engine.PlanAsync();

        var reminders = await scenario.RemindersAsync("A4");
        Assert.HasCount(3, reminders);
        Assert.IsTrue(reminders.All(r => r.State == "cancelled"));
    }

    [TestMethod]
    public async Task SendDueAsync_WritesDueRemindersToTheOutbox_Once_AndNeverReplansWhatWasSent()
    {
        var (db, engine, clock, scenario) = await SetupAsync();
        await scenario.EventAsync("A5", "added", "2026-11-23T12:00:00", end: "12:30:00");   // today 12:00 Madrid = 11:00Z
        await engine.PlanAsync();

        clock.Advance(TimeSpan.FromHours(1));                                               // the 2 h reminder is due
        Assert.AreEqual(1, await engine.SendDueAsync());
        Assert.AreEqual(0, await engine.SendDueAsync(), "sent once");
        // Same start, new end, and (issue 15: only a visit the PMS reports completed is thanked, no longer APPROVED) completed.
        await scenario.EventAsync("A5", "changed", "2026-11-23T12:00:00", end: "12:45:00", status: "COMPLETED");
        await engine.PlanAsync();
        clock.Advance(TimeSpan.FromHours(7));                                                // after the feedback time
        Assert.AreEqual(1, await engine.SendDueAsync(), "only the feedback: the 2 h reminder is not sent again");

        await using var outbox = db.CreateCommand("SELECT channel, address, message FROM reminder_outbox ORDER BY id");
        await using var reader = await outbox.ExecuteReaderAsync();
        Assert.IsTrue(await reader.ReadAsync());
        Assert.AreEqual("sms", reader.GetString(0));
        StringAssert.Contains(reader.GetString(2), "Reminder: you have an appointment");
        Assert.IsTrue(await reader.ReadAsync());
        StringAssert.Contains(reader.GetString(2), "Thank you for your visit");
        Assert.IsFalse(await reader.ReadAsync());
    }
}
