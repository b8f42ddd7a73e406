using RecallFiles.Importer.Status;
using RecallFiles.Reminders;
using RecallFiles.Reminders.Replies;
using RecallFiles.Schemas;

namespace RecallFiles.Tests.Reminders;

/// <summary>Replies read in the message's language: C/X and words, STOP/START (opt-out at once, confirmed once), too late / changed answers, a cancel stops the reminders.</summary>
[TestClass]
public sealed class ReplyTests
{
    private const string Phone = "+34600111222";

    [TestMethod]
    [DataRow("c", "en", ReplyIntent.Confirm)]
    [DataRow(" X ", "es", ReplyIntent.Cancel)]
    [DataRow("Confirm.", "en", ReplyIntent.Confirm)]
    [DataRow("sí", "es", ReplyIntent.Confirm)]
    [DataRow("Cancelar la cita", "es", ReplyIntent.Cancel)]
    [DataRow("cancelar", "en", ReplyIntent.Unknown)]
    [DataRow("stop", "es", ReplyIntent.Stop)]
    [DataRow("BAJA", "es", ReplyIntent.Stop)]
    [DataRow("Start", "en", ReplyIntent.Start)]
    [DataRow("alta", "es", ReplyIntent.Start)]
    [DataRow("maybe", "en", ReplyIntent.Unknown)]
    [DataRow("", "en", ReplyIntent.Unknown)]
    public void Parse_ReadsTheReply_InTheMessagesLanguage(string text, string language, ReplyIntent intent) =>
        Assert.AreEqual(intent, ReplyParser.Parse(text, language));

    [TestMethod]
    [DataRow("confirm", AppointmentStatus.Approved)]
    [DataRow("X", AppointmentStatus.CancelledByUser)]
    [DataRow("pending", AppointmentStatus.Pending)]
    [DataRow("APPROVED", AppointmentStatus.Approved)]
    [DataRow("cancelled  by user", AppointmentStatus.CancelledByUser)]
    [DataRow("CANCELLED by ADMIN", AppointmentStatus.CancelledByAdmin)]
    public void TryParseAnswer_IssuesAllFourStatuses(string answer, AppointmentStatus status)
    {
        Assert.IsTrue(ReplyParser.TryParseAnswer(answer, out var parsed));
        Assert.AreEqual(status, parsed);
        Assert.IsFalse(ReplyParser.TryParseAnswer("maybe", out _));
    }

    [TestMethod]
    public async Task CancelPlannedForStatusAsync_StopsTheReminders_OfAnAppointmentCancelledByTheAdmin_AndTheSenderSkipsAQueuedCancel()
    {
        var (scenario, engine, _) = await SentAsync("R4");
        await StatusUpdates.AddAsync(scenario.Db, "DEMO-01", "R4", AppointmentStatus.CancelledByAdmin, "api");

        Assert.AreEqual(1, await ReminderEngine.CancelPlannedForStatusAsync(scenario.Db, "DEMO-01", "R4", AppointmentStatus.CancelledByAdmin, default));
        Assert.AreEqual(0, await ReminderEngine.CancelPlannedForStatusAsync(scenario.Db, "DEMO-01", "R4", AppointmentStatus.Pending, default), "only a cancellation cancels");
        Assert.AreEqual(("cancelled", "cancelled: status CANCELLED by ADMIN"), (await scenario.RemindersAsync("R4")).Single(r => r.Label == "2h") is var r ? (r.State, r.Reason) : default);

        // Planned again by a later event, the reminder is still not sent while the latest status update is a cancellation.
        await scenario.ExecuteAsync("UPDATE reminders SET state = 'planned' WHERE app_lid = 'R4' AND label = '2h'");
        scenario.Clock.Advance(TimeSpan.FromDays(1.9));   // Thursday 08:00Z: the 2 h reminder (07:30Z) is due, the visit (09:30Z) ahead
        Assert.AreEqual(0, await engine.SendDueAsync());
        StringAssert.StartsWith((await scenario.RemindersAsync("R4")).Single(x => x.Label == "2h").Reason, "cancelled: the appointment is CANCELLED");
    }

    /// <summary>A Spanish patient's appointment on Thursday 10:30 Madrid whose 48 h reminder was sent (the 2 h one is still planned).</summary>
    private static async Task<(ReminderScenario Scenario, ReminderEngine Engine, ReplyHandler Replies)> SentAsync(string appLid = "R1", string language = "es")
    {
        var scenario = await ReminderScenario.StartAsync(new ReminderOptions { Feedback = false });
        var engine = scenario.Engine();
        await scenario.EventAsync(appLid, "added", "2026-11-26T10:30:00", mobile: Phone, language: language);
        await engine.PlanAsync();
        scenario.Clock.Advance(TimeSpan.FromDays(1.1));   // Tuesday 10:24Z: the 48 h reminder (09:30Z) is due
        Assert.AreEqual(1, await engine.SendDueAsync());
        return (scenario, engine, new ReplyHandler(scenario.Db, scenario.Options, scenario.Clock));
    }

    private static async Task<List<(string Status, string Source)>> UpdatesAsync(ReminderScenario scenario)
    {
        await using var select = scenario.Db.CreateCommand("SELECT status, source FROM status_updates ORDER BY id");
        await using var reader = await select.ExecuteReaderAsync();
        var list = new List<(string, string)>();
        while (await reader.ReadAsync())
        {
            list.Add((reader.GetString(0), reader.GetString(1)));
        }

        return list;
    }

