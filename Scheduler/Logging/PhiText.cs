using System.Text.RegularExpressions;
using RecallFiles.Schemas;

namespace RecallFiles.Scheduler.Logging;

/// <summary>
/// Masks phones and e-mails wherever they appear in free text (log messages, exception messages),
/// with the same shapes as <see cref="Mask"/>: <c>***4567</c>, <c>a***@example.org</c>. It is the
/// safety net behind every log target (issue 7.6): code should still log masked values, but a
/// contact value that slips into a message is masked here.
/// <para>The rule (docs/configuration.md, "Logging"):</para>
/// <list type="bullet">
/// <item>An e-mail is <c>local@domain</c> with a word character on both sides of the <c>@</c>; a
/// <c>user@host</c> right after <c>://</c> (a drop box endpoint) is not an e-mail.</item>
/// <item>A phone candidate is a run of digits, optionally starting with <c>+</c> or <c>(</c>, whose digit
/// groups are separated by at most two of <c>space . - / ( )</c>, and that is not glued to a letter, digit,
/// <c>_</c>, <c>.</c>, <c>/</c>, <c>\</c>, <c>-</c> or <c>@</c> before it, or a letter, digit or <c>@</c> after it (so hex hashes, file names such as
/// <c>APPOINTMENTS_X_20261123T080000Z.csv</c>, paths and identifiers are left alone).</item>
/// <item>A candidate is masked when it has 6–15 digits and is formatted (a separator between digits or a
/// leading <c>+</c>), or has 8–15 digits, or starts with 0 (a trunk prefix). Plain numbers of up to 7 digits —
/// row counts, batch ids, ports, durations — stay as they are.</item>
/// <item>Never masked: ISO dates and times (<c>2026-11-23T08:00:00Z</c>, with fractions and offsets), dates
/// <c>dd/mm/yyyy</c>, <c>dd.mm.yyyy</c>, <c>yyyy/mm/dd</c>, IPv4 addresses and decimal numbers (<c>2.34</c>).</item>
/// </list>
/// </summary>
internal static partial class PhiText
{
    /// <summary>The text with every phone and e-mail masked; null and empty pass through.</summary>
    public static string Mask(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }

        // Fast path: no digit and no '@' means nothing to mask (most log lines about files and jobs).
        if (!text.AsSpan().ContainsAny(Triggers))
        {
            return text;
        }

        return Candidates().Replace(text, Evaluate);
    }

    private static readonly System.Buffers.SearchValues<char> Triggers = System.Buffers.SearchValues.Create("0123456789@");

    private static string Evaluate(Match match)
    {
        if (match.Groups["email"].Success)
        {
            return Schemas.Mask.Email(match.Value);
        }

        if (!match.Groups["phone"].Success)
        {
            return match.Value;
        }

        var value = match.Value;
        var digits = 0;
        var first = -1;
        var internalSeparators = false;
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsAsciiDigit(value[i]))
            {
                digits++;
                first = first < 0 ? i : first;
            }
            else if (first >= 0)
            {
                internalSeparators = true;   // the run ends with a digit: this separator is between digits
            }
        }

        // "(428000 rows/s)" is a number in brackets, "(91) 555 9641" a formatted phone.
        var formatted = internalSeparators || value[0] == '+';

        var phone = digits is >= ContactRules.MinPhoneDigits and <= ContactRules.MaxPhoneDigits
            && (formatted || digits >= 8 || value[0] == '0');
        return phone ? Schemas.Mask.Phone(value) : value;
    }

    // One pass, leftmost first: e-mails; then, at a token start, the never-masked shapes (dates, times,
    // IPv4, decimals) before the phone candidate, so that "2026-11-23" is consumed as a date and never
    // seen as a phone. The phone group is atomic: a run glued to a letter fails as a whole instead of
    // backtracking to a shorter run ("2026-11-23T08" must not leave "2026-11" to be masked).
    [GeneratedRegex("""
        (?<email>(?<![\w.%+'/-])[\w.%+'-]+@\w[\w-]*(?:\.[\w-]+)*)
        |
        (?<![\w./\\@+-])
        (?:
            (?<safe>
                (?:
                    \d{4}-\d{2}-\d{2}(?:[T\x20]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?
                  | \d{4}[/.]\d{1,2}[/.]\d{1,2}
                  | \d{1,2}[/.-]\d{1,2}[/.-]\d{4}
                  | \d{1,3}(?:\.\d{1,3}){3}
                  | \d+\.\d+(?![.\d])
                )
                (?![\w@])
            )
          |
            (?<phone>(?>(?:\+|\(\+?)?\d(?:[\x20./()-]{1,2}\d|\d)*))(?![\w@])
        )
        """, RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex Candidates();
}
