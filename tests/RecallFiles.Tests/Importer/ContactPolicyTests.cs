using RecallFiles.Importer.Batches;
using RecallFiles.Reminders;
using RecallFiles.Tests.Infrastructure;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Importer;

/// <summary>Issue 15: an invalid optional contact value is a warning that clears it (default) or a row error (StrictContacts).</summary>
[TestClass]
public sealed class ContactPolicyTests
{
    private static string RowWith(string lid, string email, string mobile = "+34 600 123 456") =>
        $"{lid},24/11/2026,09:30,,{mobile},{email},DDS1,Dr. Molina,,,L1,Main clinic";

    [TestMethod]
    public async Task Load_KeepsTheRowAndItsSmsReminder_WhenTheEmailIsInvalid()
    {
        await using var store = await CreateAsync("contacts_lenient", Practice("ACME") with { TimeZone = "Europe/Madrid" });

        var result = await store.StageAndLoadAsync("ACME", Name("ACME"), File(RowWith("BAD", "sol@@example.org"), RowWith("IDN", "a@例え.jp", mobile: "")));

        Assert.AreEqual(BatchStates.Applied, result.State, result.Reason);
        Assert.AreEqual((2L, 0L), (result.RowsValid, result.RowsInvalid));
        Assert.IsNull(await store.ScalarAsync<object>("SELECT user_email FROM appointments WHERE app_lid = 'BAD'") as string, "the bad e-mail is cleared");
        Assert.AreEqual("+34 600 123 456", await store.ScalarAsync<string>("SELECT user_mobile_phone FROM appointments WHERE app_lid = 'BAD'"));
        Assert.AreEqual("a@例え.jp", await store.ScalarAsync<string>("SELECT user_email FROM appointments WHERE app_lid = 'IDN'"), "an internationalised domain is accepted");

        // The reminder engine plans the SMS reminder of the row with the bad e-mail (the 48 h one is already past at 08:00Z on 23/11).
        var engine = new ReminderEngine(store.DataSource, new ReminderOptions(), new ManualTimeProvider(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero)));
        await engine.PlanAsync();
        Assert.AreEqual("sms", await store.ScalarAsync<string>("SELECT channel FROM reminders WHERE app_lid = 'BAD' AND label = '2h' AND state = 'planned'"));
        Assert.AreEqual("email", await store.ScalarAsync<string>("SELECT channel FROM reminders WHERE app_lid = 'IDN' AND label = '2h' AND state = 'planned'"));
    }

    [TestMethod]
    public async Task Load_RejectsTheRow_WhenTheEmailIsInvalidAndContactsAreStrict()
    {
        await using var store = await CreateAsync("contacts_strict", Practice("ACME") with { StrictContacts = true });

        var result = await store.StageAndLoadAsync("ACME", Name("ACME"), File(RowWith("BAD", "sol@@example.org"), RowWith("OK", "sol@example.org")));

        Assert.AreEqual(BatchStates.Applied, result.State, result.Reason);
        Assert.AreEqual((1L, 1L), (result.RowsValid, result.RowsInvalid));
        Assert.IsFalse((await store.AppointmentsAsync("ACME")).ContainsKey("BAD"));
    }
}
