using System.Diagnostics.CodeAnalysis;

namespace RecallFiles.Schemas;

/// <summary>
/// The root of RecallFiles' own failures: callers catch by meaning (<see cref="NotFoundException"/>,
/// <see cref="ConflictException"/>, <see cref="ConfigurationException"/>, <see cref="ContractFileException"/>), never
/// <see cref="InvalidOperationException"/> by type. Every message says what to do.
/// </summary>
public abstract class RecallFilesException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected RecallFilesException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>Something asked for by id (a batch, a practice, an appointment) does not exist.</summary>
public sealed class NotFoundException(string message, Exception? inner = null) : RecallFilesException(message, inner)
{
}

/// <summary>The request does not fit the current state (approve a batch that is not held; replay one still being loaded).</summary>
public sealed class ConflictException(string message, Exception? inner = null) : RecallFilesException(message, inner)
{
}

/// <summary>A setting is missing or wrong; the message names the key and the allowed values.</summary>
public sealed class ConfigurationException(string message, Exception? inner = null) : RecallFilesException(message, inner)
{
}

/// <summary>Central throw helpers for the guards that repeat.</summary>
public static class Throw
{
    /// <summary>Throws <see cref="NotFoundException"/>.</summary>
    [DoesNotReturn]
    public static void NotFound(string message) => throw new NotFoundException(message);

    /// <summary>Throws <see cref="ConflictException"/>.</summary>
    [DoesNotReturn]
    public static void Conflict(string message) => throw new ConflictException(message);

    /// <summary>Throws <see cref="ConfigurationException"/>.</summary>
    [DoesNotReturn]
    public static void Configuration(string message) => throw new ConfigurationException(message);
}

/// <summary>The one time-zone lookup: an unknown zone is an error naming the setting, never a silent UTC.</summary>
public static class TimeZones
{
    /// <summary>Whether <paramref name="id"/> (an IANA name such as Europe/Madrid) is a zone this machine knows.</summary>
    public static bool TryFind(string? id, [NotNullWhen(true)] out TimeZoneInfo? zone)
    {
        zone = null;
        if (string.IsNullOrWhiteSpace(id))
        {
            return false;
        }

        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id.Trim());
            return true;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }

    /// <summary>The zone <paramref name="id"/>, or a <see cref="ConfigurationException"/> naming <paramref name="key"/>.</summary>
    public static TimeZoneInfo Find(string? id, string key) => TryFind(id, out var zone)
        ? zone
        : throw new ConfigurationException($"{key} '{id}' is not a known time zone: use an IANA name such as Europe/Madrid or America/New_York (timedatectl list-timezones lists them).");
}
