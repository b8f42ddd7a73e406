using RecallFiles.Schemas;

namespace RecallFiles.Exporter.StatusApply;

/// <summary>What a cancelled status does to an Open Dental appointment.</summary>
public enum CancelMode
{
    /// <summary>AptStatus 5 (Broken), with <see cref="StatusApplyOptions.CancelNote"/> appended to the appointment's note. The default.</summary>
    Broken,

    /// <summary>appointment.Confirmed set to the definition named by <see cref="StatusApplyOptions.CancelledDefinition"/> (for example "Cancelled via reminder").</summary>
    Definition,
}

/// <summary>
/// The status applier of one practice (issue 6), bound under <c>RecallFiles:Agent:Practices:{id}:Status</c>: picks up the
/// cloud's status files from the practice's drop box and applies them to the PMS. docs/status.md lists every key.
/// </summary>
public sealed record StatusApplyOptions
{
    /// <summary>Whether the applier runs for this practice. Default false.</summary>
    public bool Enabled { get; init; }

    /// <summary>
    /// Cron schedule of the applier (agent role), in the practice's time zone. Default every 5 minutes at minute 1, 6, 11…
    /// (<c>1-59/5 * * * *</c>): one minute after the cloud's status export (<c>RecallFiles:Status:Cron</c>, minute 0, 5, 10…),
    /// so a reply reaches the PMS within one interval of its export (issue 14; every time zone's offset is a whole
    /// multiple of 5 minutes, so the offset holds in all of them).
    /// </summary>
    public string Cron { get; init; } = DefaultCron;

    /// <summary>The default <see cref="Cron"/>.</summary>
    public const string DefaultCron = "1-59/5 * * * *";

    /// <summary>
    /// Folder below the practice's drop box root where the cloud drops status files. Default <c>status</c>. Applied files
    /// move to <c>{StatusFolder}/processed/yyyy/MM/dd/</c>, refused ones to <c>{StatusFolder}/failed/</c> with a
    /// <c>NAME.error.txt</c> beside them (Schemas' <c>DropBoxLayout</c>, the same on the cloud side).
    /// </summary>
    public string StatusFolder { get; init; } = "status";

    /// <summary>
    /// The keys (base64) a status file's <c>NAME.sig</c> may be signed with: the cloud's
    /// <c>RecallFiles:Practices:{id}:StatusSigningKey</c>, and during a rotation the previous one too. Set: a file without a
    /// valid signature is refused (moved to <c>failed/</c>, every row answered ERROR, nothing written). Empty (the
    /// default): files are not authenticated. Secrets: set them through the environment.
    /// </summary>
    public IReadOnlyList<string> SigningKeys { get; init; } = [];

    /// <summary>
    /// A status row is applied only when its APP_LID was in a file this agent uploaded in the last this many days; any other
    /// is answered <c>NOT_FOUND</c> and nothing is written (issue 13). Default 14. 0 turns the check off (an agent that
    /// applies statuses for a practice another agent exports).
    /// </summary>
    public int ExportedWithinDays { get; init; } = 14;

    /// <summary>The keys of <see cref="SigningKeys"/>, decoded (the ones that are not keys are reported by validation).</summary>
    public IReadOnlyList<byte[]> DecodedSigningKeys => [.. SigningKeys.Select(StatusSignature.ParseKey).OfType<byte[]>()];

    /// <summary>Where result files are uploaded for the cloud. Default <c>results</c>.</summary>
    public string ResultsFolder { get; init; } = "results";

    /// <summary>Open Dental: the Category 2 definition (by ItemName) an APPROVED status sets. Default "Appointment Confirmed".</summary>
    public string? ApprovedDefinition { get; init; } = "Appointment Confirmed";

    /// <summary>Open Dental: the definition a PENDING status sets; empty: PENDING changes nothing (answered OK).</summary>
    public string? PendingDefinition { get; init; }

    /// <summary>Open Dental: what CANCELLED by USER / by ADMIN do. Default <see cref="CancelMode.Broken"/>.</summary>
    public CancelMode CancelMode { get; init; } = CancelMode.Broken;

    /// <summary>Open Dental, <see cref="CancelMode.Definition"/>: the definition (by ItemName) a cancellation sets.</summary>
    public string? CancelledDefinition { get; init; }

    /// <summary>
    /// Open Dental, <see cref="CancelMode.Broken"/>: the line appended to appointment.Note. <c>{status}</c> becomes the
    /// status (CANCELLED by USER), <c>{file}</c> the status file's name, <c>{date}</c> today (yyyy-MM-dd, UTC).
    /// </summary>
    public string CancelNote { get; init; } = "{date} {status} via reminder ({file})";

    /// <summary>
    /// Generic PMS: a query taking <c>@AppLid</c> that returns the appointment as the PMS holds it now, one row or none,
    /// with columns APP_DATE (a date or dd/mm/yyyy), APP_START_TIME (a time or hh:mm; optional), RESOURCE_LID and,
    /// optionally, STATUS (the status the appointment is in, in the file's spelling, to answer "already" without writing).
    /// Required for a GenericSql practice.
    /// </summary>
    public string? LookupSql { get; init; }

