using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;
using RecallFiles.Exporter;
using RecallFiles.Exporter.Ledger;
using RecallFiles.Exporter.Sources;
using RecallFiles.Importer.Batches;
using RecallFiles.Schemas;
using RecallFiles.Tests.Importer;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Transport;

namespace RecallFiles.Tests.Exporter;

/// <summary>
/// Issue 15 (seed 000: "the initial upload should collect all future scheduled appointments"): a practice's first upload
/// covers every future appointment up to InitialHorizon, the cloud applies it without removing anything outside its normal
/// window, and the next export is the normal 72 h one.
/// </summary>
[TestClass]
public sealed class InitialUploadTests
{
    [TestMethod]
    public async Task RunAsync_UploadsTheAppointment300DaysAhead_OnTheFirstExportOnly_AndTheCloudKeepsIt()
    {
        await using var server = await MariaDbServer.StartAsync();
        var connectionString = await server.CreateDatabaseAsync("od_initial");
        await OpenDentalDatabase.CreateAsync(connectionString);
        var farLocal = new DateTime(2027, 8, 20, 11, 0, 0);   // 300 days after OpenDentalDatabase.Now, local time in Madrid
        await using (var connection = new MySqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO appointment (AptNum, PatNum, AptStatus, AptDateTime, Pattern, ProvNum, ClinicNum, Op) VALUES (900, 1, 1, @at, 'XXXX', 1, 1, 1)";
            insert.Parameters.AddWithValue("@at", farLocal);
            await insert.ExecuteNonQueryAsync();
        }

        var folder = Directory.CreateTempSubdirectory("rf-initial-").FullName;
        var dropRoot = Directory.CreateDirectory(Path.Combine(folder, "dropbox")).FullName;
        var runner = new ExportRunner(new ExportLedger(Path.Combine(folder, "agent.db")), TimeProvider.System, NullLogger<ExportRunner>.Instance);
        var practice = new PracticeExportOptions
        {
            PracticeId = "OD-01",
            Source = SourceKind.OpenDental,
            ConnectionString = connectionString,
            TimeZone = "Europe/Madrid",
            DefaultCountryCode = "34",
            DropBox = new DropBoxOptions { Kind = DropBoxKind.Local, RootPath = dropRoot },
        };
        ExportRunOptions At(DateTimeOffset now, bool dryRun = false, bool initial = false) =>
            new() { Now = now, DryRun = dryRun, Initial = initial, OutputFolder = Path.Combine(folder, "out", now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)) };

        // A dry run is never the first upload by itself; --initial makes one.
        Assert.AreEqual(OpenDentalDatabase.Now.AddHours(72), (await runner.RunAsync(practice, At(OpenDentalDatabase.Now, dryRun: true), default)).Window.EndUtc);
        Assert.AreEqual(OpenDentalDatabase.Now.AddDays(365), (await runner.RunAsync(practice, At(OpenDentalDatabase.Now, dryRun: true, initial: true), default)).Window.EndUtc);

        var first = await runner.RunAsync(practice, At(OpenDentalDatabase.Now), default);
        var second = await runner.RunAsync(practice, At(OpenDentalDatabase.Now.AddHours(4)), default);

        Assert.AreEqual(OpenDentalDatabase.Now.AddDays(365), first.Window.EndUtc, "the first upload reaches InitialHorizon");
        Assert.AreEqual(OpenDentalDatabase.Now.AddHours(76), second.Window.EndUtc, "then the normal 72 h window");
        var firstText = await File.ReadAllTextAsync(first.LocalPath);
        var secondText = await File.ReadAllTextAsync(second.LocalPath);
        StringAssert.Contains(firstText, $"900,{ContractFormats.FormatDate(DateOnly.FromDateTime(farLocal))},11:00");
        Assert.IsFalse(secondText.Contains("\n900,", StringComparison.Ordinal), "beyond the normal window");

        // The cloud: the initial file applies whole; the next one removes nothing beyond its 72 h window.
        await using var cloud = await ImporterStore.CreateAsync("initial_upload", ImporterStore.Practice("OD-01") with { TimeZone = "Europe/Madrid" });
        var applied = await cloud.StageAndLoadAsync("OD-01", first.FileName, firstText);
        var next = await cloud.StageAndLoadAsync("OD-01", second.FileName, secondText);

        Assert.AreEqual((BatchStates.Applied, BatchStates.Applied), (applied.State, next.State), applied.Reason + " / " + next.Reason);
        var rows = await cloud.AppointmentsAsync("OD-01");
        Assert.IsFalse(rows["900"].Removed, "300 days ahead: outside the normal window, never removed");
        Assert.AreEqual(farLocal, rows["900"].StartsAt);
    }
}
