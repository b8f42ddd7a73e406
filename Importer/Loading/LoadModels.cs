using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Practices;
using RecallFiles.Schemas;

namespace RecallFiles.Importer.Loading;

/// <summary>How a load treats the mass-removal guard.</summary>
public enum LoadMode
{
    /// <summary>A first load or a replay: the guard holds suspicious snapshots for review.</summary>
    Normal,

    /// <summary>Support approved a held snapshot: the guard is bypassed (everything else is checked again).</summary>
    Approve,
}

/// <summary>The outcome of one load attempt.</summary>
/// <param name="BatchId">The batch.</param>
/// <param name="State">Its state afterwards (see <see cref="BatchStates"/>).</param>
/// <param name="Reason">Why it is not applied, or a note (warnings, rejected rows); null when clean.</param>
/// <param name="RowsTotal">Data rows in the file.</param>
/// <param name="RowsValid">Rows without errors.</param>
/// <param name="RowsInvalid">Rows with errors (rejected).</param>
/// <param name="Inserted">Appointments added (new, or back after a removal).</param>
/// <param name="Updated">Appointments changed (including status changes).</param>
/// <param name="Removed">Appointments marked removed.</param>
/// <param name="Unchanged">Valid rows that changed nothing.</param>
/// <param name="AlreadyFinal">True when the batch was already applied, superseded or a duplicate and nothing was done.</param>
public sealed record LoadResult(long BatchId, string State, string? Reason, long RowsTotal, long RowsValid, long RowsInvalid,
    long Inserted, long Updated, long Removed, long Unchanged, bool AlreadyFinal = false);

/// <summary>A batch as a load sees it, read under its row lock with its practice's settings.</summary>
internal sealed record BatchRow(long Id, string PracticeId, string RemoteName, string State, string? Sha256, string? ArchivePath, DateTime SnapshotTime,
    string TimeZone, RowErrorPolicy Policy, double MaxRemovalShare, TimeSpan WindowPast, TimeSpan WindowAhead, long[] Counts, string? Reason,
    bool StrictContacts = false)
{
    /// <summary>The snapshot's window (<see cref="SnapshotRules.Window"/>) for a file covering <paramref name="first"/> to <paramref name="last"/>.</summary>
    public (DateTime Start, DateTime End) Window(DateOnly? first, DateOnly? last) =>
        SnapshotRules.Window(SnapshotTime, TimeZones.Find(TimeZone, $"the time zone of practice {PracticeId} (RecallFiles:Practices:{PracticeId}:TimeZone)"),
            WindowPast, WindowAhead, first, last);

    /// <summary>The earliest earlier batch of the practice with the same bytes (applied, held or superseded), read with the lock.</summary>
    public long? EarlierSameBytes { get; init; }

    /// <summary>The newest snapshot time the practice has applied (this batch aside), read with the lock.</summary>
    public DateTime? NewestApplied { get; init; }

    /// <summary>An event id taken with the lock: every event this load writes has a larger one (<see cref="FeedSeal"/>).</summary>
    public long EventsAfter { get; init; }

    public LoadResult ToResult(bool alreadyFinal) =>
        new(Id, State, Reason, Counts[0], Counts[1], Counts[2], Counts[3], Counts[4], Counts[5], Counts[6], alreadyFinal);
}

/// <summary>What the stream of one file found and wrote.</summary>
internal sealed class Parsed
{
    /// <summary>New appointments written (COPY into appointments), each with its added event.</summary>
    public long Added { get; set; }

    /// <summary>Rows staged for the merge: known appointments with other values or removed, and rows that may be new.</summary>
    public long Staged { get; set; }

    public FeedSeal Feed { get; } = new();

    public long RowsTotal { get; set; }

    public long RowsValid { get; set; }

    public long RowsInvalid { get; set; }

    public string Sha256 { get; set; } = "";

    public List<ContractProblem> Problems { get; } = [];

    public long OmittedProblems { get; private set; }

    public DateOnly? FirstDate { get; private set; }

    public DateOnly? LastDate { get; private set; }

    /// <summary>The most problems of one rule kept in memory and listed (issue 13); the rest are counted.</summary>
    public const int MaxProblemsPerRule = 1_000;

    private readonly Dictionary<string, int> _perRule = new(StringComparer.Ordinal);

    /// <summary>Keeps <paramref name="problem"/> when its rule has fewer than <see cref="MaxProblemsPerRule"/> and all fewer than <paramref name="max"/>; counts it otherwise.</summary>
    public void Add(ContractProblem problem, int max)
    {
        ref var ofRule = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_perRule, problem.Code, out _);
        if (Problems.Count < max && ofRule < MaxProblemsPerRule)
        {
            ofRule++;
            Problems.Add(problem);
        }
        else
        {
            OmittedProblems++;
        }
    }

    public void Observe(DateOnly date)
    {
        if (FirstDate is null || date < FirstDate)
        {
            FirstDate = date;
        }

        if (LastDate is null || date > LastDate)
        {
            LastDate = date;
        }
    }
}

/// <summary>How a load ends: the batch's next state, why, and what it changed.</summary>
internal sealed record Finish(string State, string? Reason)
{
    public Parsed? Parsed { get; init; }

    public IReadOnlyList<ContractProblem> Problems { get; init; } = [];

    public long OmittedProblems { get; init; }

    public long? DuplicateOf { get; init; }

    public long Inserted { get; init; }

    public long Updated { get; init; }

    public long Removed { get; init; }

    public DateTime? WindowStart { get; init; }

    public DateTime? WindowEnd { get; init; }

    public static Finish Failed(string reason, IReadOnlyList<ContractProblem> problems, long omitted) =>
        new(BatchStates.Failed, reason) { Problems = problems, OmittedProblems = omitted };
}
