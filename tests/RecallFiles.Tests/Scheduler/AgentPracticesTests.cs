using System.Text.Json;
using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Tests.Scheduler;

/// <summary>Issue 14: agent practices are keyed by practice id; list position never decides which database a practice reads.</summary>
[TestClass]
[DoNotParallelize] // the settings read the process environment
public sealed class AgentPracticesTests
{
    public TestContext TestContext { get; set; } = null!;

    private static object Practice(string id) => new { PracticeId = id, Source = "OpenDental", DropBox = new { Kind = "Local", RootPath = "/srv/dropbox/" + id } };

    private string File(object recallFiles)
    {
        var folder = Directory.CreateTempSubdirectory("rf-practices-").FullName;
        var path = Path.Combine(folder, "appsettings.json");
        System.IO.File.WriteAllText(path, JsonSerializer.Serialize(new { RecallFiles = recallFiles }));
        return path;
    }

    private static RecallFilesSettings Load(string file, IReadOnlyDictionary<string, string?> environment, bool readAgent = true)
    {
        var saved = environment.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        foreach (var (k, v) in environment)
        {
            Environment.SetEnvironmentVariable(k, v);
        }

        try
        {
            return RecallFilesSettings.Load(file, readAgent);
        }
        finally
        {
            foreach (var (k, v) in saved)
            {
                Environment.SetEnvironmentVariable(k, v);
            }
        }
    }

    private static readonly Dictionary<string, string?> Secrets = new()
    {
        ["RecallFiles__Agent__Practices__ACME-01__ConnectionString"] = "Server=pms-acme;Database=opendental",
        ["RecallFiles__Agent__Practices__BETA-02__ConnectionString"] = "Server=pms-beta;Database=opendental",
    };

    [TestMethod]
    public void Load_KeepsEachPracticesDatabase_WhenThePracticesAreReordered()
    {
        var inOrder = Load(File(new { Agent = new { Practices = new[] { Practice("ACME-01"), Practice("BETA-02") } } }), Secrets);
        var reordered = Load(File(new { Agent = new { Practices = new[] { Practice("BETA-02"), Practice("ACME-01") } } }), Secrets);

        foreach (var settings in new[] { inOrder, reordered })
        {
            Assert.AreEqual("Server=pms-acme;Database=opendental", settings.Agent.Practices.Single(p => p.PracticeId == "ACME-01").ConnectionString);
            Assert.AreEqual("Server=pms-beta;Database=opendental", settings.Agent.Practices.Single(p => p.PracticeId == "BETA-02").ConnectionString);
            Assert.AreEqual("/srv/dropbox/BETA-02", settings.Agent.Practices.Single(p => p.PracticeId == "BETA-02").DropBox!.RootPath);
        }

        Assert.AreEqual("BETA-02", reordered.Agent.Practices[0].PracticeId, "the file's order is kept");
    }

    [TestMethod]
    public void Load_BindsPracticesKeyedById_WithTheKeyAsTheirId()
    {
        var settings = Load(File(new
        {
            Agent = new { Practices = new Dictionary<string, object> { ["ACME-01"] = new { Source = "OpenDental", ClinicNum = 3, DropBox = new { Kind = "Local", RootPath = "/srv/a" } } } },
        }), new Dictionary<string, string?> { ["RecallFiles__Agent__Practices__ACME-01__ConnectionString"] = "Server=pms-acme" });

        var practice = settings.Agent.Practices.Single();
        Assert.AreEqual("ACME-01", practice.PracticeId);
        Assert.AreEqual(3L, practice.ClinicNum);
        Assert.AreEqual("Server=pms-acme", practice.ConnectionString);
        Assert.AreEqual("RecallFiles:Agent:Practices:ACME-01:DropBox", practice.DropBox!.ConfigurationPath);
    }

    [TestMethod]
    public void Load_Throws_NamingTheKeyById_ForAPositionalSecretBesideTheFilesList()
    {
        var file = File(new { Agent = new { Practices = new[] { Practice("ACME-01"), Practice("BETA-02") } } });

        var ex = Assert.ThrowsExactly<SettingsException>(() => Load(file, new Dictionary<string, string?>
        {
            ["RecallFiles__Agent__Practices__0__ConnectionString"] = "Server=pms-acme",
            ["RecallFiles__Agent__Practices__1__ConnectionString"] = "Server=pms-beta",
        }));

        TestContext.WriteLine(ex.Message);
        StringAssert.Contains(ex.Message, "RecallFiles:Agent:Practices:0:ConnectionString comes from an environment variable, but the entry's PracticeId 'ACME-01' from JsonConfigurationProvider");
        StringAssert.Contains(ex.Message, "environment: RecallFiles__Agent__Practices__ACME-01__ConnectionString");
        StringAssert.Contains(ex.Message, "environment: RecallFiles__Agent__Practices__BETA-02__ConnectionString");
    }

    [TestMethod]
    public void Load_Throws_ForAStrayVariableOfAPracticeTheFileDoesNotConfigure()
    {
        var file = File(new { Agent = new { Practices = new[] { Practice("ACME-01") } } });

        var ex = Assert.ThrowsExactly<SettingsException>(() => Load(file, new Dictionary<string, string?>
        {
            ["RecallFiles__Agent__Practices__ACME-01__ConnectionString"] = "Server=pms-acme",
            ["RecallFiles__Agent__Practices__OLD-9__ConnectionString"] = "Server=old",
        }));

        StringAssert.Contains(ex.Message, "RecallFiles:Agent:Practices:OLD-9 sets only ConnectionString: no practice 'OLD-9' is configured besides its secrets");
        Assert.DoesNotContain("ACME-01", ex.Message, "the secret of a practice the file configures completes it");
    }

    [TestMethod]
    public void Load_Throws_ForANumberedEntryWithoutPracticeIdAndAnIdThatDisagreesWithItsKey()
    {
        var file = File(new { Agent = new { Practices = new Dictionary<string, object> { ["ACME-01"] = new { PracticeId = "ACME-02", Source = "OpenDental" } } } });

        var ex = Assert.ThrowsExactly<SettingsException>(() => Load(file, new Dictionary<string, string?> { ["RecallFiles__Agent__Practices__0__ConnectionString"] = "Server=x" }));

        StringAssert.Contains(ex.Message, "RecallFiles:Agent:Practices:0 has no PracticeId");
        StringAssert.Contains(ex.Message, "RecallFiles:Agent:Practices:ACME-01:PracticeId is 'ACME-02' but the entry is keyed 'ACME-01'");
    }

    [TestMethod]
    public void Load_IgnoresTheAgentSection_ForACloudVerb()
    {
        var file = File(new { DataFolder = Directory.CreateTempSubdirectory("rf-cloud-").FullName, Practices = new Dictionary<string, object> { ["ACME-01"] = new { TimeZone = "Europe/Madrid" } } });
        var agentShell = new Dictionary<string, string?> { ["RecallFiles__Agent__Practices__0__ConnectionString"] = "Server=pms" };

        Assert.ThrowsExactly<SettingsException>(() => Load(file, agentShell), "the agent reads its section");
        var cloud = Load(file, agentShell, readAgent: false);

        Assert.IsEmpty(cloud.Agent.Practices);
        Assert.AreEqual("ACME-01", ImportSettings.From(cloud).Importer.Practices.Keys.Single());
    }
}
