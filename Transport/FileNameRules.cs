using System.Text;

namespace RecallFiles.Transport;

/// <summary>
/// Which names a drop box opens. A name with a path separator, <c>..</c>, a control character or more than 255 UTF-8
/// bytes is never opened (it could reach outside the practice's folder or break a file system); temporary names are
/// files still being written by someone.
/// </summary>
public static class FileNameRules
{
    /// <summary>The longest name in UTF-8 bytes (the limit of ext4, NTFS and most SFTP servers).</summary>
    public const int MaxNameBytes = 255;

    /// <summary>
    /// The longest name a drop box picks up, in UTF-8 bytes: 16 bytes below <see cref="MaxNameBytes"/>, so every name
    /// derived from it (<c>NAME.error.txt</c>, <c>NAME.done</c>, <c>NAME.sig</c>, the <c>.NAME….part</c> an upload writes first) still fits.
    /// A longer name is refused at listing: the file goes to <c>failed/</c> with a report under a shortened name.
    /// </summary>
    public const int MaxPickupNameBytes = MaxNameBytes - 16;

    // The characters Windows cannot hold in a name (beyond the control characters and separators refused everywhere).
    private static readonly System.Buffers.SearchValues<char> WindowsInvalid = System.Buffers.SearchValues.Create("<>:\"|?*");

