using RecallFiles.Reminders;

namespace RecallFiles.Tests.Reminders;

/// <summary>The seed rules: PRIVACY, quiet hours (around midnight and a DST change), feedback only for completed visits, languages, blocked channels.</summary>
[TestClass]
public sealed class ReminderRulesTests
{
    [TestMethod]
    [DataRow("0")]
    [DataRow("N")]
    public async Task PlanAsync_SuppressesEveryMessage_WhenPrivacyIsNotAccepted(string privacy)
    {
        var scenario = await ReminderScenario.StartAsync();
        var engine = scenario.Engine();
        await scenario.EventAsync("P1", "added", "2026-11-26T10:30:00", status: "APPROVED", privacy: privacy);
        await engine.PlanAsync();

        scenario.Clock.Advance(TimeSpan.FromDays(5));
        Assert.AreEqual(0, await engine.SendDueAsync());

        var rows = await scenario.RemindersAsync("P1");
        CollectionAssert.AreEqual(new[] { "48h", "2h", "feedback" }, rows.Select(r => r.Label).ToArray());
        Assert.IsTrue(rows.All(r => r is { State: "suppressed", Reason: "privacy not accepted (PRIVACY)" }));
        Assert.IsEmpty(await scenario.OutboxAsync());
    }

    [TestMethod]
    public async Task PlanAsync_PlansAsUsual_WhenPrivacyIsAccepted()
    {
        var scenario = await ReminderScenario.StartAsync();
        await scenario.EventAsync("P2", "added", "2026-11-26T10:30:00", privacy: "Y");

        await scenario.Engine().PlanAsync();

        Assert.IsTrue((await scenario.RemindersAsync("P2")).All(r => r.State == "planned"));
    }

    [TestMethod]
    public async Task PlanAsync_MovesRemindersToTheEveningBefore_AroundMidnight()
    {
        var scenario = await ReminderScenario.StartAsync();
        await scenario.EventAsync("Q1", "added", "2026-11-26T00:30:00");   // 00:30 Madrid: both reminders fall in the night

        await scenario.Engine().PlanAsync();

        var rows = await scenario.RemindersAsync("Q1");
        Assert.AreEqual(new DateTime(2026, 11, 23, 20, 0, 0, DateTimeKind.Utc), rows[0].Due, "48 h before = 00:30 on the 24th → 21:00 Madrid on the 23rd");
        Assert.AreEqual(new DateTime(2026, 11, 25, 20, 0, 0, DateTimeKind.Utc), rows[1].Due, "2 h before = 22:30 on the 25th → 21:00 Madrid the same evening");
    }

    [TestMethod]
    public async Task PlanAsync_MovesAnEarlyReminder_ToTheEveningBefore_AcrossTheSpringDstChange()
    {
        // Sunday 29 March 2026 Madrid goes from UTC+1 to UTC+2 at 02:00. Visit 08:30 CEST = 06:30Z.
        var scenario = await ReminderScenario.StartAsync(now: new DateTimeOffset(2026, 3, 20, 12, 0, 0, TimeSpan.Zero));
        await scenario.EventAsync("Q2", "added", "2026-03-29T08:30:00");

        await scenario.Engine().PlanAsync();

        var rows = await scenario.RemindersAsync("Q2");
        Assert.AreEqual(new DateTime(2026, 3, 26, 20, 0, 0, DateTimeKind.Utc), rows[0].Due, "48 h before = 07:30 CET on the 27th → 21:00 CET on the 26th");
        Assert.AreEqual(new DateTime(2026, 3, 28, 20, 0, 0, DateTimeKind.Utc), rows[1].Due, "2 h before = 06:30 CEST → 21:00 CET (UTC+1) on Saturday");
    }

    [TestMethod]
    public async Task PlanAsync_HonoursAPracticesOwnQuietHours_AndWaitsWithFeedbackUntilMorning()
    {
        var scenario = await ReminderScenario.StartAsync(new ReminderOptions
        {
            Practices = new Dictionary<string, PracticeReminderOptions> { ["DEMO-01"] = new() { SendFrom = new TimeOnly(9, 0), SendUntil = new TimeOnly(20, 0) } },
        });
        await scenario.EventAsync("Q3", "added", "2026-11-26T09:30:00", end: "20:00:00");

        await scenario.Engine().PlanAsync();

        var rows = await scenario.RemindersAsync("Q3");
        Assert.AreEqual(new DateTime(2026, 11, 24, 8, 30, 0, DateTimeKind.Utc), rows[0].Due, "09:30 local is allowed");
        Assert.AreEqual(new DateTime(2026, 11, 25, 19, 0, 0, DateTimeKind.Utc), rows[1].Due, "07:30 → 20:00 local the evening before");
        Assert.AreEqual(new DateTime(2026, 11, 27, 8, 0, 0, DateTimeKind.Utc), rows[2].Due, "feedback 22:00 → 09:00 local the next morning, never before end + delay");
    }

