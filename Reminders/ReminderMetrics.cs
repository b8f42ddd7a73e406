using System.Diagnostics.Metrics;

namespace RecallFiles.Reminders;

/// <summary>
/// The reminder engine's metrics (issue 17), meter <c>RecallFiles.Reminders</c>: messages by outcome (<c>sent</c>,
/// <c>failed</c>, <c>retry</c>). The host exports them with its own (<c>/metrics</c>); no practice or address label.
/// </summary>
public static class ReminderMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "RecallFiles.Reminders";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Messages = Meter.CreateCounter<long>("recallfiles.reminders", "{message}", "Reminder messages handed to a channel, by outcome");

    /// <summary>Counts one round's outcomes.</summary>
    public static void Record(int sent, int failed, int retry)
    {
        Add(sent, "sent");
        Add(failed, "failed");
        Add(retry, "retry");
    }

    private static void Add(int count, string outcome)
    {
        if (count > 0)
        {
            Messages.Add(count, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }
}
