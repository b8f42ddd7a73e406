using RecallFiles.Schemas;
using RecallFiles.Transport;

namespace RecallFiles.Importer.Practices;

/// <summary>The cloud's configured practices and their drop boxes, looked up by id with errors that name the key to fix.</summary>
public sealed class CloudPractices(ImporterOptions options, IReadOnlyDictionary<string, DropBoxOptions> dropBoxes)
{
    /// <summary>The enabled practices, each with its id set (the configuration key when Id is empty).</summary>
    public IEnumerable<PracticeOptions> Enabled => options.Practices
        .Select(p => p.Value with { Id = string.IsNullOrEmpty(p.Value.Id) ? p.Key : p.Value.Id })
        .Where(p => p.Enabled);

    /// <summary>The enabled practice <paramref name="practiceId"/>, or a <see cref="NotFoundException"/>.</summary>
    public PracticeOptions Find(string practiceId) => Enabled.FirstOrDefault(p => p.Id == practiceId)
        ?? throw new NotFoundException($"practice {practiceId} is not configured or not enabled (RecallFiles:Practices:{practiceId})");

    /// <summary>The drop box of <paramref name="practice"/>, or a <see cref="ConfigurationException"/> naming the key.</summary>
    public DropBoxOptions DropBoxOf(PracticeOptions practice)
    {
        ArgumentNullException.ThrowIfNull(practice);
        return dropBoxes.TryGetValue(practice.DropBox, out var found)
            ? found
            : throw new ConfigurationException($"RecallFiles:Practices:{practice.Id}:DropBox names '{practice.DropBox}', which is not configured under RecallFiles:DropBoxes");
    }
}
