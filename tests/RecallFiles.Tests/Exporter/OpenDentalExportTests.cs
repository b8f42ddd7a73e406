using Microsoft.Extensions.Logging.Abstractions;
using RecallFiles.Exporter;
using RecallFiles.Exporter.Ledger;
using RecallFiles.Exporter.Sources;
using RecallFiles.Schemas;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Transport;

namespace RecallFiles.Tests.Exporter;

[TestClass]
public sealed class OpenDentalExportTests
{
    private static MariaDbServer s_server = null!;
    private static string s_connectionString = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _)
    {
        s_server = await MariaDbServer.StartAsync();
        s_connectionString = await s_server.CreateDatabaseAsync("opendental");
        await OpenDentalDatabase.CreateAsync(s_connectionString);
    }

    [ClassCleanup]
    public static async Task StopAsync()
    {
        if (s_server is not null)
        {
            await s_server.DisposeAsync();
        }
    }

    private static PracticeExportOptions Practice(Func<PracticeExportOptions, PracticeExportOptions>? change = null)
    {
        var options = new PracticeExportOptions
        {
            PracticeId = "OD-01",
            Source = SourceKind.OpenDental,
            ConnectionString = s_connectionString,
            TimeZone = "Europe/Madrid",
            DefaultCountryCode = "34",
            ExtensionColumns = [Columns.AppEndTime, Columns.UserLanguage, Columns.CommunicationPreferences],
        };
        return change is null ? options : change(options);
    }

    private static async Task<(ExportResult Result, List<AppointmentRecord> Rows, string Text, ExportLedger Ledger)> ExportAsync(PracticeExportOptions practice)
    {
        var folder = Directory.CreateTempSubdirectory("rf-export-").FullName;
        var ledger = new ExportLedger(Path.Combine(folder, "agent.db"));
        var runner = new ExportRunner(ledger, TimeProvider.System, NullLogger<ExportRunner>.Instance);
        var result = await runner.RunAsync(practice, new ExportRunOptions { Now = OpenDentalDatabase.Now, DryRun = true, OutputFolder = Path.Combine(folder, "out") },
            CancellationToken.None);
        await using var stream = File.OpenRead(result.LocalPath);
        using var reader = ContractReader.OpenAppointments(stream, result.FileName);
        var rows = reader.ReadRows().ToList();
        Assert.IsTrue(rows.All(r => r.IsValid), string.Join("; ", rows.SelectMany(r => r.Problems)));
        return (result, rows.Select(r => r.Record).ToList(), await File.ReadAllTextAsync(result.LocalPath), ledger);
    }

    [TestMethod]
    public async Task Export_KeepsExactlyTheAppointmentsInTheWindow_WithInclusiveStartAndExclusiveEnd()
    {
        var (result, rows, _, _) = await ExportAsync(Practice());
        var ids = rows.Select(r => r.AppLid).ToHashSet();

        string[] expectedIn = ["101", "103", "105", "106", "112", "113", "114", "116"];
        string[] expectedOut = ["102", "104", "107", "108", "109", "110", "111", "115", "117"];
        foreach (var id in expectedIn)
        {
            Assert.Contains(id, ids, $"appointment {id} belongs in the window");
        }

        foreach (var id in expectedOut)
        {
            Assert.DoesNotContain(id, ids, $"appointment {id} must not be exported");
        }

        Assert.AreEqual(rows.Count, result.Rows);
        Assert.AreEqual(new DateTimeOffset(2026, 10, 23, 10, 0, 0, TimeSpan.Zero), result.Window.StartUtc);
        Assert.AreEqual(new DateTimeOffset(2026, 10, 27, 10, 0, 0, TimeSpan.Zero), result.Window.EndUtc);
        Assert.AreEqual("APPOINTMENTS_OD-01_20261024T100000Z.csv", result.FileName);
    }

    [TestMethod]
    public async Task Export_WritesStatusCompleted_OnlyForAVisitWithAptStatusComplete()
    {
        var (_, rows, _, _) = await ExportAsync(Practice(p => p with { ExtensionColumns = [.. p.ExtensionColumns, Columns.Status] }));
        var byId = rows.ToDictionary(r => r.AppLid);

        Assert.AreEqual(AppointmentStatuses.Completed, byId["106"].Status, "AptStatus 2 in the past: the visit happened (issue 15: feedback)");
        Assert.IsNull(byId["101"].Status, "a Scheduled appointment reports no status");
        Assert.AreEqual(1, rows.Count(r => r.Status is not null));
    }

    [TestMethod]
    public async Task Export_WritesLocalTimesOfEachClinic_AndTheEndTimeFromThePattern()
    {
        var (_, rows, _, _) = await ExportAsync(Practice());
        var byId = rows.ToDictionary(r => r.AppLid);

        Assert.AreEqual("23/10/2026", byId["101"].AppDate);
        Assert.AreEqual("12:00", byId["101"].AppStartTime);
        Assert.AreEqual("12:30", byId["101"].AppEndTime);      // 6 × 5 minutes
        Assert.AreEqual("02:30", byId["105"].AppStartTime);    // the repeated hour, written as the wall clock shows it
        Assert.AreEqual("06:00", byId["114"].AppStartTime);    // New York clinic, its own zone
        Assert.AreEqual("Midtown Dental NYC", byId["114"].LocationName);
        Assert.AreEqual("2", byId["114"].LocationLid);
        Assert.IsNull(byId["116"].AppEndTime, "no pattern, no end time");
    }

    [TestMethod]
    public async Task Export_NeverWritesPatientNamesOrNotes()
    {
        var (_, _, text, _) = await ExportAsync(Practice());

        foreach (var forbidden in new[] { "Zapatero", "Zoe", "Quintana", "Xylo", "Wolff", "Underwood", "Torres", "Bulk", "Name1", "Patient says hi", "1980" })
        {
            Assert.IsFalse(text.Contains(forbidden, StringComparison.OrdinalIgnoreCase), $"'{forbidden}' leaked into the file");
        }
    }

    [TestMethod]
    public async Task Export_NormalisesPhones_AndLeavesBlockedOrImplausibleChannelsEmpty()
    {
        var (result, rows, _, _) = await ExportAsync(Practice());
        var byId = rows.ToDictionary(r => r.AppLid);

        Assert.AreEqual("+34600123456", byId["101"].UserMobilePhone);
        Assert.AreEqual("+34915551234", byId["101"].UserLandlinePhone);
        Assert.AreEqual("+34915551234", byId["103"].UserLandlinePhone, "the extension is dropped");
        Assert.IsNull(byId["105"].UserMobilePhone, "TxtMsgOk = No blanks the mobile");
        Assert.IsNull(byId["105"].UserEmail, "an implausible e-mail is left empty");
        Assert.IsNull(byId["106"].UserLandlinePhone, "PreferConfirmMethod = DoNotCall blanks the landline");
        Assert.IsNull(byId["106"].UserWorkPhone, "… and the work phone");
        Assert.AreEqual("+34611223344", byId["106"].UserMobilePhone, "SMS is not a call");
        Assert.AreEqual("+12125550101", byId["114"].UserMobilePhone, "an international number keeps its own country code");
        Assert.IsNull(byId["114"].UserLandlinePhone, "'call mum' is not a phone");
        Assert.AreEqual("000", byId["116"].CommunicationPreferences);
        Assert.AreEqual("110", byId["114"].CommunicationPreferences);
        Assert.IsNull(byId["106"].UserLanguage, "'English' is not a language code");
        Assert.AreEqual("spa", byId["105"].UserLanguage);
        Assert.AreEqual(1, result.DroppedPhones, "only 'call mum'");
        Assert.AreEqual(1, result.DroppedEmails, "only 'not-an-email'");
    }

    [TestMethod]
    public async Task Export_ChoosesTheResource_ByConfiguration()
    {
        var (_, byDefault, _, _) = await ExportAsync(Practice());
        var (_, dentist, _, _) = await ExportAsync(Practice(p => p with { Resource = ResourceChoice.Dentist }));

        var hygiene = byDefault.Single(r => r.AppLid == "113");
        Assert.AreEqual("2", hygiene.ResourceLid);
        Assert.AreEqual("HYG1", hygiene.ResourceName, "no preferred name: the abbreviation");
        Assert.AreEqual("1", dentist.Single(r => r.AppLid == "113").ResourceLid);
        Assert.AreEqual("Dr. Old (retired)", byDefault.Single(r => r.AppLid == "112").ResourceName, "a hidden provider still names the visit");
    }

    [TestMethod]
    public async Task Export_ExportsOneClinic_WhenConfiguredPerClinic()
    {
        var (_, rows, _, _) = await ExportAsync(Practice(p => p with { PracticeId = "OD-NYC", ClinicNum = 2, TimeZone = "America/New_York", PrefixAppLidWithClinic = true }));

        CollectionAssert.AreEqual(new[] { "2-114" }, rows.Select(r => r.AppLid).ToArray());
    }

    [TestMethod]
    public async Task Export_ThrowsNamingTheClinic_WhenItsTimeZoneIsUnknown()
    {
        var connectionString = await s_server.CreateDatabaseAsync("opendental_badzone");
        await OpenDentalDatabase.CreateAsync(connectionString);
        await using (var connection = new MySqlConnector.MySqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var update = new MySqlConnector.MySqlCommand("UPDATE clinic SET TimeZone = 'Mars/Olympus' WHERE ClinicNum = 2", connection);
            Assert.AreEqual(1, await update.ExecuteNonQueryAsync());
        }

        var error = await Assert.ThrowsExactlyAsync<ExportException>(() =>
            ExportAsync(Practice(p => p with { ConnectionString = connectionString, ClinicNum = 2, TimeZone = "America/New_York" })));

        StringAssert.Contains(error.Message, "clinic 2 has TimeZone 'Mars/Olympus'");
        StringAssert.Contains(error.Message, "RecallFiles:Agent:Practices:OD-01:TimeZone");
    }

    [TestMethod]
    public async Task Export_WritesEachRowsProviderAndOperatory_WhenRowsWithoutAClinicInterleave()
    {
        // Issue 18: provider, clinic and operatory values are made once per provider, clinic and operatory of a read, not
        // once per row; rows of different ones interleave here (ClinicNum 0: the operatory is the location).
        var connectionString = await s_server.CreateDatabaseAsync("opendental_noclinic");
        await OpenDentalDatabase.CreateAsync(connectionString);
        int[] providers = [1, 2, 4];
        await using (var connection = new MySqlConnector.MySqlConnection(connectionString))
        {
            await connection.OpenAsync();
            for (var i = 0; i < 12; i++)
            {
                await using var insert = new MySqlConnector.MySqlCommand(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"INSERT INTO appointment (AptNum, PatNum, AptStatus, AptDateTime, Pattern, ProvNum, ClinicNum, Op) VALUES ({9001 + i}, 1, 1, '2026-10-24 12:{i:00}:00', 'XX', {providers[i % 3]}, {(i % 4 == 3 ? 1 : 0)}, {1 + (i % 2)})"), connection);
                Assert.AreEqual(1, await insert.ExecuteNonQueryAsync());
            }
        }

        var (_, rows, _, _) = await ExportAsync(Practice(p => p with { ConnectionString = connectionString }));
        var byId = rows.ToDictionary(r => r.AppLid);

        string[] providerNames = ["Dra. Molina", "HYG1", "Dr. Park"];
        for (var i = 0; i < 12; i++)
        {
            var row = byId[(9001 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)];
            Assert.AreEqual(providers[i % 3].ToString(System.Globalization.CultureInfo.InvariantCulture), row.ResourceLid, $"row {i}");
            Assert.AreEqual(providerNames[i % 3], row.ResourceName, $"row {i}");
            var (lid, name) = i % 4 == 3 ? ("1", "Clínica Centro") : i % 2 == 0 ? ("1", "Gabinete 1") : ("2", "Op 1");
            Assert.AreEqual(lid, row.LocationLid, $"row {i}");
            Assert.AreEqual(name, row.LocationName, $"row {i}");
        }
    }

    [TestMethod]
    public async Task Export_MatchesTheApprovedFile_ForAFixedNow()
    {
        var (_, _, text, _) = await ExportAsync(Practice());

        Approved.AssertMatches(text, "tests/RecallFiles.Tests/Exporter/OpenDental.approved.csv");
    }

    [TestMethod]
    public async Task Export_WorksWithALeastPrivilegeUser()
    {
        var readOnly = await s_server.CreateReadOnlyUserAsync("opendental", "recallfiles_ro", "s3cret-ro");

        var (_, rows, _, _) = await ExportAsync(Practice(p => p with { ConnectionString = readOnly }));

        Assert.IsNotEmpty(rows);
    }

    [TestMethod]
    [DataRow("wrong-password")]
    [DataRow("unreachable")]
    [DataRow("missing-tables")]
    public async Task Export_FailsClearly_RecordsTheFailure_AndUploadsNothing(string fault)
    {
        var connectionString = fault switch
        {
            "wrong-password" => (await s_server.CreateReadOnlyUserAsync("opendental", "recallfiles_pw", "right")).Replace("Password=right", "Password=wrong", StringComparison.Ordinal),
            "unreachable" => $"Server=127.0.0.1;Port={Ports.FreeTcpPort()};User ID=root;Database=opendental;ConnectionTimeout=3",
            _ => await s_server.CreateDatabaseAsync("empty_db"),
        };
        var folder = Directory.CreateTempSubdirectory("rf-export-fail-").FullName;
        var dropRoot = Directory.CreateDirectory(Path.Combine(folder, "dropbox")).FullName;
        var ledger = new ExportLedger(Path.Combine(folder, "agent.db"));
        var runner = new ExportRunner(ledger, TimeProvider.System, NullLogger<ExportRunner>.Instance);
        var practice = Practice(p => p with { ConnectionString = connectionString, DropBox = new DropBoxOptions { Kind = DropBoxKind.Local, RootPath = dropRoot } });

        var ex = await Assert.ThrowsExactlyAsync<ExportException>(() =>
            runner.RunAsync(practice, new ExportRunOptions { Now = OpenDentalDatabase.Now, OutputFolder = Path.Combine(folder, "out") }, CancellationToken.None));

        StringAssert.Contains(ex.Message, "OD-01");
        Assert.IsFalse(ex.Message.Contains("right", StringComparison.Ordinal), "no secret in the message");
        if (fault == "missing-tables")
        {
            StringAssert.Contains(ex.Message, "appointment");
        }
        else
        {
            StringAssert.Contains(ex.Message, "cannot connect");
        }

        var entry = ledger.List().Single();
        Assert.AreEqual(ExportStatus.Failed, entry.Status);
        Assert.AreEqual(ex.Message, entry.Error);
        Assert.IsEmpty(Directory.GetFiles(dropRoot, "*", SearchOption.AllDirectories));
    }
}
