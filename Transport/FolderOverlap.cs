namespace RecallFiles.Transport;

/// <summary>One folder a configured practice uses in a drop box, and the key that sets it (for the message).</summary>
/// <param name="Owner">Who uses it: a practice id.</param>
/// <param name="Key">The configuration key that decides the folder.</param>
/// <param name="DropBox">The drop box it lies in.</param>
/// <param name="Folder">The folder, relative to the drop box root.</param>
public sealed record PracticeFolder(string Owner, string Key, DropBoxOptions DropBox, string Folder);

/// <summary>
/// Start-up check (issue 13): two practices whose folders are the same, or one inside the other, in the same place
/// would read each other's files (the same file imported for both, one's results refused by the other). Two drop boxes
/// are the same place when they reach the same folder: the same local path, or the same server, account and root.
/// </summary>
public static class FolderOverlap
{
    /// <summary>One message per overlapping pair, naming both keys; empty when every practice has its own folders.</summary>
    public static IReadOnlyList<string> Problems(IEnumerable<PracticeFolder> folders)
    {
        ArgumentNullException.ThrowIfNull(folders);
        var problems = new List<string>();
        var byPlace = new Dictionary<string, PracticeFolder>(StringComparer.Ordinal);
        var all = folders.Select(f => (Folder: f, Place: Place(f))).ToList();
        foreach (var (folder, place) in all)
        {
            byPlace.TryAdd(place, folder);
        }

        var reported = new HashSet<(string, string)>();
        foreach (var (folder, place) in all)
        {
            // The folder itself and each of its parents: a folder of another practice there overlaps this one.
            for (var at = place; at.Length > 0; at = Parent(at))
            {
                if (byPlace.TryGetValue(at, out var other) && other.Owner != folder.Owner)
                {
                    var pair = string.CompareOrdinal(folder.Owner, other.Owner) < 0 ? (folder.Owner, other.Owner) : (other.Owner, folder.Owner);
                    if (reported.Add(pair))
                    {
                        var how = at == place ? "is the same folder as" : "lies inside";
                        problems.Add($"{folder.Key} ('{Shown(folder)}') {how} {other.Key} ('{Shown(other)}'): practices {folder.Owner} and {other.Owner} " +
                            "would read each other's files; give each practice folders of its own");
                    }
                }

                if (at.EndsWith('\u0000'))
                {
                    break;
                }
            }
        }

        return problems;
    }

    // "where the drop box root is" + "\0" + folder segments joined by "/"; the root alone ends in "\0".
    private static string Place(PracticeFolder folder)
    {
        var box = folder.DropBox;
        var root = box.Kind == DropBoxKind.Local
            ? Path.GetFullPath(string.IsNullOrEmpty(box.RootPath) ? "." : box.RootPath).TrimEnd('/', '\\')
            : $"{box.Kind}://{box.UserName}@{box.Host?.ToLowerInvariant()}:{box.Port}/{box.RootPath.Trim('/')}";
        var relative = folder.Folder.Trim('/');

        // A local root inside another local root: compare whole paths, so /srv/drop + a/b meets /srv/drop/a + b.
        return box.Kind == DropBoxKind.Local
            ? "local\u0000" + string.Join('/', (root + "/" + relative).Split('/', StringSplitOptions.RemoveEmptyEntries))
            : relative.Length == 0 ? root + "\u0000" : root + "\u0000" + relative;
    }

    private static string Parent(string place)
    {
        var slash = place.LastIndexOf('/');
        var zero = place.LastIndexOf('\u0000');
        return slash > zero ? place[..slash] : zero >= 0 && zero < place.Length - 1 ? place[..(zero + 1)] : "";
    }

    private static string Shown(PracticeFolder folder) => folder.Folder.Trim('/').Length == 0 ? "/" : folder.Folder.Trim('/');
}
