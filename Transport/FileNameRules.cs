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
