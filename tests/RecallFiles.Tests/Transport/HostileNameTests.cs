using System.Text;
using RecallFiles.Exporter;
using RecallFiles.Exporter.StatusApply;
using RecallFiles.Importer;
using RecallFiles.Importer.Pickup;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Tests.Status;
using RecallFiles.Transport;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Transport;

/// <summary>
/// Issue 13, names: a name Windows cannot hold (<c>CON</c>, <c>a:b</c>, a trailing dot) would break a Windows agent's
/// local copy, and a 245–255-byte name left no room for its <c>.errors.csv</c> / <c>.error.txt</c>, so such a file never
/// left the inbox. Both sides now refuse them at listing, to <c>failed/</c> with a report, and go on with the rest.
/// </summary>
[TestClass]
public sealed class HostileNameTests
{
    private static SshdServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServer(TestContext context) => s_server = await SshdServer.StartAsync();

    [ClassCleanup]
    public static async Task StopServer() => await s_server.DisposeAsync();

    [TestMethod]
    [DataRow("CON")]
    [DataRow("con.csv")]
    [DataRow("Com1.csv")]
    [DataRow("LPT\u00B9.csv")]
    [DataRow("NUL .csv")]
    [DataRow("a:b.csv")]
    [DataRow("what?.csv")]
    [DataRow("x*.csv")]
    [DataRow("pipe|.csv")]
    [DataRow("<tag>.csv")]
    [DataRow("quote\".csv")]
    [DataRow("APPOINTMENTS_ACME_20261123T080000Z.csv.")]
    [DataRow("APPOINTMENTS_ACME_20261123T080000Z.csv ")]
    public void PickupProblem_NamesTheRule_ForANameWindowsCannotHold(string name)
    {
        var problem = FileNameRules.PickupProblem(name);

        Assert.IsNotNull(problem, name);
        Assert.Contains("Windows", problem);
        Assert.IsNull(FileNameRules.Problem(name), "safe to touch: it can be moved to failed/");
    }

    [TestMethod]
    [DataRow("APPOINTMENTS_ACME_20261123T080000Z.csv")]
    [DataRow("CONTACTS.csv")]
    [DataRow("console.csv")]
    [DataRow("COM10.csv")]
    [DataRow("cita_Peña_ñ.csv")]
    public void PickupProblem_IsNull_ForAnOrdinaryName(string name) => Assert.IsNull(FileNameRules.PickupProblem(name));

    [TestMethod]
    public void PickupProblem_RefusesANameWithoutRoomForItsDerivedNames()
    {
        var fits = new string('a', FileNameRules.MaxPickupNameBytes - 4) + ".csv";
        var tooLong = "é" + new string('a', FileNameRules.MaxPickupNameBytes - 5) + ".csv";

        Assert.IsNull(FileNameRules.PickupProblem(fits));
        Assert.Contains("240 bytes long; at most 239", FileNameRules.PickupProblem(tooLong) ?? "");
        foreach (var suffix in new[] { ".error.txt", ".done", ".sig" })
        {
            Assert.IsNull(FileNameRules.Problem(FileNameRules.TemporaryNameFor(FileNameRules.Derived(fits, suffix))), suffix);
        }
    }

    [TestMethod]
    public void Derived_ShortensOnACharacterBoundary_AndKeepsTwoLongNamesApart()
    {
        var a = new string('ñ', 127) + "a.csv";   // 260 bytes
        var b = new string('ñ', 127) + "b.csv";

        var da = FileNameRules.Derived(a, ".error.txt");
        var db = FileNameRules.Derived(b, ".error.txt");

        Assert.AreEqual("short.csv.error.txt", FileNameRules.Derived("short.csv", ".error.txt"));
        Assert.AreNotEqual(da, db);
        Assert.EndsWith(".error.txt", da);
        Assert.IsLessThanOrEqualTo(FileNameRules.MaxNameBytes - 6, Encoding.UTF8.GetByteCount(da));
        Assert.IsNull(FileNameRules.Problem(FileNameRules.TemporaryNameFor(da)));
        Assert.DoesNotContain("\uFFFD", da, "no half character");
    }

