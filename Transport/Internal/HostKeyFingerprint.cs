namespace RecallFiles.Transport.Internal;

internal static class HostKeyFingerprint
{
    /// <summary>"SHA256:abc=" and "abc" both become "abc" (unpadded base64, as SSH.NET reports it).</summary>
    public static string Normalize(string fingerprint)
    {
        var value = fingerprint.Trim();
        if (value.StartsWith("SHA256:", StringComparison.OrdinalIgnoreCase))
            value = value["SHA256:".Length..];
        return value.TrimEnd('=');
    }
}