    [TestMethod]
    public async Task HandleAsync_QueuesTheCancellation_AndCancelsThePlannedReminder_AnsweringInSpanish()
    {
        var (scenario, _, replies) = await SentAsync();

        var result = await replies.HandleAsync("sms", "0034 600 111 222", "X");

        Assert.AreEqual((ReplyOutcome.Cancelled, "DEMO-01", "R1"), (result.Outcome, result.PracticeId, result.AppLid));
        Assert.AreEqual("Su cita del jueves, 26 de noviembre de 2026 a las 10:30 queda cancelada. Llámenos para pedir otra.", result.Answer);
        CollectionAssert.AreEqual(new[] { ("CANCELLED by USER", "sms") }, await UpdatesAsync(scenario));
        var twoHours = (await scenario.RemindersAsync("R1")).Single(r => r.Label == "2h");
        Assert.AreEqual(("cancelled", "cancelled by the patient's reply"), (twoHours.State, twoHours.Reason));
    }

    [TestMethod]
    public async Task HandleAsync_QueuesTheConfirmation_ForASpanishWord()
    {
        var (scenario, _, replies) = await SentAsync();

        var result = await replies.HandleAsync("sms", Phone, "Confirmo");

        Assert.AreEqual(ReplyOutcome.Confirmed, result.Outcome);
        StringAssert.StartsWith(result.Answer, "Gracias: su cita del jueves, 26 de noviembre de 2026 a las 10:30 está confirmada.");
        CollectionAssert.AreEqual(new[] { ("APPROVED", "sms") }, await UpdatesAsync(scenario));
        Assert.AreEqual("planned", (await scenario.RemindersAsync("R1")).Single(r => r.Label == "2h").State);
    }

    [TestMethod]
    public async Task HandleAsync_AnswersTooLate_AndQueuesNothing_AfterTheVisitStarted()
    {
        var (scenario, _, replies) = await SentAsync(language: "en");
        scenario.Clock.Advance(TimeSpan.FromDays(2));

        var result = await replies.HandleAsync("sms", Phone, "C");

        Assert.AreEqual(ReplyOutcome.TooLate, result.Outcome);
        Assert.AreEqual("Too late: the appointment on Thursday, November 26, 2026 at 10:30 AM has already passed. Please call us.", result.Answer);
        Assert.IsEmpty(await UpdatesAsync(scenario));
    }

    [TestMethod]
    [DataRow("changed", "2026-11-27T10:30:00")]
    [DataRow("removed", "2026-11-26T10:30:00")]
    public async Task HandleAsync_AnswersChanged_AndQueuesNothing_WhenTheAppointmentMovedOrWent(string kind, string startsAt)
    {
        var (scenario, engine, replies) = await SentAsync(language: "en");
        await scenario.EventAsync("R1", kind, startsAt, mobile: Phone);
        await engine.PlanAsync();

        var result = await replies.HandleAsync("sms", Phone, "x");

        Assert.AreEqual(ReplyOutcome.Changed, result.Outcome);
        StringAssert.StartsWith(result.Answer, "This appointment has changed or no longer exists.");
        Assert.IsEmpty(await UpdatesAsync(scenario));
    }

    [TestMethod]
    public async Task HandleAsync_StopsEveryMessageToTheAddress_AtOnce_ConfirmsOnce_AndStartLiftsIt()
    {
        var (scenario, engine, replies) = await SentAsync();

        var stop = await replies.HandleAsync("sms", Phone, "BAJA");
        var again = await replies.HandleAsync("sms", Phone, "stop");

        Assert.AreEqual((ReplyOutcome.OptedOut, "No recibirá más mensajes. Responda ALTA para volver a recibirlos."), (stop.Outcome, stop.Answer));
        Assert.AreEqual((ReplyOutcome.OptedOut, (string?)null), (again.Outcome, again.Answer), "confirmed once");
        Assert.AreEqual(("suppressed", "opted out (STOP)"), ((await scenario.RemindersAsync("R1")).Single(r => r.Label == "2h") is var r ? (r.State, r.Reason) : default));

        // Another appointment for the same number: planned, then suppressed when due; nothing reaches the outbox.
        await scenario.EventAsync("R2", "added", "2026-11-30T10:30:00", mobile: Phone);
        await engine.PlanAsync();
        scenario.Clock.Advance(TimeSpan.FromDays(5.9));   // Monday 30th 08:00Z: both of R2's reminders are due
        Assert.AreEqual(0, await engine.SendDueAsync());
        Assert.IsTrue((await scenario.RemindersAsync("R2")).All(x => x is { State: "suppressed", Reason: "opted out (STOP)" }));
        Assert.HasCount(1, await scenario.OutboxAsync(), "only the 48 h reminder sent before STOP");

        var start = await replies.HandleAsync("sms", Phone, "ALTA");
        Assert.AreEqual((ReplyOutcome.OptedIn, "Vuelve a recibir mensajes. Responda BAJA para dejar de recibirlos."), (start.Outcome, start.Answer));
        await scenario.EventAsync("R3", "added", "2026-12-04T10:30:00", mobile: Phone);
        await engine.PlanAsync();
        scenario.Clock.Advance(TimeSpan.FromDays(2.1));
        Assert.AreEqual(1, await engine.SendDueAsync(), "after START the next appointment's reminder is sent");
    }

    [TestMethod]
    public async Task HandleAsync_AnswersNotUnderstood_ForAnythingElse()
    {
        var (scenario, _, replies) = await SentAsync(language: "en");

        var result = await replies.HandleAsync("sms", Phone, "what time?");

        Assert.AreEqual(ReplyOutcome.NotUnderstood, result.Outcome);
        StringAssert.StartsWith(result.Answer, "Sorry, we did not understand.");
        Assert.IsEmpty(await UpdatesAsync(scenario));
    }
}
