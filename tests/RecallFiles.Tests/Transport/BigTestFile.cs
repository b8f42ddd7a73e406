using System.Security.Cryptography;

namespace RecallFiles.Tests.Transport;

/// <summary>One 200 MB file of pseudo-random bytes per test run, shared by the big-file tests, with its SHA-256.</summary>
internal static class BigTestFile
{
    public const long Size = 200L * 1024 * 1024;

    private static readonly Lazy<(string Path, string Sha256)> File = new(Create);

    public static string Path => File.Value.Path;

    public static string Sha256 => File.Value.Sha256;

    public static string HashOf(string path)
    {
        using var stream = System.IO.File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    private static (string, string) Create()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"recallfiles-big-{Environment.ProcessId}.bin");
        var random = new Random(20261123);
        var buffer = new byte[1 << 20];
        using (var stream = System.IO.File.Create(path))
        {
            for (long written = 0; written < Size; written += buffer.Length)
            {
                random.NextBytes(buffer);
                stream.Write(buffer);
            }
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => System.IO.File.Delete(path);
        return (path, HashOf(path));
    }
}
