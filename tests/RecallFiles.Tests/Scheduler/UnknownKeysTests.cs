using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using RecallFiles.Scheduler.Configuration;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Scheduler;

/// <summary>Issue 14: a key under RecallFiles that nothing binds stops every verb (exit 2) naming it and the nearest known key.</summary>
[TestClass]
[DoNotParallelize] // the verbs read their configuration from the process environment
public sealed partial class UnknownKeysTests
{
    public TestContext TestContext { get; set; } = null!;

    private async Task<(int Exit, string Err)> Run(string json, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var folder = Directory.CreateTempSubdirectory("rf-keys-").FullName;
        var path = Path.Combine(folder, "appsettings.json");
        await File.WriteAllTextAsync(path, json.Replace("{DATA}", Path.Combine(folder, "data").Replace("\\", "\\\\", StringComparison.Ordinal), StringComparison.Ordinal), TestContext.CancellationToken);
        var (exit, _, err) = await CliRunner.RunAsync(environment, [.. args, "--config", path], TestContext.CancellationToken);
        TestContext.WriteLine(err);
        return (exit, err);
    }

    private const string AgentJson = """
        { "RecallFiles": { "DataFolder": "{DATA}", "Agent": { "Practices": [
          { "PracticeId": "ACME-01", "Source": "OpenDental", "ConnectionString": "Server=127.0.0.1;Database=od", "ClinicNum": 1 } ] } } }
        """;

    [TestMethod]
    [DataRow("run", "--role", "agent", "--once")]
    [DataRow("export", "--once", "--dry-run")]
    [DataRow("check", "--role", "agent")]
    public async Task AgentVerbs_ExitTwo_NamingAMisspeltKeyFromTheEnvironmentAndTheNearestKnownOne(params string[] args)
    {
        var (exit, err) = await Run(AgentJson, new Dictionary<string, string?> { ["RecallFiles__Agent__Practices__0__ClinicNumber"] = "3" }, args);

        Assert.AreEqual(2, exit, err);
        StringAssert.Contains(err, "RecallFiles:Agent:Practices:0:ClinicNumber is not a known key; did you mean ClinicNum?");
    }

    [TestMethod]
    public async Task ImportOnce_ExitsTwo_NamingEveryMisspeltCloudKey()
    {
        const string json = """
            { "RecallFiles": { "DataFolder": "{DATA}", "Databse": { "ConnectionString": "Host=127.0.0.1" },
              "DropBoxes": { "main": { "Kind": "Local", "RootPath": "/tmp", "MinFileAg": "00:00:02" } },
              "Practices": { "ACME": { "DropBox": "main", "TimeZon": "Europe/Madrid" } } } }
            """;

        var (exit, err) = await Run(json, new Dictionary<string, string?>(), "import", "--once");

        Assert.AreEqual(2, exit, err);
        StringAssert.Contains(err, "RecallFiles:Databse is not a known key; did you mean Database?");
        StringAssert.Contains(err, "RecallFiles:DropBoxes:main:MinFileAg is not a known key; did you mean MinFileAge?");
        StringAssert.Contains(err, "RecallFiles:Practices:ACME:TimeZon is not a known key; did you mean TimeZone?");
    }

    [TestMethod]
    public void From_Throws_ForAKeyBelowAValueAnUnnumberedListEntryAndAKeyOnlyOverwritten()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RecallFiles:Logging:Console:Colour"] = "red",
            ["RecallFiles:Dashboard:KnownProxies:first"] = "10.0.0.1",
            ["RecallFiles:Practices:ACME:Id"] = "OTHER", // replaced by the key it sits under
            ["RecallFiles:Practices:ACME:TimeZone"] = "UTC",
        }).Build();

        var ex = Assert.ThrowsExactly<SettingsException>(() => RecallFilesSettings.From(configuration, null));

        StringAssert.Contains(ex.Message, "RecallFiles:Logging:Console:Colour is not a known key: RecallFiles:Logging:Console takes a single value");
        StringAssert.Contains(ex.Message, "RecallFiles:Dashboard:KnownProxies:first is not a known key: RecallFiles:Dashboard:KnownProxies is a list");
        StringAssert.Contains(ex.Message, "RecallFiles:Practices:ACME:Id is not a known key");
        Assert.DoesNotContain("TimeZone is not", ex.Message);
    }

    [TestMethod]
    public void Unknown_IsEmpty_ForEveryKeyOfTheSampleConfigurationsAndTheDocs()
    {
        var root = Approved.RepoRoot;
        var checkedKeys = 0;
        var problems = new List<string>();
        void Check(string source, IConfiguration configuration)
        {
            checkedKeys += configuration.AsEnumerable().Count(kv => kv.Key.StartsWith("RecallFiles:", StringComparison.OrdinalIgnoreCase) && kv.Value is not null);
            problems.AddRange(KnownKeys.Unknown(configuration).Select(p => $"{source}: {p}"));
        }

        IConfiguration Json(string json) => new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

        var files = Directory.GetFiles(Path.Combine(root, "deploy"), "*.json", SearchOption.AllDirectories);
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            // A preset is one entry of RecallFiles:Agent:Practices.
            Check(file, Json(text.Contains("\"RecallFiles\"", StringComparison.Ordinal) ? text : $$"""{ "RecallFiles": { "Agent": { "Practices": [ {{text}} ] } } }"""));
        }

        var docs = Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Append(Path.Combine(root, "README.md")).ToList();
        var blocks = docs.SelectMany(d => JsonBlock().Matches(File.ReadAllText(d)).Select(m => (d, m.Groups[1].Value))).Where(b => b.Value.Contains("\"RecallFiles\"", StringComparison.Ordinal)).ToList();
        foreach (var (doc, block) in blocks)
        {
            Check(doc, Json(block));
        }

        // Environment variables (RecallFiles__A__B=) and keys (`RecallFiles:A:B`) named in the docs and deploy files; N, {id}, <id> and {name} stand for an entry.
        var texts = docs.Concat(Directory.GetFiles(Path.Combine(root, "deploy"), "*", SearchOption.AllDirectories)).Select(f => (f, File.ReadAllText(f)));
        foreach (var (file, text) in texts)
        {
            var keys = EnvironmentKey().Matches(text).Select(m => m.Value.Replace("__", ":", StringComparison.Ordinal))
                .Concat(DocKey().Matches(text).Select(m => m.Groups[1].Value))
                .Select(k => EntryPlaceholder().Replace(k, ":0"))
                .Distinct().ToDictionary(k => k, _ => (string?)"x");
            Check(file, new ConfigurationBuilder().AddInMemoryCollection(keys).Build());
        }

        Assert.IsGreaterThan(1, files.Length, "the cloud sample and the presets");
        Assert.IsGreaterThan(1, blocks.Count, "the examples of docs/configuration.md and docs/importer.md");
        Assert.IsGreaterThan(60, checkedKeys);
        Assert.IsEmpty(problems, string.Join(Environment.NewLine, problems));
    }

    [GeneratedRegex("```json\\s*\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();

    [GeneratedRegex("RecallFiles__[A-Za-z0-9_]+")]
    private static partial Regex EnvironmentKey();

    [GeneratedRegex("`(RecallFiles:[^` =]+)`")]
    private static partial Regex DocKey();

    [GeneratedRegex(@":(N|\{id\}|<id>|\{name\})(?=:|$)")]
    private static partial Regex EntryPlaceholder();
}
