using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using RecallFiles.Exporter;
using RecallFiles.Importer;
using RecallFiles.Importer.Feed;
using RecallFiles.Importer.Practices;
using RecallFiles.Reminders;
using RecallFiles.Transport;

namespace RecallFiles.Scheduler.Configuration;

/// <summary>
/// Every key under <c>RecallFiles</c> that a settings type binds (issue 14): derived by reflection from the settings
/// records, so a new property is known as soon as it exists. A key nothing binds — a misspelling such as
/// <c>ClinicNumber</c> for <c>ClinicNum</c> — would otherwise be ignored silently and its default used.
/// </summary>
internal static class KnownKeys
{
    private abstract record Node;

    private sealed record Leaf : Node;

    private sealed record Branch(IReadOnlyDictionary<string, Node> Children) : Node;

    private sealed record ListOf(Node Item) : Node;

    private sealed record MapOf(Node Value) : Node;

    private static readonly Leaf Value = new();

    // Bound, then overwritten from the key they sit under: configuring them would change nothing.
    private static readonly HashSet<(Type, string)> Overwritten =
    [
        (typeof(PracticeOptions), nameof(PracticeOptions.Id)),
        (typeof(DropBoxOptions), nameof(DropBoxOptions.ConfigurationPath)),
        (typeof(ImporterOptions), nameof(ImporterOptions.Practices)),
    ];

    // Keys read beside a record's own properties.
    private static readonly Dictionary<Type, string[]> Extra = new()
    {
        [typeof(ReminderOptions)] = ["Cron"], // ReminderSettings reads RecallFiles:Reminders:Cron
        [typeof(PracticeExportOptions)] = [.. PracticeExportOptions.RenamedKeyNames], // refused with their own message
    };

    private static readonly Lazy<Branch> Root = new(() => new Branch(Keys(new Dictionary<string, Node>
    {
        ["DataFolder"] = Value,
        ["Api"] = new Branch(Keys(new Dictionary<string, Node> { ["KeysFile"] = Value })),
        ["Database"] = new Branch(Keys(new Dictionary<string, Node> { ["ConnectionString"] = Value })),
        ["Status"] = new Branch(Keys(new Dictionary<string, Node> { ["Cron"] = Value, ["ResultsCron"] = Value })),
        // Agent practices are keyed by practice id (or a JSON list's numbers): AgentPractices.
        ["Agent"] = With(Of(typeof(AgentSettings)), ("Practices", new MapOf(With(Of(typeof(PracticeExportOptions)), ("PracticeId", Value))))),
        ["Logging"] = Of(typeof(LoggingSettings)),
        ["Dashboard"] = Of(typeof(DashboardSettings)),
        ["Hangfire"] = Of(typeof(HangfireSettings)),
        ["Housekeeping"] = Of(typeof(HousekeepingSettings)),
        ["Importer"] = Of(typeof(ImporterOptions)),
        ["Practices"] = new MapOf(Of(typeof(PracticeOptions))),
        ["DropBoxes"] = new MapOf(Of(typeof(DropBoxOptions))),
        // JobSettings reads the senders beside the engine's options: RecallFiles:Reminders:Smtp and :SmsGateway.
        ["Reminders"] = With(Of(typeof(ReminderOptions)), ("Smtp", Of(typeof(RecallFiles.Reminders.Delivery.SmtpOptions))),
            ("SmsGateway", Of(typeof(RecallFiles.Reminders.Delivery.SmsGatewayOptions)))),
        ["Webhook"] = Of(typeof(WebhookOptions)),
        ["Alerts"] = Of(typeof(RecallFiles.Scheduler.Alerts.AlertOptions)),
        ["Metrics"] = Of(typeof(RecallFiles.Scheduler.Metrics.MetricsOptions)),
    })));

    /// <summary>
    /// One message per key under <c>RecallFiles</c> that nothing binds, naming the full key and the nearest known key
    /// at its place; empty when every key is known. Keys are compared as configuration compares them, ignoring case.
    /// </summary>
    public static IReadOnlyList<string> Unknown(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        Walk(configuration.GetSection(RecallFilesSettings.Section), Root.Value, problems);
        return problems;
    }

    private static void Walk(IConfigurationSection section, Node node, List<string> problems)
    {
        foreach (var child in section.GetChildren())
        {
            switch (node)
            {
                case Branch branch when branch.Children.TryGetValue(child.Key, out var known):
                    Walk(child, known, problems);
                    break;
                case Branch branch:
                    problems.Add($"{child.Path} is not a known key; did you mean {Nearest(child.Key, branch.Children.Keys)}?");
                    break;
                case ListOf list when int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _):
                    Walk(child, list.Item, problems);
                    break;
                case ListOf:
                    problems.Add($"{child.Path} is not a known key: {section.Path} is a list, its entries are numbered 0, 1, 2, …");
                    break;
                case MapOf map:
                    Walk(child, map.Value, problems);
                    break;
                default:
                    problems.Add($"{child.Path} is not a known key: {section.Path} takes a single value");
                    break;
            }
        }
    }

    private static Node Of(Type type)
    {
        var plain = Nullable.GetUnderlyingType(type) ?? type;
        if (IsValue(plain))
        {
            return Value;
        }

        if (plain.IsArray)
        {
            return new ListOf(Of(plain.GetElementType()!));
        }

        if (plain.IsGenericType)
        {
            var definition = plain.GetGenericTypeDefinition();
            var arguments = plain.GetGenericArguments();
            if (definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>))
            {
                return new MapOf(Of(arguments[1]));
            }

            if (arguments.Length == 1 && typeof(IEnumerable<>).MakeGenericType(arguments[0]).IsAssignableFrom(plain))
            {
                return new ListOf(Of(arguments[0]));
            }
        }

        var children = plain.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0 && !Overwritten.Contains((plain, p.Name)))
            .ToDictionary(p => p.Name, p => Of(p.PropertyType));
        foreach (var name in Extra.GetValueOrDefault(plain, []))
        {
            children[name] = Value;
        }

        return new Branch(Keys(children));
    }

    private static bool IsValue(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
        || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Guid) || type == typeof(Uri)
        || (type != typeof(object) && !type.IsGenericType && TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string)));

    private static Branch With(Node node, params (string Key, Node Child)[] more)
    {
        var children = new Dictionary<string, Node>(((Branch)node).Children);
        foreach (var (key, child) in more)
        {
            children[key] = child;
        }

        return new Branch(Keys(children));
    }

    private static Dictionary<string, Node> Keys(Dictionary<string, Node> children) => new(children, StringComparer.OrdinalIgnoreCase);

    /// <summary>The known key closest to <paramref name="key"/> by edit distance, ignoring case (the first on a tie).</summary>
    internal static string Nearest(string key, IEnumerable<string> known) =>
        known.OrderBy(k => Distance(key.ToUpperInvariant(), k.ToUpperInvariant())).FirstOrDefault() ?? "(nothing: this section takes no keys)";

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
