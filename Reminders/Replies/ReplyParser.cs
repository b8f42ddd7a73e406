using System.Globalization;
using System.Text;
using RecallFiles.Schemas;

namespace RecallFiles.Reminders.Replies;

/// <summary>What a patient's reply asks for.</summary>
public enum ReplyIntent
{
    /// <summary>Not understood.</summary>
    Unknown,

    /// <summary>Confirm the appointment (APPROVED).</summary>
    Confirm,

    /// <summary>Cancel the appointment (CANCELLED by USER).</summary>
    Cancel,

    /// <summary>No more messages to this address.</summary>
    Stop,

    /// <summary>Messages again.</summary>
    Start,
}

/// <summary>
/// Reads a reply in the language of the message it answers: <c>C</c>/<c>X</c> in every language, the language's own
/// confirm and cancel words, and STOP/START (plus the language's words for them: BAJA/ALTA in Spanish). Case, accents,
/// surrounding spaces and a trailing full stop or exclamation mark do not matter; only the first word counts.
/// </summary>
public static class ReplyParser
{
    private static readonly Dictionary<string, (string[] Confirm, string[] Cancel, string[] Stop, string[] Start)> Words = new(StringComparer.Ordinal)
    {
        ["en"] = (["CONFIRM", "CONFIRMED", "YES", "Y", "OK"], ["CANCEL", "CANCELLED", "NO", "N"], ["STOPALL", "UNSUBSCRIBE", "END", "QUIT"], ["UNSTOP", "SUBSCRIBE"]),
        ["es"] = (["CONFIRMAR", "CONFIRMO", "CONFIRMADA", "SI", "S", "VALE"], ["CANCELAR", "CANCELO", "ANULAR", "NO", "N"], ["BAJA", "PARAR"], ["ALTA"]),
    };

    /// <summary>The intent of <paramref name="text"/> read in <paramref name="language"/> (a language without words reads as English).</summary>
    public static ReplyIntent Parse(string? text, string language)
    {
        var word = FirstWord(text);
        if (word.Length == 0)
        {
            return ReplyIntent.Unknown;
        }

        if (word == "STOP")
        {
            return ReplyIntent.Stop;
        }

        if (word == "START")
        {
            return ReplyIntent.Start;
        }

        if (word == "C")
        {
            return ReplyIntent.Confirm;
        }

        if (word == "X")
        {
            return ReplyIntent.Cancel;
        }

        var words = Words.TryGetValue(language, out var w) ? w : Words["en"];
        return words.Stop.Contains(word) ? ReplyIntent.Stop
            : words.Start.Contains(word) ? ReplyIntent.Start
            : words.Confirm.Contains(word) ? ReplyIntent.Confirm
            : words.Cancel.Contains(word) ? ReplyIntent.Cancel
            : ReplyIntent.Unknown;
    }

    /// <summary>
    /// An answer given by a machine or support (<c>/api/replies</c>, <c>recallfiles reply</c>): <c>confirm</c>/<c>C</c>
    /// (APPROVED), <c>cancel</c>/<c>X</c> (CANCELLED by USER), or any of the four statuses as the file writes them
    /// (PENDING, APPROVED, CANCELLED by USER, CANCELLED by ADMIN; case and repeated spaces do not matter).
    /// </summary>
    public static bool TryParseAnswer(string? answer, out AppointmentStatus status)
    {
        switch (answer?.Trim().ToUpperInvariant())
        {
            case "CONFIRM" or "C":
                status = AppointmentStatus.Approved;
                return true;
            case "CANCEL" or "X":
                status = AppointmentStatus.CancelledByUser;
                return true;
            default:
                return AppointmentStatuses.TryParse(answer, out status);
        }
    }

    private static string FirstWord(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "";
        }

        var first = text.Trim().Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries)[0].TrimEnd('.', '!', ',', ';');
        var decomposed = first.Normalize(NormalizationForm.FormD);
        var plain = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed.Where(c => CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark))
        {
            plain.Append(c);
        }

        return plain.ToString().ToUpperInvariant();
    }
}
