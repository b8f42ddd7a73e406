using System.Buffers;
using System.Text;

namespace RecallFiles.Schemas.Validation;

/// <summary>
/// The trimmed UTF-8 values of one row in schema column order, as <see cref="ContractReader{TRecord}"/> cuts them for
/// <see cref="FastPathUtf8"/>: <paramref name="bounds"/> holds a (start, length) pair per column into <paramref name="bytes"/>;
/// an empty value is a missing one (the string reader makes both null).
/// </summary>
internal readonly ref struct Utf8Values(ReadOnlySpan<byte> bytes, ReadOnlySpan<int> bounds)
{
    private readonly ReadOnlySpan<byte> _bytes = bytes;
    private readonly ReadOnlySpan<int> _bounds = bounds;

    public ReadOnlySpan<byte> this[int column] => _bytes.Slice(_bounds[2 * column], _bounds[(2 * column) + 1]);
}

/// <summary>
/// <see cref="FastPath.IsCertainlyClean"/> on a row's UTF-8 values, so that <see cref="FileValidator"/> builds no string
/// and no record for a clean row (issue 18). It may answer false where the string check answers true (then the row takes
/// the string path, which decides): a value with non-ASCII white space at an end, a date or time not of the exact shape
/// <c>dd/dd/dddd</c> / <c>dd:dd</c>, a non-ASCII e-mail, a status not in its exact wire spelling. It never answers true
/// where the string check answers false: <c>FastPathUtf8Tests</c> compares both.
/// </summary>
internal static class FastPathUtf8
{
    // Schemas.Appointments.AllColumns: the required columns, then the extensions.
    private const int AppLid = 0, AppDate = 1, AppStartTime = 2, UserLandlinePhone = 3, UserMobilePhone = 4, UserEmail = 5, ResourceLid = 6,
        ResourceName = 7, ResourceMobilePhone = 8, ResourceEmail = 9, LocationLid = 10, LocationName = 11, AppEndTime = 12, UserWorkPhone = 13,
        UserLanguage = 14, CommunicationPreferences = 15, Privacy = 16, Status = 17;

    private const int Max = RuleExtensions.SpecLength;