    // Issue 15: "completed" is what the PMS reports (STATUS COMPLETED, Open Dental AptStatus 2), no longer APPROVED: a patient
    // who confirmed and did not come is a no-show too. This test replaces SendDueAsync_SendsNoFeedback_ForANoShow_AndThanksAConfirmedVisit.
    [TestMethod]
    public async Task SendDueAsync_SendsNoFeedback_ForANoShow_AndThanksOnlyAVisitThePmsReportsCompleted()
    {
        var scenario = await ReminderScenario.StartAsync(new ReminderOptions { Offsets = [TimeSpan.FromDays(10)] });
        var engine = scenario.Engine();
        await scenario.EventAsync("F1", "added", "2026-11-23T11:00:00", end: "11:30:00");                       // still Scheduled: a no-show
        await scenario.EventAsync("F2", "added", "2026-11-23T11:00:00", end: "11:30:00", status: "APPROVED");   // confirmed, then came
        await scenario.EventAsync("F3", "added", "2026-11-23T11:00:00", end: "11:30:00", status: "APPROVED");   // confirmed, never came
        await engine.PlanAsync();

        scenario.Clock.Advance(new TimeSpan(4, 29, 0));   // 12:29Z: end (11:30 Madrid = 10:30Z) + 2 h is a minute away
        Assert.AreEqual(0, await engine.SendDueAsync(), "not before end + delay");
        scenario.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.AreEqual(0, await engine.SendDueAsync(), "due, but no visit is reported completed yet: nobody is thanked");
        Assert.IsTrue((await scenario.RemindersAsync("F2")).Single() is { State: "planned", Reason: "waiting for the PMS to report the visit COMPLETED" });

        // The next snapshot: Open Dental set AptStatus 2 on F2 only.
        await scenario.EventAsync("F2", "status-changed", "2026-11-23T11:00:00", end: "11:30:00", status: "COMPLETED");
        await engine.PlanAsync();
        scenario.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.AreEqual(1, await engine.SendDueAsync());
        Assert.AreEqual("sent", (await scenario.RemindersAsync("F2")).Single(r => r.State != "cancelled").State);
        StringAssert.StartsWith((await scenario.OutboxAsync()).Single(), "Thank you for your visit to Clínica Centro on Monday, November 23, 2026.");

        scenario.Clock.Advance(TimeSpan.FromDays(1));     // past FeedbackWait (1 day after it was due)
        Assert.AreEqual(0, await engine.SendDueAsync());
        foreach (var noShow in new[] { "F1", "F3" })
        {
            var row = (await scenario.RemindersAsync(noShow)).Single();
            Assert.AreEqual("suppressed", row.State, noShow);
            StringAssert.StartsWith(row.Reason, "no feedback: the visit is not reported completed");
        }

        Assert.HasCount(1, await scenario.OutboxAsync(), "only the completed visit was thanked");
    }

    [TestMethod]
    public async Task SendDueAsync_ThanksNobody_ForAFirstImportOfPastVisitsTheNextSnapshotRemoves()
    {
        // A first import at 16:00Z lists a visit that ended at 10:30Z, still Scheduled (nobody confirmed, nobody came).
        var scenario = await ReminderScenario.StartAsync(now: ReminderScenario.Monday.AddHours(8));
        var engine = scenario.Engine();
        await scenario.EventAsync("N1", "added", "2026-11-23T11:00:00", end: "11:30:00");
        await engine.PlanAsync();
        Assert.AreEqual(0, await engine.SendDueAsync(), "five hours after the visit, not reported completed: no thanks");

        await scenario.EventAsync("N1", "removed", "2026-11-23T11:00:00");
        await engine.PlanAsync();
        scenario.Clock.Advance(TimeSpan.FromDays(2));
        Assert.AreEqual(0, await engine.SendDueAsync());
        Assert.IsEmpty(await scenario.OutboxAsync());
        Assert.IsTrue((await scenario.RemindersAsync("N1")).All(r => r.State is "cancelled" or "suppressed"));
    }

    [TestMethod]
    public async Task PlanAsync_FallsBackToThePracticesLanguage_AndCountsIt_ForALanguageWithoutTemplates()
    {
        var scenario = await ReminderScenario.StartAsync(new ReminderOptions
        {
            Practices = new Dictionary<string, PracticeReminderOptions> { ["DEMO-01"] = new() { Language = "es" } },
        });
        var engine = scenario.Engine();
        await scenario.EventAsync("L1", "added", "2026-11-26T10:30:00", language: "fr");
        await scenario.EventAsync("L2", "added", "2026-11-26T10:30:00", language: "EN");
        await scenario.EventAsync("L3", "added", "2026-11-26T10:30:00");

        await engine.PlanAsync();

        Assert.AreEqual(("fr", "es"), ((await scenario.RemindersAsync("L1"))[0].Language, (await scenario.RemindersAsync("L1"))[0].TemplateLanguage));
        Assert.AreEqual(("en", "en"), ((await scenario.RemindersAsync("L2"))[0].Language, (await scenario.RemindersAsync("L2"))[0].TemplateLanguage));
        Assert.AreEqual((null, "es"), ((await scenario.RemindersAsync("L3"))[0].Language, (await scenario.RemindersAsync("L3"))[0].TemplateLanguage));
        Assert.AreEqual(1, engine.LanguageFallbacks, "only the unknown language is a fallback; no language is the practice's");
    }

    [TestMethod]
    public async Task PlanAsync_UsesTheNextChannel_WhenSmsIsBlocked()
    {
        var scenario = await ReminderScenario.StartAsync(new ReminderOptions { BlockedChannels = ["sms"] });
        await scenario.EventAsync("B1", "added", "2026-11-26T10:30:00");

        await scenario.Engine().PlanAsync();

        Assert.IsTrue((await scenario.RemindersAsync("B1")).All(r => r is { Channel: "email", Address: "p@example.org" }));
    }

    [TestMethod]
    public void Validate_NamesTheKey_OfQuietHoursTheWrongWayRound()
    {
        var errors = new ReminderOptions { SendFrom = new TimeOnly(22, 0), SendUntil = new TimeOnly(8, 0), BlockedChannels = ["fax"] }.Validate();

        Assert.HasCount(2, errors);
        StringAssert.StartsWith(errors[0], "RecallFiles:Reminders:SendFrom (22:00) must be before RecallFiles:Reminders:SendUntil (08:00)");
        StringAssert.Contains(errors[1], "'fax' is not sms, email or landline");
    }
}
