using System.Globalization;
using RecallFiles.Schemas;
using RecallFiles.Transport;

namespace RecallFiles.Importer.Practices;

/// <summary>What happens to a file with invalid rows.</summary>
public enum RowErrorPolicy
{
    /// <summary>Load the valid rows and record each invalid one with its line, column and rule (the default).</summary>
    RejectRows,

    /// <summary>Any invalid row fails the whole file; nothing is applied.</summary>
    RejectFile,
}

/// <summary>
/// One practice, bound from <c>RecallFiles:Practices:{id}</c> and mirrored into the <c>practices</c> table. The id is
/// the configuration key; the practice a file belongs to is the practice whose folder it was found in.
/// </summary>
public sealed record PracticeOptions
{
    /// <summary>The practice id (the configuration key): 1-40 characters of A-Z a-z 0-9 _ -.</summary>
    public string Id { get; init; } = "";

    /// <summary>The name of the drop box (<c>RecallFiles:DropBoxes:{name}</c>) the practice's files arrive in. Default <c>default</c>.</summary>
    public string DropBox { get; init; } = "default";

    /// <summary>The folder of appointment files inside the drop box. Default <c>{id}/appointments</c>.</summary>
    public string? Folder { get; init; }

    /// <summary>The folder error reports are uploaded to. Default <c>{id}/errors</c>.</summary>
    public string? ErrorsFolder { get; init; }

    /// <summary>The practice's IANA time zone (appointment times in files are local to it). Default <c>UTC</c>.</summary>
    public string TimeZone { get; init; } = "UTC";

    /// <summary>How often the practice is expected to drop a snapshot. Default 4 hours.</summary>
    public TimeSpan Cadence { get; init; } = TimeSpan.FromHours(4);

    /// <summary>Whether files of this practice are picked up. Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>What to do with invalid rows: <c>RejectRows</c> (default) or <c>RejectFile</c>.</summary>
    public RowErrorPolicy RowErrors { get; init; } = RowErrorPolicy.RejectRows;

    /// <summary>
    /// Mass-removal guard: a snapshot that would remove more than this share (0-1) of the practice's appointments
    /// inside its window is held for review. Default 0.5.
    /// </summary>
    public double MaxRemovalShare { get; init; } = 0.5;

    /// <summary>
    /// The contact-field policy: false (default) makes an invalid optional phone or e-mail a warning that clears the value
    /// and keeps the row (the patient keeps the reminders of the other channels); true makes it a row error.
    /// </summary>
    public bool StrictContacts { get; init; }

    /// <summary>How far back from its time stamp a snapshot covers (the exporter's past window). Default 24 hours.</summary>
    public TimeSpan WindowPast { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How far ahead of its time stamp a snapshot covers (the exporter's window). Default 72 hours.</summary>
    public TimeSpan WindowAhead { get; init; } = TimeSpan.FromHours(72);

    /// <summary>The appointment folder actually used.</summary>
    public string EffectiveFolder => string.IsNullOrWhiteSpace(Folder) ? $"{Id}/appointments" : Folder.Trim('/');

    /// <summary>The errors folder actually used.</summary>
    public string EffectiveErrorsFolder => string.IsNullOrWhiteSpace(ErrorsFolder) ? $"{Id}/errors" : ErrorsFolder.Trim('/');

    /// <summary>
    /// The practice's folders in its drop box: appointments (<see cref="Folder"/>), errors (<see cref="ErrorsFolder"/>),
    /// and status and results as siblings of the appointments folder (<c>{id}/status</c>, <c>{id}/results</c>).
    /// </summary>
    public DropBoxLayout Layout => DropBoxLayout.AroundAppointments(EffectiveFolder) with { Errors = EffectiveErrorsFolder };

    /// <summary>
    /// The key (base64, at least 32 bytes: <c>openssl rand -base64 32</c> makes one) that signs this practice's status
    /// files: each gets a <c>NAME.sig</c> sidecar (HMAC-SHA256) its agent checks. A secret: set it through the
    /// environment, never in the JSON. Unset: status files go unsigned.
    /// </summary>
    public string? StatusSigningKey { get; init; }

    /// <summary>The folders this practice uses in <paramref name="dropBox"/> (for the start-up overlap check).</summary>
    public IEnumerable<PracticeFolder> Folders(DropBoxOptions dropBox)
    {
        var key = $"RecallFiles:Practices:{Id}";
        var layout = Layout;
        yield return new PracticeFolder(Id, $"{key}:Folder", dropBox, layout.Appointments);
        yield return new PracticeFolder(Id, $"{key}:Folder (its sibling results/)", dropBox, layout.Results);
        yield return new PracticeFolder(Id, $"{key}:Folder (its sibling status/)", dropBox, layout.Status);
        yield return new PracticeFolder(Id, $"{key}:ErrorsFolder", dropBox, layout.Errors);
    }

    /// <summary>The problems of these options, each naming its configuration key under <paramref name="path"/>.</summary>
    public IReadOnlyList<string> Validate(string path)
    {
        var problems = new List<string>();
        if (!PracticeId.IsValid(Id))
        {
            problems.Add($"{path}: '{Id}' is not a valid practice id: use 1 to {PracticeId.MaxLength} characters of A-Z, a-z, 0-9, '_' and '-'.");
        }

        if (string.IsNullOrWhiteSpace(DropBox))
        {
            problems.Add($"{path}:DropBox must name a drop box configured under RecallFiles:DropBoxes.");
        }

        if (StatusSigningKey is not null && StatusSignature.ParseKey(StatusSigningKey) is null)
        {
            problems.Add($"{path}:StatusSigningKey is not a base64 key of at least {StatusSignature.MinKeyBytes} bytes; 'openssl rand -base64 32' makes one.");
        }

        if (!IsKnownTimeZone(TimeZone))
        {
            problems.Add(UnknownTimeZone(TimeZone, $"{path}:TimeZone"));
        }

        if (Cadence <= TimeSpan.Zero)
        {
            problems.Add($"{path}:Cadence must be positive (for example 04:00:00).");
        }

        if (double.IsNaN(MaxRemovalShare) || MaxRemovalShare is < 0 or > 1)
        {
            problems.Add($"{path}:MaxRemovalShare must be between 0 and 1 (0.5 = 50 %), not {MaxRemovalShare.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (WindowPast < TimeSpan.Zero || WindowAhead <= TimeSpan.Zero)
        {
            problems.Add($"{path}:WindowPast must be 0 or more and {path}:WindowAhead positive.");
        }

        if (!Enum.IsDefined(RowErrors))
        {
            problems.Add($"{path}:RowErrors must be RejectRows or RejectFile.");
        }

        return problems;
    }

    /// <summary>
    /// The cloud's one time-zone lookup: the zone of an IANA (or Windows) id. There is no fallback to UTC: an unknown id
    /// throws <see cref="TimeZoneNotFoundException"/> whose message names <paramref name="configKey"/> and how to fix it.
    /// </summary>
    public static TimeZoneInfo FindTimeZone(string? id, string configKey) =>
        TimeZones.TryFind(id, out var zone)
            ? zone
            : throw new TimeZoneNotFoundException(UnknownTimeZone(id, configKey));

    /// <summary>True when <see cref="FindTimeZone"/> finds <paramref name="id"/>.</summary>
    public static bool IsKnownTimeZone(string? id) => TimeZones.TryFind(id, out _);

    private static string UnknownTimeZone(string? id, string configKey) =>
        $"{configKey} '{id}' is not a known time zone: use an IANA name such as Europe/Madrid or America/New_York.";
}