    private static readonly HashSet<string> WindowsDevices = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM\u00B9", "COM\u00B2", "COM\u00B3",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT\u00B9", "LPT\u00B2", "LPT\u00B3",
    };

    /// <summary>The suffix of the marker that says "NAME is complete" when <see cref="DropBoxOptions.RequireDoneFile"/> is set.</summary>
    public const string DoneSuffix = ".done";

    private static readonly string[] TemporarySuffixes = [".part", ".tmp", ".filepart", ".partial", ".crdownload"];

    /// <summary>
    /// Whether a name is a file being written: dot-files (our own <c>.NAME.part</c>), <c>*.part</c>, <c>*.tmp</c>,
    /// <c>*.filepart</c> (WinSCP), <c>*.partial</c>, <c>*.crdownload</c>, and <c>~*</c> (editors, Office).
    /// </summary>
    public static bool IsTemporary(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.StartsWith('.') || name.StartsWith('~'))
            return true;
        foreach (var suffix in TemporarySuffixes)
        {
            if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
                return true;
        }

        return false;
    }

    /// <summary>The suffix of a signature sidecar (<c>NAME.sig</c>, status files): read with its file, never a file of its own.</summary>
    public const string SignatureSuffix = ".sig";

    /// <summary>Whether a name is a <c>NAME.sig</c> sidecar.</summary>
    public static bool IsSidecar(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length > SignatureSuffix.Length && name.EndsWith(SignatureSuffix, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Whether a name is a <c>NAME.done</c> marker.</summary>
    public static bool IsDoneMarker(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length > DoneSuffix.Length && name.EndsWith(DoneSuffix, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The temporary name an upload of <paramref name="name"/> writes first.</summary>
    public static string TemporaryNameFor(string name) => "." + name + ".part";

    /// <summary>Why a file name is never opened, or <see langword="null"/> when it is acceptable.</summary>
    public static string? Problem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
            return "the name is empty";
        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal))
            return "the name contains a path separator";
        if (name.Contains("..", StringComparison.Ordinal))
            return "the name contains '..'";
        foreach (var c in name)
        {
            if (char.IsControl(c))
                return $"the name contains the control character U+{(int)c:X4}";
        }

        var bytes = Encoding.UTF8.GetByteCount(name);
        return bytes > MaxNameBytes ? $"the name is {bytes} bytes long (at most {MaxNameBytes})" : null;
    }

    /// <summary>
    /// Why a name that is safe to touch is still not picked up, or null (issue 13): a name Windows cannot hold (a device
    /// name such as <c>CON</c> or <c>com1.csv</c>, one of <c>&lt;&gt;:"|?*</c>, a trailing dot or space) would break a
    /// Windows agent's local copy or a Windows drop box, so it is refused on both sides; a name over
    /// <see cref="MaxPickupNameBytes"/> leaves no room for the names derived from it. Such a file is moved to <c>failed/</c> with a report.
    /// </summary>
    public static string? PickupProblem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.AsSpan().IndexOfAny(WindowsInvalid) is var at and >= 0)
            return $"the name contains '{name[at]}', which Windows cannot hold in a file name: rename the file";
        if (name.EndsWith('.') || name.EndsWith(' '))
            return "the name ends with a dot or a space, which Windows drops: rename the file";
        var stem = name.Split('.')[0].TrimEnd(' ');
        if (WindowsDevices.Contains(stem))
            return $"'{stem}' is a Windows device name, which no Windows file can be called: rename the file";
        var bytes = Encoding.UTF8.GetByteCount(name);
        return bytes > MaxPickupNameBytes
            ? $"the name is {bytes} bytes long; at most {MaxPickupNameBytes}, so that the names derived from it (NAME.error.txt, NAME.done, temporary copies) fit in {MaxNameBytes}"
            : null;
    }

    /// <summary>
    /// <paramref name="name"/> + <paramref name="suffix"/>, shortened when needed so that it and the temporary name its upload
    /// writes first fit in <see cref="MaxNameBytes"/>: the name is cut (on a character boundary) and marked with <c>~</c> and
    /// 8 hex digits of its SHA-256, so two long names never share a derived name. A name ending in dots or spaces loses them
    /// and gets the mark too (<c>NAME..error.txt</c> would be refused as holding <c>..</c>).
    /// </summary>
    public static string Derived(string name, string suffix)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(suffix);
        const int limit = MaxNameBytes - 6; // "." + NAME + ".part"
        var suffixBytes = Encoding.UTF8.GetByteCount(suffix);
        var trimmed = name.TrimEnd('.', ' ');   // "NAME." + ".error.txt" would hold "..", refused everywhere
        if (trimmed.Length == name.Length && Encoding.UTF8.GetByteCount(name) + suffixBytes <= limit)
            return name + suffix;
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..8];
        var room = limit - suffixBytes - 9;
        var cut = new StringBuilder(room);
        var used = 0;
        foreach (var rune in trimmed.EnumerateRunes())
        {
            if (used + rune.Utf8SequenceLength > room)
                break;
            cut.Append(rune.ToString());
            used += rune.Utf8SequenceLength;
        }

        return $"{cut}~{hash}{suffix}";
    }

    /// <summary>
    /// Splits a folder relative to the drop box root into segments, or says why it is not acceptable. <c>""</c> and
    /// <c>"/"</c> are the root; leading and trailing <c>/</c> are ignored.
    /// </summary>
    public static string? FolderProblem(string folder, out IReadOnlyList<string> segments)
    {
        ArgumentNullException.ThrowIfNull(folder);
        segments = [];
        var trimmed = folder.Trim('/');
        if (trimmed.Length == 0)
            return null;
        var parts = trimmed.Split('/');
        foreach (var part in parts)
        {
            if (part.Length == 0)
                return "the folder contains an empty segment ('//')";
            if (part == ".")
                return "the folder contains '.'";
            var problem = Problem(part);
            if (problem is not null)
                return problem.Replace("the name", $"the folder segment '{Printable(part)}'", StringComparison.Ordinal);
        }

        segments = parts;
        return null;
    }

    /// <summary>A name with control characters escaped, safe to put in a message or a log line.</summary>
    public static string Printable(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var sb = new StringBuilder(name.Length);
        foreach (var c in name.Length > 300 ? name[..300] + "…" : name)
        {
            if (char.IsControl(c))
                sb.Append($"\\u{(int)c:X4}");
            else
                sb.Append(c);
        }

        return sb.ToString();
    }
}
