using RecallFiles.Tests.Infrastructure;
using RecallFiles.Transport;

namespace RecallFiles.Tests.Scheduler;

/// <summary>Issue 13: two practices configured on overlapping folders would import the same file twice; start-up stops, naming both keys.</summary>
[TestClass]
[DoNotParallelize] // the verbs read their configuration from the process environment
public sealed class FolderOverlapTests
{
    public TestContext TestContext { get; set; } = null!;

    private static readonly DropBoxOptions Sftp = new() { Kind = DropBoxKind.Sftp, Host = "sftp.example.com", Port = 22, UserName = "cloud", RootPath = "/drop" };

    [TestMethod]
    public void Problems_IsEmpty_ForPracticesWithTheirOwnFolders()
    {
        var problems = FolderOverlap.Problems([
            new("A", "A:Folder", Sftp, "A/appointments"), new("A", "A:Results", Sftp, "A/results"),
            new("B", "B:Folder", Sftp, "B/appointments"), new("B", "B:Results", Sftp, "B/results"),
            new("C", "C:Folder", Sftp with { UserName = "other" }, "A/appointments"), // another account: another chroot
        ]);

        Assert.IsEmpty(problems, string.Join("; ", problems));
    }

    [TestMethod]
    public void Problems_NamesBothKeys_ForTheSameFolderOrOneInsideTheOther()
    {
        var same = FolderOverlap.Problems([new("A", "RecallFiles:Practices:A:Folder", Sftp, "shared/in"), new("B", "RecallFiles:Practices:B:Folder", Sftp with { Host = "SFTP.example.com" }, "/shared/in/")]);
        var inside = FolderOverlap.Problems([new("A", "A:Folder", Sftp, "clinic"), new("B", "B:Folder", Sftp, "clinic/b/appointments")]);
        var root = FolderOverlap.Problems([new("A", "A:Folder", Sftp, "/"), new("B", "B:Folder", Sftp, "b")]);

        Assert.HasCount(1, same);
        StringAssert.Contains(same[0], "RecallFiles:Practices:B:Folder ('shared/in') is the same folder as RecallFiles:Practices:A:Folder ('shared/in')");
        Assert.HasCount(1, inside);
        StringAssert.Contains(inside[0], "B:Folder ('clinic/b/appointments') lies inside A:Folder ('clinic')");
        Assert.HasCount(1, root);
    }

    [TestMethod]
    public void Problems_SeesTheSameLocalFolderThroughTwoRoots()
    {
        var folder = Directory.CreateTempSubdirectory("rf-overlap-").FullName;
        var problems = FolderOverlap.Problems([
            new("A", "A:Folder", new DropBoxOptions { RootPath = folder }, "acme/appointments"),
            new("B", "B:Folder", new DropBoxOptions { RootPath = Path.Combine(folder, "acme") }, "appointments"),
        ]);

        Assert.HasCount(1, problems);
    }

    [TestMethod]
    public async Task ImportOnce_ExitsTwo_NamingBothPracticesWhoseFoldersOverlap()
    {
        var folder = Directory.CreateTempSubdirectory("rf-overlap-").FullName;
        var path = Path.Combine(folder, "appsettings.json");
        var drop = Path.Combine(folder, "drop").Replace("\\", "\\\\", StringComparison.Ordinal);
        await File.WriteAllTextAsync(path, $$"""
            { "RecallFiles": { "DataFolder": "{{Path.Combine(folder, "data").Replace("\\", "\\\\", StringComparison.Ordinal)}}",
              "DropBoxes": { "main": { "Kind": "Local", "RootPath": "{{drop}}" }, "again": { "Kind": "Local", "RootPath": "{{drop}}/clinics" } },
              "Practices": { "ACME": { "DropBox": "main", "Folder": "clinics/acme/appointments" },
                             "BETA": { "DropBox": "again", "Folder": "acme/appointments" } } } }
            """, TestContext.CancellationToken);

        var (exit, _, err) = await CliRunner.RunAsync(new Dictionary<string, string?>(), ["import", "--once", "--config", path], TestContext.CancellationToken);

        Assert.AreEqual(2, exit, err);
        StringAssert.Contains(err, "RecallFiles:Practices:BETA:Folder ('acme/appointments') is the same folder as RecallFiles:Practices:ACME:Folder ('clinics/acme/appointments')");
    }

    [TestMethod]
    public async Task AgentCheck_ExitsTwo_ForTwoAgentPracticesOnOneStatusFolder()
    {
        var folder = Directory.CreateTempSubdirectory("rf-overlap-").FullName;
        var path = Path.Combine(folder, "appsettings.json");
        var drop = Path.Combine(folder, "drop").Replace("\\", "\\\\", StringComparison.Ordinal);
        await File.WriteAllTextAsync(path, $$"""
            { "RecallFiles": { "DataFolder": "{{Path.Combine(folder, "data").Replace("\\", "\\\\", StringComparison.Ordinal)}}", "Agent": { "Practices": [
              { "PracticeId": "ACME-01", "Source": "OpenDental", "ConnectionString": "Server=127.0.0.1;Database=od", "ClinicNum": 1,
                "AppointmentsFolder": "acme", "DropBox": { "Kind": "Local", "RootPath": "{{drop}}" }, "Status": { "Enabled": true } },
              { "PracticeId": "BETA-01", "Source": "OpenDental", "ConnectionString": "Server=127.0.0.1;Database=od", "ClinicNum": 2,
                "AppointmentsFolder": "beta", "DropBox": { "Kind": "Local", "RootPath": "{{drop}}" }, "Status": { "Enabled": true } } ] } } }
            """, TestContext.CancellationToken);

        var (exit, _, err) = await CliRunner.RunAsync(new Dictionary<string, string?>(), ["check", "--role", "agent", "--config", path], TestContext.CancellationToken);

        Assert.AreEqual(2, exit, err);
        StringAssert.Contains(err, "RecallFiles:Agent:Practices:1:Status:StatusFolder ('status') is the same folder as RecallFiles:Agent:Practices:0:Status:StatusFolder ('status')");
    }
}
