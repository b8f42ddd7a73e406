using System.Globalization;
using System.Text.Json;
using RecallFiles.Schemas;

namespace RecallFiles.Importer.Feed;

/// <summary>
/// What an event of the feed says about its appointment (<see cref="AppointmentEvent.Payload"/>): what a reminder engine
/// needs to plan. The JSON keys are <see cref="Keys"/>; the loader writes them from the appointment table's descriptor,
/// so the two cannot drift (a test holds them equal). Times are the practice's local time.
/// </summary>
/// <param name="StartsAt">The appointment's local start (APP_DATE + APP_START_TIME).</param>
/// <param name="End">APP_END_TIME, or null.</param>
/// <param name="Mobile">USER_MOBILE_PHONE (PHI).</param>
/// <param name="Landline">USER_LANDLINE_PHONE (PHI).</param>
/// <param name="Email">USER_EMAIL (PHI).</param>
/// <param name="Language">USER_LANGUAGE.</param>
/// <param name="Preferences">COMMUNICATION_PREFERENCES (<c>SMS,e-mail,landline</c> flags, e.g. <c>110</c>).</param>
/// <param name="Status">STATUS as written in the file (PENDING, APPROVED, CANCELLED by USER, CANCELLED by ADMIN).</param>
/// <param name="Resource">RESOURCE_LID.</param>
/// <param name="Location">LOCATION_LID.</param>
/// <param name="Privacy">PRIVACY (<c>1</c>/<c>Y</c> accepted, <c>0</c>/<c>N</c> not, null when the row does not say).</param>
public sealed record AppointmentPayload(DateTime StartsAt, TimeOnly? End, string? Mobile, string? Landline, string? Email, string? Language,
    string? Preferences, string? Status, string? Resource, string? Location, string? Privacy = null)
{
    /// <summary>The JSON keys of the payload, in the order the loader writes them.</summary>
    public static class Keys
    {
        public const string StartsAt = "starts_at";
        public const string End = "end";
        public const string Mobile = "mobile";
        public const string Landline = "landline";
        public const string Email = "email";
        public const string Language = "language";
        public const string Preferences = "preferences";
        public const string Status = "status";
        public const string Resource = "resource";
        public const string Location = "location";
        public const string Privacy = "privacy";

        /// <summary>Every key, in order.</summary>
        public static IReadOnlyList<string> All { get; } = [StartsAt, End, Mobile, Landline, Email, Language, Preferences, Status, Resource, Location, Privacy];
    }

    /// <summary>The status, when it is one of the contract's values.</summary>
    public AppointmentStatus? ParsedStatus => AppointmentStatuses.TryParse(Status, out var status) ? status : null;

    /// <summary>False when PRIVACY says the patient has not accepted the privacy regulations (<c>0</c>/<c>N</c>); true otherwise.</summary>
    public bool PrivacyAccepted => Privacy is not ("0" or "N" or "n");

    /// <summary>The local end, when it is after the start on the same day.</summary>
    public DateTime? EndsAt => End is { } e && StartsAt.Date + e.ToTimeSpan() > StartsAt ? StartsAt.Date + e.ToTimeSpan() : null;

    /// <summary>Reads a payload; empty strings read as null. Throws <see cref="InvalidDataException"/> without a start.</summary>
    public static AppointmentPayload Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;
        var start = DateTime.Parse(Text(Keys.StartsAt) ?? throw new InvalidDataException($"an appointment event without {Keys.StartsAt}"),
            CultureInfo.InvariantCulture, DateTimeStyles.None);
        TimeOnly? end = Text(Keys.End) is { } e && TimeOnly.TryParse(e, CultureInfo.InvariantCulture, out var t) ? t : null;
        return new AppointmentPayload(start, end, Text(Keys.Mobile), Text(Keys.Landline), Text(Keys.Email), Text(Keys.Language), Text(Keys.Preferences),
            Text(Keys.Status), Text(Keys.Resource), Text(Keys.Location), Text(Keys.Privacy));
    }
}
