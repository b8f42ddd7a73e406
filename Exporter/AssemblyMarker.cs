namespace RecallFiles.Exporter;

/// <summary>Marker for the Exporter assembly; its features land with their issues.</summary>
internal static class AssemblyMarker;
