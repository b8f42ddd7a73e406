using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using RecallFiles.Importer.Batches;
using RecallFiles.Schemas;
using RecallFiles.Transport;

namespace RecallFiles.Importer.Practices;

/// <summary>
/// Adds, edits, disables and enables the cloud practices managed in the database (issue 17), the same for
/// <c>recallfiles practices</c> and support on the dashboard: validates (practice id, time zone, a configured drop box,
/// no folder overlapping another practice's), creates the practice's folders on its drop box, writes the row (running
/// servers pick it up within <c>RecallFiles:Importer:PracticeRefresh</c>) and writes one audit line, refusals included.
/// Practices configured in JSON are read-only here.
/// </summary>
public sealed class PracticeAdmin(NpgsqlDataSource dataSource, PracticeCatalog catalog, IReadOnlyDictionary<string, DropBoxOptions> dropBoxes, ImporterOptions importer,
    IAuditTrail audit, TimeProvider? time = null, ILogger? logger = null)
{
    /// <summary>Adds <paramref name="practice"/> and creates its folders; returns the folders created.</summary>
    public Task<IReadOnlyList<string>> AddAsync(PracticeOptions practice, string who, CancellationToken cancellationToken = default) =>
        AuditedAsync("practice-add", practice?.Id ?? "-", Describe(practice), who, async () =>
        {
            ArgumentNullException.ThrowIfNull(practice);
            if (catalog.IsConfigured(practice.Id))
            {
                throw new ConflictException($"practice {practice.Id} is configured in JSON (RecallFiles:Practices:{practice.Id}): change it in the configuration file");
            }

            await ValidateAsync(practice, cancellationToken);
            var folders = await CreateFoldersAsync(practice, cancellationToken);
            await ManagedPractices.InsertAsync(dataSource, practice, who, cancellationToken);
            return folders;
        });

    /// <summary>Changes a database practice with <paramref name="change"/>; creates the folders its new settings name.</summary>
    public async Task<IReadOnlyList<string>> EditAsync(string practiceId, Func<PracticeOptions, PracticeOptions> change, string who, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        var current = await CurrentAsync(practiceId, "practice-edit", who, cancellationToken);
        var changed = change(current) with { Id = current.Id };
        return await AuditedAsync("practice-edit", practiceId, Describe(changed), who, async () =>
        {
            await ValidateAsync(changed, cancellationToken);
            var folders = changed.Enabled ? await CreateFoldersAsync(changed, cancellationToken) : [];
            await ManagedPractices.UpdateAsync(dataSource, changed, who, cancellationToken);
            return folders;
        });
    }

    /// <summary>Stops picking up <paramref name="practiceId"/>'s files (its batches and folders stay).</summary>
    public async Task DisableAsync(string practiceId, string who, CancellationToken cancellationToken = default)
    {
        var current = await CurrentAsync(practiceId, "practice-disable", who, cancellationToken);
        await AuditedAsync("practice-disable", practiceId, "Enabled=false", who, async () =>
        {
            await ManagedPractices.UpdateAsync(dataSource, current with { Enabled = false }, who, cancellationToken);
            return (IReadOnlyList<string>)[];
        });
    }

    /// <summary>The folders of <paramref name="practice"/> that a server reads or writes, each inbox with its <c>processed/</c> and <c>failed/</c>.</summary>
    public IReadOnlyList<string> FoldersOf(PracticeOptions practice)
    {
        ArgumentNullException.ThrowIfNull(practice);
        var layout = practice.Layout;
        return
        [
            layout.Appointments, $"{layout.Appointments}/{importer.ProcessedFolder}", DropBoxLayout.FailedOf(layout.Appointments),
            layout.Results, $"{layout.Results}/{importer.ProcessedFolder}", DropBoxLayout.FailedOf(layout.Results),
            layout.Status, layout.Errors,
        ];
    }

    private async Task<PracticeOptions> CurrentAsync(string practiceId, string action, string who, CancellationToken cancellationToken)
    {
        var row = await ManagedPractices.FindAsync(dataSource, practiceId, cancellationToken);
        if (row is { Source: ManagedPractice.Database } && !catalog.IsConfigured(practiceId))
        {
            return row.Options;
        }

        var refusal = catalog.IsConfigured(practiceId)
            ? new ConflictException($"practice {practiceId} is configured in JSON (RecallFiles:Practices:{practiceId}), read-only here: change it in the configuration file")
            : await ManagedPractices.NotManagedAsync(dataSource, practiceId, cancellationToken);
        audit.Record(action, practiceId, "-", who, "refused: " + refusal.Message);
        throw refusal;
    }

    private async Task ValidateAsync(PracticeOptions practice, CancellationToken cancellationToken)
    {
        var problems = new List<string>(practice.Validate($"practice {practice.Id}"));
        if (!dropBoxes.ContainsKey(practice.DropBox))
        {
            problems.Add($"practice {practice.Id}: drop box '{practice.DropBox}' is not configured; configured drop boxes: {string.Join(", ", dropBoxes.Keys.Order(StringComparer.Ordinal))} (RecallFiles:DropBoxes:{{name}})");
        }

        if (problems.Count == 0 && practice.Enabled)
        {
            // Issue 13's overlap rule holds for database practices too: every other enabled practice, from JSON or the database.
            var (rows, _) = await ManagedPractices.ReadAsync(dataSource, cancellationToken);
            var others = catalog.Configured.Values
                .Concat(rows.Where(r => r.Source == ManagedPractice.Database && !catalog.IsConfigured(r.Options.Id)).Select(r => r.Options))
                .Where(p => p.Enabled && p.Id != practice.Id && dropBoxes.ContainsKey(p.DropBox));
            problems.AddRange(FolderOverlap.Problems(others.Append(practice).SelectMany(p => p.Folders(dropBoxes[p.DropBox])))
                .Where(p => p.Contains(practice.Id, StringComparison.Ordinal)));
        }

        if (problems.Count > 0)
        {
            throw new ConfigurationException(string.Join(" ", problems));
        }
    }

    private async Task<IReadOnlyList<string>> CreateFoldersAsync(PracticeOptions practice, CancellationToken cancellationToken)
    {
        var folders = FoldersOf(practice);
        await using var dropBox = DropBoxFactory.Create(dropBoxes[practice.DropBox], time, logger ?? NullLogger.Instance);
        foreach (var folder in folders)
        {
            await dropBox.EnsureFolderAsync(folder, cancellationToken);
        }

        return folders;
    }

    private async Task<IReadOnlyList<string>> AuditedAsync(string action, string practiceId, string subject, string who, Func<Task<IReadOnlyList<string>>> work)
    {
        try
        {
            var folders = await work();
            audit.Record(action, practiceId, subject, who, string.Create(CultureInfo.InvariantCulture, $"done ({folders.Count} folder(s) ensured)"));
            return folders;
        }
        catch (Exception ex) when (ex is RecallFilesException or DropBoxException or ArgumentException)
        {
            audit.Record(action, practiceId, subject, who, "refused: " + ex.Message);
            throw;
        }
    }

    private static string Describe(PracticeOptions? p) => p is null ? "-" : string.Create(CultureInfo.InvariantCulture,
        $"DropBox={p.DropBox} Folder={p.EffectiveFolder} TimeZone={p.TimeZone} Cadence={p.Cadence} Enabled={p.Enabled} RowErrors={p.RowErrors} StrictContacts={p.StrictContacts}");
}
