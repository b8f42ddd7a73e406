namespace RecallFiles.Exporter.Sources;

/// <summary>
/// A PMS database read for the export. Implementations only read: they never select patient names,
/// and they open connections read-only where the provider allows it.
/// </summary>
public interface IAppointmentSource
{
    /// <summary>Connects and checks that the tables or the query's columns are what the export needs; throws <see cref="ExportException"/> saying what to fix.</summary>
    Task CheckAsync(CancellationToken cancellationToken);

    /// <summary>The appointments whose local start time falls near the window; <see cref="AppointmentMapper"/> applies the exact window.</summary>
    IAsyncEnumerable<SourceAppointment> ReadAsync(ExportWindow window, CancellationToken cancellationToken);
}

/// <summary>One appointment as the PMS holds it, before normalisation and windowing. No patient names.</summary>
public sealed record SourceAppointment
{
    public required string AppLid { get; init; }
    public required DateTime LocalStart { get; init; }
    public TimeZoneInfo? TimeZone { get; init; }
    public DateTime? LocalEnd { get; init; }
    public bool IsPast { get; init; }
    public bool AllowedOnlyInPast { get; init; }
    public string? LandlinePhone { get; init; }
    public string? MobilePhone { get; init; }
    public string? WorkPhone { get; init; }
    public string? Email { get; init; }
    public required string ResourceLid { get; init; }
    public required string ResourceName { get; init; }
    public string? ResourceMobilePhone { get; init; }
    public string? ResourceEmail { get; init; }
    public string? LocationLid { get; init; }
    public string? LocationName { get; init; }
    public string? Language { get; init; }
    public string? CommunicationPreferences { get; init; }
    public string? Privacy { get; init; }
    public string? Status { get; init; }
    public bool TimeKnown { get; init; } = true;
}

/// <summary>An export that cannot run: the message says what to fix. Never contains contact data or secrets.</summary>
public sealed class ExportException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ExportException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public ExportException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>Creates the exception without a message; prefer the others.</summary>
    public ExportException() : base("the export failed")
    {
    }
}
