using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using RecallFiles.Exporter;

namespace RecallFiles.Scheduler.Configuration;

/// <summary>One agent practice and the configuration key its settings sit under (for messages that name the key to fix).</summary>
internal sealed record AgentPractice(PracticeExportOptions Options, string Key);

/// <summary>
/// Binds <c>RecallFiles:Agent:Practices</c> by practice id (issue 14): list position never decides which database a
/// practice reads. Two forms, mixable:
/// <list type="bullet">
/// <item>keyed by id, as the cloud's <c>RecallFiles:Practices:{id}</c>: <c>RecallFiles:Agent:Practices:ACME-01:ConnectionString</c>
/// (environment: <c>RecallFiles__Agent__Practices__ACME-01__ConnectionString</c>); a <c>PracticeId</c> inside must equal the key;</item>
/// <item>a JSON list whose entries carry <c>PracticeId</c>; every key of a numbered entry must come from the same source as its
/// <c>PracticeId</c> (a <c>…Practices__0__ConnectionString</c> variable beside a file's list is refused: reordering the file
/// would swap databases).</item>
/// </list>
/// The keys set under a practice's id are laid over its list entry. An entry that sets nothing but secrets (a stray variable
/// for a practice the file does not configure) is refused instead of springing into existence.
/// </summary>
internal static class AgentPractices
{
    /// <summary>The section.</summary>
    public const string Section = "RecallFiles:Agent:Practices";

    // Keys that only complete a practice configured elsewhere.
    private static readonly string[] Secrets = ["ConnectionString", "DropBox:Password", "DropBox:PrivateKeyPassphrase", "Status:SigningKeys"];

    /// <summary>The practices, in order of first appearance, and every problem naming its key.</summary>
    public static (IReadOnlyList<AgentPractice> Practices, IReadOnlyList<string> Errors) Bind(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var errors = new List<string>();
        var entries = new List<(string Id, string Key, Dictionary<string, string?> Values, bool Listed)>();
        foreach (var child in configuration.GetSection(Section).GetChildren())
        {
            var values = Flatten(child);
            var declared = child["PracticeId"] is { Length: > 0 } id ? id.Trim() : null;
            var numbered = int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _);
            if (numbered && declared is not null && !string.Equals(declared, child.Key, StringComparison.OrdinalIgnoreCase))
            {
                errors.AddRange(MixedSources(configuration, child, declared));
                entries.Add((declared, child.Path, values, true));
            }
            else if (numbered && declared is null)
            {
                errors.Add($"{child.Path} has no PracticeId: practices are keyed by id ({Section}:ACME-01:…, environment RecallFiles__Agent__Practices__ACME-01__…) " +
                    $"or, in a JSON list, each entry names its PracticeId; a numbered key alone would let list position decide which practice it configures");
            }
            else if (declared is not null && !string.Equals(declared, child.Key, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{child.Path}:PracticeId is '{declared}' but the entry is keyed '{child.Key}'; the key is the practice id: remove PracticeId or make them agree");
            }
            else
            {
                values.Remove("PracticeId");
                entries.Add((child.Key, child.Path, values, false));
            }
        }

        var practices = new List<AgentPractice>();
        foreach (var group in entries.GroupBy(e => e.Id, StringComparer.OrdinalIgnoreCase))
        {
            var listed = group.Where(e => e.Listed).ToList();
            if (listed.Count > 1)
            {
                errors.Add($"{Section}: practice id '{group.Key}' is configured {listed.Count} times ({string.Join(", ", listed.Select(e => e.Key))}); each practice once");
                continue;
            }

            // The list entry first, the keys set under its id over it.
            var merged = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var entry in group.OrderByDescending(e => e.Listed))
            {
                foreach (var (name, value) in entry.Values)
                {
                    merged[name] = value;
                }
            }

            var key = listed.Count == 1 ? listed[0].Key : group.First().Key;
            if (merged.Keys.All(k => Secrets.Any(s => k.Equals(s, StringComparison.OrdinalIgnoreCase) || k.StartsWith(s + ":", StringComparison.OrdinalIgnoreCase))))
            {
                errors.Add($"{key} sets only {string.Join(", ", merged.Keys.Order(StringComparer.Ordinal))}: no practice '{group.Key}' is configured besides its secrets " +
                    "(a stray environment variable?); configure the practice or remove the variable");
                continue;
            }

            merged.Remove("PracticeId");
            var options = (new ConfigurationBuilder().AddInMemoryCollection(merged).Build().Get<PracticeExportOptions>() ?? new PracticeExportOptions())
                with { PracticeId = listed.Count == 1 ? listed[0].Id : group.Key };
            if (options.DropBox is { } dropBox)
            {
                // Drop box messages name the key to fix: point them at this practice's entry.
                options = options with { DropBox = dropBox with { ConfigurationPath = $"{key}:DropBox" } };
            }

            practices.Add(new AgentPractice(options, key));
        }

        return (practices, errors);
    }

    private static Dictionary<string, string?> Flatten(IConfigurationSection section) =>
        section.AsEnumerable(makePathsRelative: true).Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);

    private static IEnumerable<string> MixedSources(IConfiguration configuration, IConfigurationSection entry, string id)
    {
        if (configuration is not IConfigurationRoot root)
        {
            yield break;
        }

        var idSource = SourceOf(root, $"{entry.Path}:PracticeId");
        foreach (var (relative, _) in entry.AsEnumerable(makePathsRelative: true).Where(p => p.Value is not null))
        {
            var source = SourceOf(root, $"{entry.Path}:{relative}");
            if (source is not null && idSource is not null && !ReferenceEquals(source, idSource))
            {
                yield return $"{entry.Path}:{relative} comes from {Describe(source)}, but the entry's PracticeId '{id}' from {Describe(idSource)}: list position would decide " +
                    $"which practice it reaches; set {Section}:{id}:{relative} instead (environment: RecallFiles__Agent__Practices__{id}__{relative.Replace(":", "__", StringComparison.Ordinal)})";
            }
        }
    }

    private static IConfigurationProvider? SourceOf(IConfigurationRoot root, string key) =>
        root.Providers.Reverse().FirstOrDefault(p => p.TryGet(key, out _));

    private static string Describe(IConfigurationProvider provider) =>
        provider is EnvironmentVariablesConfigurationProvider ? "an environment variable" : provider.ToString() ?? provider.GetType().Name;
}
