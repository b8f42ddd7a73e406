using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RecallFiles.Schemas.Internal;

/// <summary>
/// Large arrays that Linux may back with 2 MiB pages (issue 18). On the validation machine the first touch of a fresh 4 KiB
/// page costs about 20 µs of kernel time (a virtualised page fault and its zeroing): <see cref="FirstLines"/>' tables, about
/// 50 MB touched for a million-row file, cost about 0.28 s of CPU in 4 KiB pages and 0.07–0.13 s with
/// <c>madvise(MADV_HUGEPAGE)</c> (measured 2026-12-02, transparent huge pages in their default <c>madvise</c> mode). The
/// advice is a hint: where it is refused or not Linux, the array is an ordinary one.
/// </summary>
internal static partial class HugePages
{
    private const int MadvHugePage = 14;
    private const nint HugePage = 2 << 20;

    private static bool _unavailable;

    /// <summary>A zeroed array of <paramref name="length"/> elements; from 4 MiB on, advised to take huge pages before its first touch.</summary>
    public static T[] NewArray<T>(int length) where T : unmanaged
    {
        var bytes = (nint)length * Unsafe.SizeOf<T>();
        if (!OperatingSystem.IsLinux() || bytes < 2 * HugePage)
        {
            return new T[length];
        }

        // Not zeroed by the runtime, so not touched before the advice; cleared below, which is the first touch.
        var array = GC.AllocateUninitializedArray<T>(length);
        var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        try
        {
            var start = handle.AddrOfPinnedObject();
            var first = (start + HugePage - 1) & ~(HugePage - 1);
            var end = (start + bytes) & ~(HugePage - 1);
            if (end > first && !_unavailable)
            {
                try
                {
                    // The return value is ignored on purpose: a refused hint leaves 4 KiB pages, which work the same.
                    _ = Madvise(first, (nuint)(end - first), MadvHugePage);
                }
                catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
                {
                    _unavailable = true;   // a C library without madvise under that name: ordinary pages from now on
                }
            }
        }
        finally
        {
            handle.Free();
        }

        Array.Clear(array);
        return array;
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
