namespace RecallFiles.Reminders;

/// <summary>How the reference reminder engine plans (section <c>RecallFiles:Reminders</c>).</summary>
public sealed record ReminderOptions
{
    /// <summary>How long before the appointment each reminder goes out (default 48 h and 2 h).</summary>
    public IReadOnlyList<TimeSpan> Offsets { get; init; } = [TimeSpan.FromHours(48), TimeSpan.FromHours(2)];

    /// <summary>How long after the appointment's end (or start, without an end) the feedback message goes out.</summary>
    public TimeSpan FeedbackDelay { get; init; } = TimeSpan.FromHours(2);

    /// <summary>Whether feedback messages are planned at all.</summary>
    public bool Feedback { get; init; } = true;

    /// <summary>Checks the values, naming the key of a wrong one.</summary>
    public IReadOnlyList<string> Validate(string prefix = "RecallFiles:Reminders")
    {
        var errors = new List<string>();
        if (Offsets.Any(o => o <= TimeSpan.Zero || o > TimeSpan.FromDays(30)))
        {
            errors.Add($"{prefix}:Offsets must be between 00:00:01 and 30.00:00:00 (such as 2.00:00:00 and 02:00:00)");
        }

        if (FeedbackDelay < TimeSpan.Zero || FeedbackDelay > TimeSpan.FromDays(7))
        {
            errors.Add($"{prefix}:FeedbackDelay must be between 00:00:00 and 7.00:00:00");
        }

        return errors;
    }
}
