using System.Reflection;
using Cronos;
using Microsoft.Extensions.Logging;
using RecallFiles.Exporter.Ledger;
using RecallFiles.Exporter.Sources;
using RecallFiles.Exporter.StatusApply;
using RecallFiles.Schemas;
using RecallFiles.Transport;

namespace RecallFiles.Exporter.Heartbeat;

/// <summary>How the export run a heartbeat reports ended.</summary>
/// <param name="Result"><c>ok</c>, <c>failed</c> or <c>none</c>.</param>
/// <param name="Error">Why it failed, already masked (no phone or e-mail), or null.</param>
/// <param name="FinishedAt">When it ended.</param>
public sealed record ExportOutcome(string Result, string? Error, DateTimeOffset? FinishedAt)
{
    /// <summary>A run that uploaded its file.</summary>
    public static ExportOutcome Ok(DateTimeOffset finishedAt) => new("ok", null, finishedAt);

    /// <summary>A run that failed for <paramref name="error"/> (masked by the caller).</summary>
    public static ExportOutcome Failed(string error, DateTimeOffset finishedAt) => new("failed", AgentHeartbeat.Cap(error, AgentHeartbeat.MaxErrorLength), finishedAt);
}

/// <summary>
/// Issue 17: after every export run the agent uploads <c>AGENT_{practice}_{utc}.json</c> (<see cref="AgentHeartbeat"/>) to
/// the practice's appointments folder — the same folder and the same atomic upload as its appointment files (a temporary
/// name, then a rename; the drop box's <c>.done</c> marker when it asks for one) — so the cloud takes it in through its
/// inbox and sees the agent, its last export and its error. A failed export sends one too, saying so.
/// </summary>
public sealed partial class HeartbeatSender(ExportLedger exports, StatusLedger statuses, TimeProvider time, ILogger<HeartbeatSender> logger)
{
    /// <summary>This build's version (the informational version without the source revision).</summary>
    public static string ProductVersion { get; } =
        (typeof(HeartbeatSender).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").Split('+')[0];

    /// <summary>
    /// The interval between two runs of <paramref name="cron"/> in <paramref name="zone"/> around <paramref name="now"/>,
    /// in seconds (at least <see cref="AgentHeartbeat.MinIntervalSeconds"/>): how often the agent promises a heartbeat.
    /// </summary>
    public static int IntervalSeconds(string cron, TimeZoneInfo zone, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(cron);
        var expression = CronExpression.Parse(cron, cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        var first = expression.GetNextOccurrence(now.UtcDateTime, zone);
        var second = first is { } f ? expression.GetNextOccurrence(f, zone) : null;
        var seconds = first is { } a && second is { } b ? (b - a).TotalSeconds : AgentHeartbeat.MaxIntervalSeconds;
        return (int)Math.Clamp(seconds, AgentHeartbeat.MinIntervalSeconds, AgentHeartbeat.MaxIntervalSeconds);
    }

    /// <summary>The heartbeat of <paramref name="practice"/> after <paramref name="outcome"/>, from the ledgers.</summary>
    public AgentHeartbeat Build(PracticeExportOptions practice, string agent, int intervalSeconds, ExportOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(practice);
        ArgumentNullException.ThrowIfNull(outcome);
        var counts = statuses.ResultCounts(practice.PracticeId, time.GetUtcNow().AddDays(-1));
        int Count(StatusResultCode code) => counts.GetValueOrDefault(code.ToWire());
        return new AgentHeartbeat(practice.PracticeId, agent, ProductVersion, AgentHeartbeat.Cap(Environment.MachineName, 255), intervalSeconds, outcome.Result, outcome.Error,
            outcome.FinishedAt, exports.OpenFailures(practice.PracticeId), Count(StatusResultCode.Ok), Count(StatusResultCode.Error) + Count(StatusResultCode.NotFound),
            Count(StatusResultCode.Conflict));
    }

    /// <summary>
    /// Uploads the heartbeat; returns its remote path. Throws the drop box's error when it cannot be uploaded (an
    /// unreachable drop box fails the export too: the cloud then sees the agent fall silent).
    /// </summary>
    public async Task<string> SendAsync(PracticeExportOptions practice, AgentHeartbeat heartbeat, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(practice);
        ArgumentNullException.ThrowIfNull(heartbeat);
        var options = practice.DropBox ?? throw new ExportException(
            $"practice {practice.PracticeId}: no drop box configured (RecallFiles:Agent:Practices:{practice.PracticeId}:DropBox): no heartbeat can be sent");
        var name = AgentHeartbeat.FileName(practice.PracticeId, time.GetUtcNow());
        await using var dropBox = DropBoxFactory.Create(options, time, logger);
        await dropBox.EnsureFolderAsync(practice.AppointmentsFolder, cancellationToken);
        using (var content = new MemoryStream(heartbeat.ToJson()))
        {
            await dropBox.UploadAsync(practice.AppointmentsFolder, name, content, cancellationToken);
        }

        var remote = $"{practice.AppointmentsFolder.TrimEnd('/')}/{name}";
        Sent(logger, practice.PracticeId, remote, heartbeat.ExportResult);
        return remote;
    }

    [LoggerMessage(110, LogLevel.Information, "Heartbeat {PracticeId}: {RemotePath} uploaded (last export {ExportResult})")]
    private static partial void Sent(ILogger logger, string practiceId, string remotePath, string exportResult);
}
