namespace RecallFiles.Importer;

/// <summary>Marker for the Importer assembly; its features land with their issues.</summary>
internal static class AssemblyMarker;