    /// <summary>Generic PMS: the statement run for PENDING; empty: PENDING changes nothing. Parameters: @AppLid, @Status, @FileName.</summary>
    public string? PendingSql { get; init; }

    /// <summary>Generic PMS: the statement run for APPROVED. Parameters: @AppLid, @Status, @FileName.</summary>
    public string? ApprovedSql { get; init; }

    /// <summary>Generic PMS: the statement run for CANCELLED by USER. Parameters: @AppLid, @Status, @FileName.</summary>
    public string? CancelledByUserSql { get; init; }

    /// <summary>Generic PMS: the statement run for CANCELLED by ADMIN. Parameters: @AppLid, @Status, @FileName.</summary>
    public string? CancelledByAdminSql { get; init; }

    /// <summary>The generic statement of a status, or null when the status changes nothing.</summary>
    public string? SqlFor(AppointmentStatus status) => Blank(status switch
    {
        AppointmentStatus.Pending => PendingSql,
        AppointmentStatus.Approved => ApprovedSql,
        AppointmentStatus.CancelledByUser => CancelledByUserSql,
        _ => CancelledByAdminSql,
    });

    internal static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>The problems of these options, each naming its key below <paramref name="key"/> (…:Status).</summary>
    public IReadOnlyList<string> Validate(string key, SourceKind source)
    {
        var errors = new List<string>();
        if (!Enabled)
        {
            return errors;
        }

        for (var i = 0; i < SigningKeys.Count; i++)
        {
            if (StatusSignature.ParseKey(SigningKeys[i]) is null)
            {
                errors.Add($"{key}:SigningKeys:{i} is not a base64 key of at least {StatusSignature.MinKeyBytes} bytes (the cloud's StatusSigningKey of this practice)");
            }
        }

        if (ExportedWithinDays is < 0 or > 3660)
        {
            errors.Add($"{key}:ExportedWithinDays must be between 0 (no check) and 3660 days; the default is 14");
        }

        try
        {
            Cronos.CronExpression.Parse(Cron);
        }
        catch (Cronos.CronFormatException ex)
        {
            errors.Add($"{key}:Cron '{Cron}' is not a cron expression ({ex.Message}); the default is '{DefaultCron}' (every 5 minutes, one minute after the cloud's status export)");
        }

        foreach (var (name, value) in new[] { ("StatusFolder", StatusFolder), ("ResultsFolder", ResultsFolder) })
        {
            if (string.IsNullOrWhiteSpace(value) || Transport.FileNameRules.FolderProblem(value, out _) is { } problem)
            {
                errors.Add($"{key}:{name} '{value}' must be a folder below the drop box root such as 'status'{(string.IsNullOrWhiteSpace(value) ? "" : $" ({Transport.FileNameRules.FolderProblem(value, out _)})")}");
            }
        }

        if (string.Equals(StatusFolder.Trim('/'), ResultsFolder.Trim('/'), StringComparison.Ordinal))
        {
            errors.Add($"{key}:ResultsFolder must differ from {key}:StatusFolder");
        }

        if (source == SourceKind.OpenDental)
        {
            if (Blank(ApprovedDefinition) is null)
            {
                errors.Add($"{key}:ApprovedDefinition is required for Open Dental: the ItemName of the confirmation definition (Category 2) APPROVED sets, such as 'Appointment Confirmed'");
            }

            if (!Enum.IsDefined(CancelMode))
            {
                errors.Add($"{key}:CancelMode must be Broken or Definition");
            }
            else if (CancelMode == CancelMode.Definition && Blank(CancelledDefinition) is null)
            {
                errors.Add($"{key}:CancelledDefinition is required when {key}:CancelMode is Definition: the ItemName of a Category 2 definition such as 'Cancelled via reminder'");
            }
        }
        else
        {
            if (Blank(LookupSql) is null || !LookupSql!.Contains("@AppLid", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{key}:LookupSql is required for a GenericSql practice: a query taking @AppLid that returns APP_DATE, APP_START_TIME, RESOURCE_LID (and optionally STATUS)");
            }

            foreach (var (name, sql) in new[] { ("ApprovedSql", ApprovedSql), ("CancelledByUserSql", CancelledByUserSql), ("CancelledByAdminSql", CancelledByAdminSql) })
            {
                if (Blank(sql) is null || !sql!.Contains("@AppLid", StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add($"{key}:{name} is required for a GenericSql practice: one parameterised statement using @AppLid (and optionally @Status, @FileName)");
                }
            }

            if (Blank(PendingSql) is { } pending && !pending.Contains("@AppLid", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{key}:PendingSql must use @AppLid (or be empty: PENDING then changes nothing)");
            }
        }

        return errors;
    }
}
