using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using RecallFiles.Tests.Infrastructure;
using RecallFiles.Tests.SampleData;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Importer;

/// <summary>One case of <c>tests/hostile-catalogue/catalogue.json</c> (issue 13): where its bytes come from, its name, what it attacks and what must happen.</summary>
internal sealed record HostileCase
{
    [JsonPropertyName("case")]
    public required string Case { get; init; }

    /// <summary>A file of the catalogue folder.</summary>
    [JsonPropertyName("file")]
    public string? File { get; init; }

    /// <summary>A file of <c>sample-data/malformed/</c>.</summary>
    [JsonPropertyName("corpus")]
    public string? Corpus { get; init; }

    /// <summary>Made by <see cref="HostileCatalogue.Generate"/> (too large to keep in git, or a link).</summary>
    [JsonPropertyName("generate")]
    public string? Generate { get; init; }

    /// <summary>The name in the drop box; <c>{practice}</c> is the case's own practice. Default: the catalogue's default name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>A modification time to set on the dropped file (the time of a name outside the contract).</summary>
    [JsonPropertyName("mtime")]
    public DateTimeOffset? ModifiedUtc { get; init; }

    [JsonPropertyName("threat")]
    public required string Threat { get; init; }

    /// <summary><c>recallfiles validate</c>'s exit code; null: not run (a link).</summary>
    [JsonPropertyName("validate")]
    public int? Validate { get; init; }

    /// <summary>applied, failed, needs_review (a batch state), refused (to failed/ at listing), left (never opened, reported), ignored (a file being written).</summary>
    [JsonPropertyName("import")]
    public required string Import { get; init; }

    /// <summary>Appointments of the case's practice in PostgreSQL afterwards.</summary>
    [JsonPropertyName("rows")]
    public int Rows { get; init; }

    /// <summary>Values that must appear in no output: validate's, the importer's, the stored row errors and the error report.</summary>
    [JsonPropertyName("mustNotContain")]
    public IReadOnlyList<string> MustNotContain { get; init; } = [];
}

/// <summary>The catalogue: its cases, and the files the large or special ones are made from.</summary>
internal static class HostileCatalogue
{
    public static string Folder => Path.Combine(Approved.RepoRoot, "tests", "hostile-catalogue");

    /// <summary>The drop box limit the catalogue's import runs with, so the oversize case stays small.</summary>
    public const long MaxFileBytes = 4L * 1024 * 1024;

    public static (string DefaultName, IReadOnlyList<HostileCase> Cases) Load()
    {
        using var document = JsonDocument.Parse(System.IO.File.ReadAllText(Path.Combine(Folder, "catalogue.json")));
        var name = document.RootElement.GetProperty("defaultName").GetString()!;
        var cases = document.RootElement.GetProperty("cases").Deserialize<List<HostileCase>>()!;
        return (name, cases);
    }

    /// <summary>Writes the case's content to <paramref name="path"/> (a link is made by the caller).</summary>
    public static void Write(HostileCase entry, string path)
    {
        if (entry.File is { } file)
        {
            System.IO.File.Copy(Path.Combine(Folder, file), path);
        }
        else if (entry.Corpus is { } corpus)
        {
            System.IO.File.Copy(Path.Combine(RepoPaths.Malformed, corpus), path);
        }
        else
        {
            Generate(entry.Generate!, path);
        }
    }

    private static void Generate(string kind, string path)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        var honest = new[] { Row("G1"), Row("G2"), Row("G3") };
        switch (kind)
        {
            case "huge-field":
                writer.Write(File([Row("A1").Replace("Dr. Molina", new string('M', 1_000_000), StringComparison.Ordinal), .. honest]));
                break;
            case "deep-quoted-value":
                var value = "\"" + string.Concat(Enumerable.Repeat("x,y\r\n", 500_000)) + "\"";
                writer.Write(File([Row("A1").Replace("Main clinic", value, StringComparison.Ordinal), .. honest]));
                break;
            case "very-long-line":
                writer.Write("APP_LID," + new string('A', 3_000_000));
                break;
            case "duplicate-app-lid-mass":
                writer.Write(File([.. Enumerable.Range(0, 10_000).Select(i => Row("SAME", time: $"{9 + (i / 60 % 8):00}:{i % 60:00}"))]));
                break;
            case "oversize":
                writer.Write(Header + "\r\n");
                for (var i = 0; writer.BaseStream.Length < MaxFileBytes + 256 * 1024; i++)
                {
                    writer.Write(Row($"O{i}") + "\r\n");
                    if (i % 1000 == 0)
                    {
                        writer.Flush();
                    }
                }

                break;
            default:
                throw new InvalidOperationException($"no generator '{kind}'");
        }
    }
}