    [TestMethod]
    public async Task Poll_RefusesNamesWindowsCannotHoldAndTooLongNames_AndAppliesTheHonestFile_OverSftp()
    {
        await using var store = await CreateAsync("hostile_names", Practice("ACME"));
        var root = Path.Combine(s_server.RootFolder, "names");
        var inbox = Path.Combine(root, "ACME", "appointments");
        Directory.CreateDirectory(inbox);
        var longName = Name("ACME")[..^4] + new string('x', 250 - Name("ACME").Length) + ".csv";
        string[] hostile = ["CON.csv", "a:b.csv", Name("ACME", "20261123T070000Z") + ".", longName];
        foreach (var name in hostile)
        {
            await System.IO.File.WriteAllTextAsync(Path.Combine(inbox, name), File(Row("H1")), TestContext.CancellationToken);
        }

        await System.IO.File.WriteAllTextAsync(Path.Combine(inbox, Name("ACME")), File(Row("A1"), Row("A2")), TestContext.CancellationToken);
        var options = new ImporterOptions { ArchiveFolder = store.ArchiveFolder, ServerName = "test", Practices = new Dictionary<string, RecallFiles.Importer.Practices.PracticeOptions> { ["ACME"] = Practice("ACME") } };
        var service = new PickupService(store.DataSource, options,
            new Dictionary<string, DropBoxOptions> { ["default"] = s_server.CreateOptions() with { RootPath = root, MinFileAge = TimeSpan.Zero } }, TimeProvider.System);

        var result = await service.PollAsync(Practice("ACME"), TestContext.CancellationToken);

        Assert.AreEqual(1, result.Finished, string.Join("; ", result.Errors));
        CollectionAssert.AreEquivalent(new[] { "A1", "A2" }, (await store.AppointmentsAsync("ACME")).Keys.ToArray());
        Assert.IsEmpty(Directory.GetFiles(inbox), "nothing is left in the inbox: " + string.Join(", ", Directory.GetFiles(inbox).Select(Path.GetFileName)) + " / " + string.Join("; ", result.Errors));
        var failed = Path.Combine(inbox, "failed");
        foreach (var name in hostile)
        {
            Assert.IsTrue(System.IO.File.Exists(Path.Combine(failed, name)), $"{name} is in failed/");
            var report = Path.Combine(failed, FileNameRules.Derived(name, ".error.txt"));
            Assert.Contains("was refused and never opened", await System.IO.File.ReadAllTextAsync(report, TestContext.CancellationToken));
        }

        Assert.AreNotEqual(longName + ".error.txt", FileNameRules.Derived(longName, ".error.txt"), "the long name's report has a shortened name");
        Assert.AreEqual(1L, await store.ScalarAsync<long>("SELECT count(*) FROM batches"), "only the honest file became a batch");
    }

    [TestMethod]
    public async Task StatusApply_RefusesADeviceNameAndATooLongName_ToFailed()
    {
        var harness = new StatusHarness();
        var practice = new PracticeExportOptions { PracticeId = "GEN-01", Source = SourceKind.GenericSql, Status = new StatusApplyOptions { Enabled = true } };
        var longName = StatusHarness.Name("GEN-01")[..^4] + new string('y', 245 - StatusHarness.Name("GEN-01").Length) + ".csv";
        harness.Drop("com1.csv", StatusHarness.File(StatusHarness.Row("1", "APPROVED", "1")), exported: false);
        harness.Drop(longName, StatusHarness.File(StatusHarness.Row("1", "APPROVED", "1")), exported: false);

        var run = await harness.RunAsync(practice);

        Assert.IsEmpty(run.Files, "neither file reached the PMS");
        Assert.IsEmpty(harness.Files("status"));
        CollectionAssert.AreEquivalent(
            new[] { "com1.csv", "com1.csv.error.txt", longName, FileNameRules.Derived(longName, ".error.txt") },
            harness.Files("status/failed"));
        StringAssert.Contains(System.IO.File.ReadAllText(Path.Combine(harness.Root, "status", "failed", "com1.csv.error.txt")), "Windows device name");
    }
}
