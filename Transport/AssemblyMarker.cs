namespace RecallFiles.Transport;

/// <summary>Marker for the Transport assembly; its features land with their issues.</summary>
internal static class AssemblyMarker;
