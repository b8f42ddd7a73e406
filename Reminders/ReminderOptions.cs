namespace RecallFiles.Reminders;

/// <summary>How the reference reminder engine plans and delivers (section <c>RecallFiles:Reminders</c>).</summary>
public sealed record ReminderOptions
{
    /// <summary>How long before the appointment each reminder goes out (default 48 h and 2 h).</summary>
    public IReadOnlyList<TimeSpan> Offsets { get; init; } = [TimeSpan.FromHours(48), TimeSpan.FromHours(2)];

    /// <summary>How long after the appointment's end (or start, without an end) the feedback message goes out.</summary>
    public TimeSpan FeedbackDelay { get; init; } = TimeSpan.FromHours(2);

    /// <summary>
    /// How long a due feedback waits for the PMS to report the visit <c>COMPLETED</c> (Open Dental AptStatus 2, or the
    /// STATUS column) before it is suppressed (default 1 day: the exporter's 24 h past window).
    /// </summary>
    public TimeSpan FeedbackWait { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Whether feedback messages are planned at all.</summary>
    public bool Feedback { get; init; } = true;

    /// <summary>The language of a patient whose USER_LANGUAGE is empty or has no templates (default <c>en</c>; per practice: <see cref="Practices"/>).</summary>
    public string DefaultLanguage { get; init; } = "en";

    /// <summary>Quiet hours: the first local time of day a message may go out (default 08:00; per practice: <see cref="Practices"/>).</summary>
    public TimeOnly SendFrom { get; init; } = new(8, 0);

    /// <summary>Quiet hours: the last local time of day a message may go out (default 21:00; per practice: <see cref="Practices"/>).</summary>
    public TimeOnly SendUntil { get; init; } = new(21, 0);

    /// <summary>Channels never used (<c>sms</c>, <c>email</c>, <c>landline</c>): the next one the row allows is chosen.</summary>
    public IReadOnlyList<string> BlockedChannels { get; init; } = [];

    /// <summary>A folder of <c>{language}/{name}.liquid</c> files that override or add to the built-in templates (none by default).</summary>
    public string? TemplateFolder { get; init; }

    /// <summary>Whether a STOP stops messages to that address from every practice of the deployment (default) or only from the one it answered.</summary>
    public bool OptOutAcrossPractices { get; init; } = true;

    /// <summary>How many times a message is tried when the server or gateway fails transiently (default 3).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The wait before the first retry; doubled for each further one (default 5 minutes).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a message may stay claimed by a sender (<c>sending</c>) before it is failed as "outcome unknown"
    /// (default 15 minutes): a send interrupted by a crash is never sent a second time.
    /// </summary>
    public TimeSpan SendingTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Per-practice language and quiet hours, by practice id.</summary>
    public IReadOnlyDictionary<string, PracticeReminderOptions> Practices { get; init; } = new Dictionary<string, PracticeReminderOptions>(StringComparer.Ordinal);

    /// <summary>The practice's default language.</summary>
    public string LanguageOf(string practiceId) =>
        Practices.TryGetValue(practiceId, out var p) && p.Language is { Length: > 0 } l ? l : DefaultLanguage;

    /// <summary>The practice's allowed hours: from <see cref="SendFrom"/> to <see cref="SendUntil"/>.</summary>
    public (TimeOnly From, TimeOnly Until) AllowedHoursOf(string practiceId) =>
        Practices.TryGetValue(practiceId, out var p) ? (p.SendFrom ?? SendFrom, p.SendUntil ?? SendUntil) : (SendFrom, SendUntil);

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

        if (FeedbackWait < TimeSpan.Zero || FeedbackWait > TimeSpan.FromDays(7))
        {
            errors.Add($"{prefix}:FeedbackWait must be between 00:00:00 and 7.00:00:00");
        }

        if (SendFrom >= SendUntil)
        {
            errors.Add($"{prefix}:SendFrom ({SendFrom:HH\\:mm}) must be before {prefix}:SendUntil ({SendUntil:HH\\:mm})");
        }

        foreach (var (id, p) in Practices)
        {
            var (from, until) = AllowedHoursOf(id);
            if (from >= until)
            {
                errors.Add($"{prefix}:Practices:{id}:SendFrom must be before its SendUntil");
            }
        }

        if (BlockedChannels.FirstOrDefault(c => c is not ("sms" or "email" or "landline")) is { } channel)
        {
            errors.Add($"{prefix}:BlockedChannels: '{channel}' is not sms, email or landline");
        }

        if (MaxAttempts is < 1 or > 20)
        {
            errors.Add($"{prefix}:MaxAttempts must be between 1 and 20");
        }

        return errors;
    }
}

/// <summary>A practice's own reminder settings (<c>RecallFiles:Reminders:Practices:{id}</c>); unset values take the section's.</summary>
public sealed record PracticeReminderOptions
{
    /// <summary>The practice's default language (such as <c>es</c>).</summary>
    public string? Language { get; init; }

    /// <summary>The first local time of day a message may go out.</summary>
    public TimeOnly? SendFrom { get; init; }

    /// <summary>The last local time of day a message may go out.</summary>
    public TimeOnly? SendUntil { get; init; }
}
