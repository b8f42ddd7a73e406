using System.Globalization;
using System.Text.RegularExpressions;

namespace RecallFiles.Schemas;

/// <summary>
/// A contract file name: <c>APPOINTMENTS_{practice}_{yyyyMMddTHHmmssZ}.csv</c>,
/// <c>STATUS_{practice}_{…}.csv</c>, <c>STATUS_RESULT_{practice}_{…}.csv</c> or an agent's heartbeat
/// <c>AGENT_{practice}_{…}.json</c> (issue 17). The time stamp is UTC.
/// </summary>
/// <param name="Kind">The file format.</param>
/// <param name="PracticeId">The practice (see <see cref="Schemas.PracticeId"/>).</param>
/// <param name="Timestamp">When the file was made, UTC, to the second.</param>
public sealed partial record ContractFileName(FileKind Kind, string PracticeId, DateTimeOffset Timestamp)
{
    /// <summary>The time stamp format inside names.</summary>
    public const string TimestampFormat = "yyyyMMdd'T'HHmmss'Z'";

    [GeneratedRegex(@"^(?:(?<kind>APPOINTMENTS|STATUS_RESULT|STATUS)_(?<practice>[A-Za-z0-9_-]{1,40})_(?<stamp>\d{8}T\d{6}Z)\.csv|(?<kind>AGENT)_(?<practice>[A-Za-z0-9_-]{1,40})_(?<stamp>\d{8}T\d{6}Z)\.json)$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>Makes the name of a file of <paramref name="kind"/> for a practice, at <paramref name="timestamp"/> (converted to UTC, truncated to the second).</summary>
    public static ContractFileName Create(FileKind kind, string practiceId, DateTimeOffset timestamp)
    {
        Schemas.PracticeId.Ensure(practiceId, nameof(practiceId));
        var utc = timestamp.ToUniversalTime();
        return new ContractFileName(kind, practiceId, new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero));
    }

    /// <summary>The file name, such as <c>APPOINTMENTS_ACME-01_20261123T080000Z.csv</c>.</summary>
    public override string ToString() =>
        $"{Prefix(Kind)}_{PracticeId}_{Timestamp.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture)}{(Kind == FileKind.AgentHeartbeat ? ".json" : ".csv")}";

    /// <summary>
    /// Parses a bare file name. Anything else, including paths, <c>..</c>, lower-case prefixes,
    /// invalid practice ids and impossible time stamps, is refused with the reason in <paramref name="error"/>.
    /// </summary>
    public static bool TryParse(string? name, out ContractFileName? fileName, out string? error)
    {
        fileName = null;
        if (string.IsNullOrEmpty(name))
        {
            error = "the file name is empty";
            return false;
        }

        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) || name.Contains("..", StringComparison.Ordinal))
        {
            error = $"'{Mask.Echo(name)}' contains a path separator or '..': only bare file names are accepted";
            return false;
        }

        var match = Pattern().Match(name);
        if (!match.Success)
        {
            error = $"'{Mask.Echo(name)}' is not a contract file name: expected APPOINTMENTS_{{practice}}_{{yyyyMMddTHHmmssZ}}.csv, " +
                    "STATUS_{practice}_{…}.csv, STATUS_RESULT_{practice}_{…}.csv or AGENT_{practice}_{…}.json with a practice id of 1-40 characters A-Z a-z 0-9 _ -";
            return false;
        }

        if (!DateTime.TryParseExact(match.Groups["stamp"].Value, TimestampFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var stamp))
        {
            error = $"'{Mask.Echo(name)}' has an impossible time stamp '{match.Groups["stamp"].Value}'";
            return false;
        }

        var kind = match.Groups["kind"].Value switch
        {
            "APPOINTMENTS" => FileKind.Appointments,
            "STATUS" => FileKind.Status,
            "AGENT" => FileKind.AgentHeartbeat,
            _ => FileKind.StatusResult,
        };
        fileName = new ContractFileName(kind, match.Groups["practice"].Value, new DateTimeOffset(stamp, TimeSpan.Zero));
        error = null;
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/> with the reason.</summary>
    public static ContractFileName Parse(string name) =>
        TryParse(name, out var fileName, out var error) ? fileName! : throw new FormatException(error);

    private static string Prefix(FileKind kind) => kind switch
    {
        FileKind.Appointments => "APPOINTMENTS",
        FileKind.Status => "STATUS",
        FileKind.StatusResult => "STATUS_RESULT",
        FileKind.AgentHeartbeat => "AGENT",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
