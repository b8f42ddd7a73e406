using RecallFiles.Importer.Practices;

namespace RecallFiles.Importer;

/// <summary>What the pickup does with a remote file once its batch is final.</summary>
public enum RemoteDisposition
{
    /// <summary>Move it to <c>{practice folder}/processed/yyyy/MM/dd/</c> (the default).</summary>
    Move,

    /// <summary>Delete it (the archive keeps the bytes).</summary>
    Delete,
}

/// <summary>The cloud importer, bound from <c>RecallFiles:Importer</c>.</summary>
public sealed record ImporterOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "RecallFiles:Importer";

    /// <summary>Where downloaded files are archived, by practice/yyyy/MM/dd/batch. Default <c>.recallfiles/archive</c>.</summary>
    public string ArchiveFolder { get; init; } = Path.Combine(".recallfiles", "archive");

    /// <summary>What happens to a remote file after its batch is final: <c>Move</c> (default) or <c>Delete</c>.</summary>
    public RemoteDisposition AfterImport { get; init; } = RemoteDisposition.Move;

    /// <summary>The sub-folder of the practice's folder that processed files are moved to. Default <c>processed</c>.</summary>
    public string ProcessedFolder { get; init; } = "processed";

    /// <summary>Whether error reports are uploaded to the practice's errors folder. Default true.</summary>
    public bool UploadErrorReports { get; init; } = true;

    /// <summary>Load attempts that fail for a reason other than the file (database, disk) before the batch is marked failed. Default 5.</summary>
    public int MaxLoadAttempts { get; init; } = 5;

    /// <summary>
    /// How far a file's time stamp may be ahead of this server's clock before its batch is held for review rather than
    /// applied as the newest snapshot (default 15 minutes; 0 to 1 day).
    /// </summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How old a file's time stamp may be before its batch is held for review (<c>needs_review</c>) instead of applied.
    /// Default 90 days, the archive's retention (<c>RecallFiles:Housekeeping:ArchiveRetentionDays</c>).
    /// </summary>
    public TimeSpan MaxSnapshotAge { get; init; } = TimeSpan.FromDays(90);

    /// <summary>How many practices one <c>import --once</c> (or one server's pickup loop) polls at the same time. Default 4.</summary>
    public int MaxParallelPolls { get; init; } = 4;

    /// <summary>Cron expression of the pickup job (one job per practice). Default every minute.</summary>
    public string PollCron { get; init; } = "* * * * *";

    /// <summary>
    /// How often a running server checks whether practices managed in the database changed (one index read of
    /// <c>practices.config_version</c>) and, when they did, takes them in: the pickup's practice set and the recurring jobs
    /// (issue 17). Default 1 minute; 1 second to 1 hour.
    /// </summary>
    public TimeSpan PracticeRefresh { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The name this server writes into the batches it claims. Default host name and process id.</summary>
    public string? ServerName { get; init; }

    /// <summary>The practices, by id (<c>RecallFiles:Practices:{id}</c>).</summary>
    public IReadOnlyDictionary<string, PracticeOptions> Practices { get; init; } = new Dictionary<string, PracticeOptions>();

    /// <summary>The server name actually used.</summary>
    public string EffectiveServerName => string.IsNullOrWhiteSpace(ServerName) ? $"{Environment.MachineName}:{Environment.ProcessId}" : ServerName;

    /// <summary>The problems of these options, each naming its key; empty when usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(ArchiveFolder))
        {
            problems.Add($"{SectionName}:ArchiveFolder is required (a folder for the archived copies of every file).");
        }

        if (string.IsNullOrWhiteSpace(ProcessedFolder) || ProcessedFolder.Contains("..", StringComparison.Ordinal))
        {
            problems.Add($"{SectionName}:ProcessedFolder must be a sub-folder name such as 'processed'.");
        }

        if (!Enum.IsDefined(AfterImport))
        {
            problems.Add($"{SectionName}:AfterImport must be Move or Delete.");
        }

        if (MaxParallelPolls < 1)
        {
            problems.Add($"{SectionName}:MaxParallelPolls must be 1 or more.");
        }

        if (MaxClockSkew < TimeSpan.Zero || MaxClockSkew > TimeSpan.FromDays(1))
        {
            problems.Add($"{SectionName}:MaxClockSkew is {MaxClockSkew}; allowed 00:00:00 to 1.00:00:00 (how far a file's time stamp may be ahead of this server's clock).");
        }

        if (MaxSnapshotAge < TimeSpan.FromDays(1))
        {
            problems.Add($"{SectionName}:MaxSnapshotAge is {MaxSnapshotAge}; at least 1.00:00:00 (how old a file's time stamp may be before it is held for review).");
        }

        if (PracticeRefresh < TimeSpan.FromSeconds(1) || PracticeRefresh > TimeSpan.FromHours(1))
        {
            problems.Add($"{SectionName}:PracticeRefresh is {PracticeRefresh}; allowed 00:00:01 to 01:00:00 (how often a server looks for practices changed in the database).");
        }

        if (MaxLoadAttempts < 1)
        {
            problems.Add($"{SectionName}:MaxLoadAttempts must be 1 or more.");
        }

        foreach (var (id, practice) in Practices)
        {
            problems.AddRange((practice with { Id = string.IsNullOrEmpty(practice.Id) ? id : practice.Id }).Validate($"RecallFiles:Practices:{id}"));
        }

        return problems;
    }
}
