using RecallFiles.Exporter;
using RecallFiles.Tests.Exporter;
using static RecallFiles.Tests.Status.StatusHarness;

namespace RecallFiles.Tests.Status;

/// <summary>The status statements of the Dentrix and Eaglesoft presets: off as shipped; when enabled, the same answers through ODBC as through the native provider.</summary>
[TestClass]
public sealed class PresetStatusApplyTests
{
    private static async Task<(Dictionary<string, (string Result, string? Message)> Results, string? Status1, string? Status4)> ApplyAsync(
        string preset, SqlProvider provider, string connectionString)
    {
        var shipped = PresetPms.Practice(preset, provider, connectionString);
        Assert.IsFalse(shipped.Status.Enabled, "the preset ships with status apply off");
        var practice = shipped with { Status = shipped.Status with { Enabled = true } };
        Assert.IsEmpty(practice.Validate("RecallFiles:Agent:Practices:0"));
        var harness = new StatusHarness();
        harness.Drop(Name(practice.PracticeId), File(
            Row("1", "APPROVED", "1", "23/10/2026", "12:00"),                 // OK
            Row("4", "CANCELLED by ADMIN", "2", "27/10/2026", "10:59"),       // OK
            Row("3", "CANCELLED by USER", "1", "25/10/2026", "02:30"),        // moved to another provider: CONFLICT
            Row("999", "APPROVED", "1", "23/10/2026", "12:00")));             // NOT_FOUND

        await harness.RunAsync(practice);

        var results = harness.Results(ResultName(practice.PracticeId)).ToDictionary(r => r.Key, r => (r.Value.Result, r.Value.Message));
        var table = preset == PresetPms.Dentrix ? "appointments" : "appointment";
        return (results, await StatusOfAsync(provider, connectionString, table, 1), await StatusOfAsync(provider, connectionString, table, 4));
    }

    private static async Task<string?> StatusOfAsync(SqlProvider provider, string connectionString, string table, int id)
    {
        await using var connection = global::RecallFiles.Exporter.GenericSql.SqlProviders.CreateConnection(provider, connectionString, readOnly: false);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT status FROM {table} WHERE appointment_id = {id}";
        return (string?)await command.ExecuteScalarAsync();
    }

    [TestMethod]
    [DataRow(PresetPms.Dentrix, PresetPms.MariaDb, "Confirmed", "Broken")]
    [DataRow(PresetPms.Dentrix, PresetPms.PostgreSql, "Confirmed", "Broken")]
    [DataRow(PresetPms.Eaglesoft, PresetPms.PostgreSql, "Confirmed", "Cancelled")]
    [DataRow(PresetPms.Eaglesoft, PresetPms.MariaDb, "Confirmed", "Cancelled")]
    public async Task Apply_AnswersOkConflictAndNotFound_ThroughOdbc_ExactlyLikeTheNativeProvider(string preset, string server, string approved, string cancelled)
    {
        var (native, nativeConnection, _) = await PresetPms.CreateAsync(preset, server);
        var (_, _, odbcConnection) = await PresetPms.CreateAsync(preset, server);

        var throughNative = await ApplyAsync(preset, native, nativeConnection);
        var throughOdbc = await ApplyAsync(preset, SqlProvider.Odbc, odbcConnection);

        Assert.AreEqual("OK", throughOdbc.Results["1"].Result);
        Assert.AreEqual("OK", throughOdbc.Results["4"].Result);
        Assert.AreEqual("CONFLICT", throughOdbc.Results["3"].Result);
        Assert.AreEqual("NOT_FOUND", throughOdbc.Results["999"].Result);
        CollectionAssert.AreEquivalent(throughNative.Results.ToList(), throughOdbc.Results.ToList());
        Assert.AreEqual((approved, cancelled), (throughOdbc.Status1, throughOdbc.Status4));
        Assert.AreEqual((throughNative.Status1, throughNative.Status4), (throughOdbc.Status1, throughOdbc.Status4));
    }
}
