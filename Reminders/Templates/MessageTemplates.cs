using System.Collections.Concurrent;
using System.Globalization;
using Fluid;

namespace RecallFiles.Reminders.Templates;

/// <summary>What a message may say: never a patient's name; the appointment's local time, resource and location names.</summary>
/// <param name="LocalStart">The appointment's start in the practice's time zone.</param>
/// <param name="Resource">The resource's name (RESOURCE_NAME), or null.</param>
/// <param name="Location">The location's name (LOCATION_NAME), or null.</param>
public sealed record MessageModel(DateTime LocalStart, string? Resource, string? Location);

/// <summary>
/// The message texts, one Liquid template (Fluid) per language and name: <c>Templates/{language}/{name}.liquid</c>,
/// embedded (en, es) and overridable file by file from a practice's folder (<see cref="ReminderOptions.TemplateFolder"/>),
/// which may also add languages. A template sees <c>date</c> and <c>time</c> (written the way the language writes them,
/// from the culture of the language), <c>resource</c> and <c>location</c>.
/// </summary>
public sealed class MessageTemplates
{
    /// <summary>Every template a language has.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["reminder", "feedback", "subject", "confirmed", "cancelled", "too-late", "changed", "stopped", "started", "not-understood"];

    private const string ResourcePrefix = "RecallFiles.Reminders.Templates.";
    private static readonly FluidParser Parser = new();
    private readonly string? _folder;
    private readonly ConcurrentDictionary<(string Language, string Name), IFluidTemplate> _cache = new();
    private readonly HashSet<string> _languages;

    /// <summary>Loads the embedded templates and, when given, the folder that overrides or adds to them.</summary>
    public MessageTemplates(string? folder = null)
    {
        _folder = folder;
        var assembly = typeof(MessageTemplates).Assembly;
        _languages = new HashSet<string>(
            assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith("/reminder.liquid", StringComparison.Ordinal))
                .Select(n => n[ResourcePrefix.Length..n.IndexOf('/', StringComparison.Ordinal)]), StringComparer.Ordinal);
        if (folder is not null && Directory.Exists(folder))
        {
            foreach (var directory in Directory.EnumerateDirectories(folder).Where(d => File.Exists(Path.Combine(d, "reminder.liquid"))))
            {
                _languages.Add(Path.GetFileName(directory).ToLowerInvariant());
            }
        }
    }

    /// <summary>The languages with a reminder template.</summary>
    public IReadOnlyCollection<string> Languages => _languages;

    /// <summary>
    /// The language as a two-letter code (<c>ES</c>, <c>es-ES</c>, <c>es_ES</c> and <c>spa</c> are all <c>es</c>), or null
    /// for an empty or unrecognisable value.
    /// </summary>
    public static string? Normalize(string? language)
    {
        if (string.IsNullOrWhiteSpace(language))
        {
            return null;
        }

        var code = language.Trim().Split('-', '_')[0].ToLowerInvariant();
        if (code.Length == 3)
        {
            code = CultureInfo.GetCultures(CultureTypes.NeutralCultures)
                .FirstOrDefault(c => c.ThreeLetterISOLanguageName == code && c.TwoLetterISOLanguageName.Length == 2)?.TwoLetterISOLanguageName ?? code;
        }

        return code.Length is 2 or 3 && code.All(char.IsAsciiLetterLower) ? code : null;
    }

    /// <summary>The template language for a row's language: itself when it has templates, else <paramref name="fallback"/>.</summary>
    public string Resolve(string? language, string fallback) =>
        Normalize(language) is { } code && _languages.Contains(code) ? code : fallback;

    /// <summary>Renders one template of one language (a language without that template uses English's).</summary>
    public string Render(string language, string name, MessageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var template = _cache.GetOrAdd((language, name), key => Parse(key.Language, key.Name));
        var culture = CultureInfo.GetCultureInfo(language);
        var context = new TemplateContext(new TemplateOptions { CultureInfo = culture });
        context.SetValue("date", Plain(model.LocalStart.ToString("D", culture)));
        context.SetValue("time", Plain(model.LocalStart.ToString("t", culture)));
        // Only names that are there: Liquid treats an empty string (and Fluid a null it was given) as true in {% if %}.
        if (model.Resource is { Length: > 0 } resource)
        {
            context.SetValue("resource", resource);
        }

        if (model.Location is { Length: > 0 } location)
        {
            context.SetValue("location", location);
        }
        return template.Render(context).Trim();
    }

    // Cultures put no-break spaces in dates and times ("10:30\u202FAM"): one of them makes an SMS UCS-2, which halves its length.
    private static string Plain(string text) => text.Replace('\u202F', ' ').Replace('\u00A0', ' ');

    private IFluidTemplate Parse(string language, string name)
    {
        var source = Source(language, name) ?? Source("en", name)
            ?? throw new InvalidOperationException($"no message template '{name}' for language '{language}' or English");
        return Parser.TryParse(source, out var template, out var error)
            ? template
            : throw new InvalidOperationException($"message template {language}/{name}.liquid does not parse: {error}");
    }

    private string? Source(string language, string name)
    {
        if (_folder is not null && Path.Combine(_folder, language, name + ".liquid") is var path && File.Exists(path))
        {
            return File.ReadAllText(path);
        }

        using var stream = typeof(MessageTemplates).Assembly.GetManifestResourceStream($"{ResourcePrefix}{language}/{name}.liquid");
        if (stream is null)
        {
            return null;
        }

        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