    private static readonly SearchValues<byte> Controls = SearchValues.Create([.. Enumerable.Range(1, 31).Select(c => (byte)c), (byte)0x7F]);
    private static readonly SearchValues<byte> ControlsButTab =
        SearchValues.Create([.. Enumerable.Range(1, 31).Where(c => c != '\t').Select(c => (byte)c), (byte)0x7F]);
    private static readonly SearchValues<byte> PhoneFormatting = SearchValues.Create(" -.()/"u8);
    private static readonly SearchValues<byte> LocalPartChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.!#$%&'*+/=?^_`{|}~-"u8);
    private static readonly SearchValues<byte> Letters = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);
    private static readonly SearchValues<byte> LabelChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-"u8);
    private static readonly SearchValues<byte> AsciiAlphanumeric = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"u8);
    private static readonly byte[][] Statuses = [.. AppointmentStatuses.WireNames.Append(AppointmentStatuses.Completed).Select(Encoding.ASCII.GetBytes)];

    /// <summary>True only when the record built from these values passes <see cref="FastPath.IsCertainlyClean"/>.</summary>
    public static bool IsCertainlyClean(Utf8Values v)
    {
        var start = v[AppStartTime];
        var startValid = !start.IsEmpty && Time(start);
        var end = v[AppEndTime];
        return Key(v[AppLid]) && Key(v[ResourceLid]) && Key(v[ResourceName])
            && Date(v[AppDate])
            && (start.IsEmpty || startValid)
            && Phone(v[UserLandlinePhone]) && Phone(v[UserMobilePhone]) && Phone(v[UserWorkPhone]) && Phone(v[ResourceMobilePhone])
            && Email(v[UserEmail]) && Email(v[ResourceEmail])
            && Text(v[LocationLid], allowTab: false) && Text(v[LocationName], allowTab: true)
            && (end.IsEmpty || (Time(end) && (!startValid || end.SequenceCompareTo(start) > 0)))
            && (v[UserLanguage].IsEmpty || Language(v[UserLanguage]))
            && v[CommunicationPreferences] is [] or [(byte)'0' or (byte)'1', (byte)'0' or (byte)'1', (byte)'0' or (byte)'1']
            && v[Privacy] is [] or [(byte)'0' or (byte)'1' or (byte)'Y' or (byte)'N' or (byte)'y' or (byte)'n']
            && (v[Status].IsEmpty || ExactStatus(v[Status]))
            && !(v[UserMobilePhone].IsEmpty && v[UserLandlinePhone].IsEmpty && v[UserEmail].IsEmpty && v[UserWorkPhone].IsEmpty);
    }

    /// <summary>
    /// The field as <see cref="string.Trim()"/> would leave it; false (decide on the string) when an end is non-ASCII white
    /// space or not valid UTF-8.
    /// </summary>
    public static bool TryTrim(ReadOnlySpan<byte> field, out ReadOnlySpan<byte> trimmed)
    {
        trimmed = field;
        if (field.IsEmpty || (field[0] is > 0x20 and < 0x80 && field[^1] is > 0x20 and < 0x80))
        {
            return true;   // nearly every value: printable ASCII at both ends (ASCII white space is all at or below 0x20)
        }

        while (trimmed.Length > 0 && trimmed[0] < 0x80 && char.IsWhiteSpace((char)trimmed[0]))
        {
            trimmed = trimmed[1..];
        }

        while (trimmed.Length > 0 && trimmed[^1] < 0x80 && char.IsWhiteSpace((char)trimmed[^1]))
        {
            trimmed = trimmed[..^1];
        }

        return trimmed.IsEmpty || ((trimmed[0] < 0x80 || NotWhiteSpace(Rune.DecodeFromUtf8(trimmed, out var first, out _), first))
            && (trimmed[^1] < 0x80 || NotWhiteSpace(Rune.DecodeLastFromUtf8(trimmed, out var last, out _), last)));
    }

    private static bool NotWhiteSpace(OperationStatus status, Rune rune) => status == OperationStatus.Done && !Rune.IsWhiteSpace(rune);

    /// <summary>FNV-1a over the UTF-16 code units of the value, as <see cref="RecordChecker{TRecord}"/> hashes a key string.</summary>
    public static ulong KeyHash(ReadOnlySpan<byte> utf8)
    {
        if (Ascii.IsValid(utf8))
        {
            var hash = 14695981039346656037UL;
            foreach (var b in utf8)
            {
                hash = (hash ^ b) * 1099511628211UL;
            }

            return hash;
        }

        Span<char> chars = utf8.Length <= 256 ? stackalloc char[utf8.Length] : new char[utf8.Length];
        return RecordChecker.Fnv1a64(chars[..Encoding.UTF8.GetChars(utf8, chars)]);
    }

    // FastPath.Key: not empty (the value is trimmed), at most 50 UTF-16 code units, no NUL, no control character (TAB included).
    private static bool Key(ReadOnlySpan<byte> value) => !value.IsEmpty && Utf16AtMost(value, Max) && value.IndexOf((byte)0) < 0 && ControlAt(value, allowTab: false) < 0;

    // FastPath.Text plus RuleExtensions.ControlAt: a UTF-8 byte below 0x80 is that ASCII character, so scanning the bytes finds the same controls.
    private static bool Text(ReadOnlySpan<byte> value, bool allowTab) => value.IsEmpty
        || (Utf16AtMost(value, Max) && value.IndexOf((byte)0) < 0 && ControlAt(value, allowTab) < 0);

    private static int ControlAt(ReadOnlySpan<byte> value, bool allowTab) => value.IndexOfAny(allowTab ? ControlsButTab : Controls);

    private static bool Utf16AtMost(ReadOnlySpan<byte> value, int max) => value.Length <= max || Encoding.UTF8.GetCharCount(value) <= max;

    // ContractFormats.TryParseDate on the exact shape dd/dd/dddd only.
    internal static bool Date(ReadOnlySpan<byte> value) =>
        value.Length == 10 && value[2] == '/' && value[5] == '/'
        && Digits(value[..2], out var day) && Digits(value.Slice(3, 2), out var month) && Digits(value[6..], out var year)
        && year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month);

    // ContractFormats.TryParseTime on the exact shape dd:dd only.
    internal static bool Time(ReadOnlySpan<byte> value) =>
        value.Length == 5 && value[2] == ':' && Digits(value[..2], out var hour) && Digits(value[3..], out var minute) && hour <= 23 && minute <= 59;

    private static bool Digits(ReadOnlySpan<byte> value, out int number)
    {
        number = 0;
        foreach (var b in value)
        {
            var digit = (uint)(b - '0');
            if (digit > 9)
            {
                return false;
            }

            number = (number * 10) + (int)digit;
        }

        return true;
    }

    // ContactRules.IsPlausiblePhone within 50 characters: it accepts ASCII only, so bytes are characters.
    internal static bool Phone(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return true;
        }

        if (value.Length > Max)
        {
            return false;
        }

        var digits = 0;
        var plusAllowed = true;
        foreach (var b in value)
        {
            if (char.IsAsciiDigit((char)b))
            {
                digits++;
                plusAllowed = false;
            }
            else if (b == '+' && plusAllowed)
            {
                plusAllowed = false;
            }
            else if (!PhoneFormatting.Contains(b))
            {
                return false;
            }
        }

        return digits is >= ContactRules.MinPhoneDigits and <= ContactRules.MaxPhoneDigits;
    }

    // ContactRules.IsPlausibleEmail within 50 characters, for an ASCII value without a line break (its own hand match); false otherwise.
    internal static bool Email(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return true;
        }

        if (value.Length > Max || !Ascii.IsValid(value) || value.IndexOf((byte)'\n') >= 0)
        {
            return false;
        }

        var at = value.IndexOf((byte)'@');
        if (at <= 0 || value[..at].ContainsAnyExcept(LocalPartChars))
        {
            return false;
        }

        var domain = value[(at + 1)..];
        var lastDot = domain.LastIndexOf((byte)'.');
        if (lastDot <= 0)
        {
            return false;
        }

        var top = domain[(lastDot + 1)..];
        if (top.Length < 2 || top.ContainsAnyExcept(Letters))
        {
            return false;
        }

        var labels = domain[..lastDot];
        while (true)
        {
            var dot = labels.IndexOf((byte)'.');
            var label = dot < 0 ? labels : labels[..dot];
            if (label.Length is < 1 or > 63 || label.ContainsAnyExcept(LabelChars) || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            if (dot < 0)
            {
                break;
            }

            labels = labels[(dot + 1)..];
        }

        var local = value[..at];
        return local[0] != '.' && local[^1] != '.' && local.IndexOf(".."u8) < 0;
    }

    // FastPath.Language: ^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,4})?$.
    private static bool Language(ReadOnlySpan<byte> value)
    {
        var letters = 0;
        while (letters < value.Length && char.IsAsciiLetter((char)value[letters]))
        {
            letters++;
        }

        if (letters is < 2 or > 3)
        {
            return false;
        }

        if (letters == value.Length)
        {
            return true;
        }

        if (value[letters] is not ((byte)'-' or (byte)'_'))
        {
            return false;
        }

        var region = value[(letters + 1)..];
        return region.Length is >= 2 and <= 4 && !region.ContainsAnyExcept(AsciiAlphanumeric);
    }

    private static bool ExactStatus(ReadOnlySpan<byte> value)
    {
        foreach (var status in Statuses)
        {
            if (value.SequenceEqual(status))
            {
                return true;
            }
        }

        return false;
    }
}
