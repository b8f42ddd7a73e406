using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace RecallFiles.Transport.Internal;

/// <summary>
/// Reading a local drop box without following links (issue 13): a tenant who can create a symbolic link in a folder
/// the importer reads — an SFTP server on the same host, an SMB share — could otherwise make it read any file it can
/// read. On Linux and macOS the file is opened with <c>O_NOFOLLOW</c>, so a link swapped in after the listing makes the
/// open fail; on Windows the opened path is checked for a reparse point after the open.
/// </summary>
internal static partial class NoFollow
{
    /// <summary>A link where a file or folder was expected.</summary>
    public sealed class LinkRefusedException(string path) : IOException($"'{path}' is a symbolic link (or reparse point) and is never followed")
    {
    }

    /// <summary>True when <paramref name="entry"/> is a symbolic link or a reparse point (a junction, a mount point).</summary>
    public static bool IsLink(FileSystemInfo entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        entry.Refresh();
        return entry.Exists && (entry.LinkTarget is not null || (entry.Attributes & FileAttributes.ReparsePoint) != 0);
    }

    /// <summary>Opens <paramref name="path"/> for reading; throws <see cref="LinkRefusedException"/> when it is a link.</summary>
    public static FileStream OpenRead(string path)
    {
        if (Flags() is { } flags)
        {
            var fd = Open(path, flags.Open, 0);
            if (fd < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == flags.Loop)
                {
                    throw new LinkRefusedException(path);
                }

                // Anything else (missing, denied): let .NET's own open report it as it always does.
                return Regular(path);
            }

            return new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, 1 << 16);
        }

        var stream = Regular(path);
        if (IsLink(new FileInfo(path)))
        {
            stream.Dispose();
            throw new LinkRefusedException(path);
        }

        return stream;
    }

    /// <summary>Creates or truncates <paramref name="path"/> for writing; throws <see cref="LinkRefusedException"/> when it is a link.</summary>
    public static FileStream OpenWrite(string path)
    {
        if (Flags() is { } flags)
        {
            // O_WRONLY | O_CREAT | O_TRUNC, mode 0666 less the umask as .NET creates files; never O_NONBLOCK.
            var (create, truncate) = OperatingSystem.IsMacOS() ? (0x200, 0x400) : (0x40, 0x200);
            var fd = Open(path, (flags.Open & ~(OperatingSystem.IsMacOS() ? 0x4 : 0x800)) | 0x1 | create | truncate, 0x1B6);
            if (fd < 0)
            {
                if (Marshal.GetLastPInvokeError() == flags.Loop)
                {
                    throw new LinkRefusedException(path);
                }

                return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            }

            return new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, 1 << 16);
        }

        if (IsLink(new FileInfo(path)))
        {
            throw new LinkRefusedException(path);
        }

        return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
    }

    private static FileStream Regular(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);

    // O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK (a FIFO never blocks the poll) and ELOOP, per platform.
    private static (int Open, int Loop)? Flags()
    {
        if (OperatingSystem.IsLinux())
        {
            var noFollow = RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 ? 0x8000 : 0x20000;
            return (noFollow | 0x80000 | 0x800, 40);
        }

        return OperatingSystem.IsMacOS() ? (0x100 | 0x1000000 | 0x4, 62) : null;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);
}
