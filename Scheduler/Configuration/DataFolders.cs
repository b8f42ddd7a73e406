namespace RecallFiles.Scheduler.Configuration;

/// <summary>
/// The folders and files RecallFiles creates hold PHI (exported files, the archive, logs) or secrets (API keys): on
/// Linux folders are created 0700 and such files set 0600, so other local users read nothing (issue 12). On Windows
/// they inherit the ACL of the data folder, which <c>deploy/windows/install-service.ps1</c> restricts.
/// </summary>
internal static class DataFolders
{
    /// <summary>Owner only: rwx.</summary>
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Owner only: rw.</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates <paramref name="path"/> and any missing parent, each 0700 on Linux; an existing folder is left as it is.</summary>
    public static DirectoryInfo Create(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return Directory.CreateDirectory(path);
        }

        // Each missing parent too: CreateDirectory's mode is not applied to the parents it creates on every runtime.
        var full = Path.GetFullPath(path);
        if (!Directory.Exists(full) && Path.GetDirectoryName(full) is { } parent)
        {
            Create(parent);
        }

        return Directory.CreateDirectory(full, FolderMode);
    }

    /// <summary>Makes <paramref name="path"/> 0600 on Linux.</summary>
    public static void RestrictFile(string path)
    {
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & ~FileMode) != 0)
        {
            File.SetUnixFileMode(path, FileMode);
        }
    }
}
