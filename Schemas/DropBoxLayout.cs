using System.Globalization;

namespace RecallFiles.Schemas;

/// <summary>
/// The folders of one practice in a drop box, the same on the PMS side (the agent) and the cloud side: the agent
/// writes <see cref="Appointments"/> and <see cref="Results"/> and reads <see cref="Status"/>; the cloud reads
/// <see cref="Appointments"/> and <see cref="Results"/> and writes <see cref="Status"/> and <see cref="Errors"/>. Every
/// folder a side reads is an inbox: a file it has handled moves to <c>processed/yyyy/MM/dd/</c> below it
/// (<see cref="ProcessedOn"/>), a file it refused to <c>failed/</c> (<see cref="FailedOf"/>) with a
/// <c>NAME.error.txt</c> beside it. Folders are relative to the drop box root, <c>/</c> between segments.
/// </summary>
/// <remarks>
/// The agent's drop box root is usually the practice's own folder (<see cref="Root"/> <c>""</c>); the cloud sees every
/// practice below one root (<see cref="Root"/> the practice id). Each folder can be set on its own; the defaults are
/// the siblings below <see cref="Root"/>.
/// </remarks>
public sealed record DropBoxLayout
{
    /// <summary>The sub-folder of an inbox that holds the files handled, by day.</summary>
    public const string ProcessedName = "processed";

    /// <summary>The sub-folder of an inbox that holds the files refused, each with its <c>NAME.error.txt</c>.</summary>
    public const string FailedName = "failed";

    /// <summary>The sub-folder of an inbox that holds the files held for review, each with its <c>NAME.error.txt</c>.</summary>
    public const string HeldName = "held";

    /// <summary>Creates the default layout below <paramref name="root"/> (<c>""</c> for the drop box root itself).</summary>
    public DropBoxLayout(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        Root = root.Trim('/');
        Appointments = Join(Root, "appointments");
        Status = Join(Root, "status");
        Results = Join(Root, "results");
        Errors = Join(Root, "errors");
    }

    /// <summary>The practice's folder: the parent of its appointments, status, results and errors folders.</summary>
    public string Root { get; }

    /// <summary>Appointment files, agent → cloud. Default <c>{Root}/appointments</c>.</summary>
    public string Appointments { get; init; }

    /// <summary>Status files, cloud → agent. Default <c>{Root}/status</c>.</summary>
    public string Status { get; init; }

    /// <summary>Status result files, agent → cloud. Default <c>{Root}/results</c>.</summary>
    public string Results { get; init; }

    /// <summary>The cloud's error reports of appointment files, cloud → agent and vendors. Default <c>{Root}/errors</c>.</summary>
    public string Errors { get; init; }

    /// <summary>The layout of a practice whose appointments folder is <paramref name="appointments"/>: the others are its siblings.</summary>
    public static DropBoxLayout AroundAppointments(string appointments)
    {
        ArgumentNullException.ThrowIfNull(appointments);
        var folder = appointments.Trim('/');
        var slash = folder.LastIndexOf('/');
        return new DropBoxLayout(slash < 0 ? "" : folder[..slash]) { Appointments = folder };
    }

    /// <summary>Where an inbox's file handled on <paramref name="day"/> (UTC) is archived: <c>{inbox}/processed/yyyy/MM/dd</c>.</summary>
    public static string ProcessedOn(string inbox, DateTimeOffset day)
    {
        ArgumentNullException.ThrowIfNull(inbox);
        return string.Create(CultureInfo.InvariantCulture, $"{inbox.Trim('/')}/{ProcessedName}/{day.UtcDateTime:yyyy}/{day.UtcDateTime:MM}/{day.UtcDateTime:dd}");
    }

    /// <summary>Where an inbox's refused files go: <c>{inbox}/failed</c>.</summary>
    public static string FailedOf(string inbox)
    {
        ArgumentNullException.ThrowIfNull(inbox);
        return $"{inbox.Trim('/')}/{FailedName}";
    }

    private static string Join(string root, string name) => root.Length == 0 ? name : root + "/" + name;
}
