using System.Globalization;
using System.Text.Json;

namespace RecallFiles.Schemas;

/// <summary>
/// An agent's heartbeat (issue 17): <c>AGENT_{practice}_{yyyyMMddTHHmmssZ}.json</c>, uploaded after every export run
/// beside the practice's appointment files, so the cloud sees every agent (version, host, last export and its error,
/// failures in its ledger, status-apply counts) and notices one that falls silent. Small and bounded: at most
/// <see cref="MaxBytes"/> bytes, every text field capped; reading refuses anything else with a reason.
/// </summary>
/// <param name="PracticeId">The practice (must equal the file name's and the folder's).</param>
/// <param name="Agent">The agent's name (its Hangfire queue is <c>agent_{name}</c>): 1-40 of <c>a-z 0-9 _</c>.</param>
/// <param name="Version">The agent's product version, at most 64 characters.</param>
/// <param name="Host">The agent's host name, at most 255 characters.</param>
/// <param name="IntervalSeconds">How often this agent promises a heartbeat: its export cadence, 60 s to 7 days.</param>
/// <param name="ExportResult"><c>ok</c>, <c>failed</c> or <c>none</c> (no export has run).</param>
/// <param name="ExportError">Why the last export failed (masked, at most <see cref="MaxErrorLength"/> characters), or null.</param>
/// <param name="ExportFinishedAt">When the last export finished (UTC), or null.</param>
/// <param name="LedgerFailures">Failed export runs since the last upload (0 after a successful export).</param>
/// <param name="StatusApplied">Status rows applied to the PMS (OK) in the last 24 hours.</param>
/// <param name="StatusFailed">Status rows that failed (ERROR, NOT_FOUND) in the last 24 hours.</param>
/// <param name="StatusConflicts">Status rows that conflicted (CONFLICT) in the last 24 hours.</param>
public sealed record AgentHeartbeat(string PracticeId, string Agent, string Version, string Host, int IntervalSeconds, string ExportResult, string? ExportError,
    DateTimeOffset? ExportFinishedAt, int LedgerFailures, int StatusApplied, int StatusFailed, int StatusConflicts)
{
    /// <summary>The format marker of the file's <c>format</c> property.</summary>
    public const string Format = "recallfiles-agent-heartbeat/1";

    /// <summary>The largest heartbeat file accepted, in bytes (16 KB).</summary>
    public const int MaxBytes = 16 * 1024;

    /// <summary>The longest export error kept, in characters.</summary>
    public const int MaxErrorLength = 1000;

    /// <summary>The shortest and longest interval accepted, in seconds (a minute to a week).</summary>
    public const int MinIntervalSeconds = 60, MaxIntervalSeconds = 7 * 24 * 3600;

    /// <summary>The export results: <c>ok</c>, <c>failed</c>, <c>none</c>.</summary>
    public static IReadOnlyList<string> Results { get; } = ["ok", "failed", "none"];

    /// <summary>Whether <paramref name="name"/> is an agent name: 1-40 of <c>a-z 0-9 _</c> (Hangfire's queue-name rules).</summary>
    public static bool IsAgentName(string? name) =>
        name is { Length: >= 1 and <= 40 } && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');

    /// <summary>The file's bytes: UTF-8 JSON without BOM, <c>snake_case</c> properties.</summary>
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteString("practice", PracticeId);
            json.WriteString("agent", Agent);
            json.WriteString("version", Cap(Version, 64));
            json.WriteString("host", Cap(Host, 255));
            json.WriteNumber("interval_seconds", IntervalSeconds);
            json.WriteString("export_result", ExportResult);
            if (ExportError is null)
            {
                json.WriteNull("export_error");
            }
            else
            {
                json.WriteString("export_error", Cap(ExportError, MaxErrorLength));
            }

            if (ExportFinishedAt is { } finished)
            {
                json.WriteString("export_finished_at", finished.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            }
            else
            {
                json.WriteNull("export_finished_at");
            }

            json.WriteNumber("ledger_failures", LedgerFailures);
            json.WriteNumber("status_applied", StatusApplied);
            json.WriteNumber("status_failed", StatusFailed);
            json.WriteNumber("status_conflicts", StatusConflicts);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Cuts <paramref name="text"/> to <paramref name="length"/> characters (marking the cut with <c>…</c>).</summary>
    public static string Cap(string text, int length)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length <= length ? text : text[..(length - 1)] + "…";
    }

    /// <summary>
    /// Reads a heartbeat file of practice <paramref name="practiceId"/>, refusing (with the reason in <paramref name="error"/>)
    /// anything over <see cref="MaxBytes"/>, anything that is not one JSON object of the documented shape, a practice other
    /// than <paramref name="practiceId"/>, values out of their bounds. Unknown properties are ignored (a newer agent's additions).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> content, string practiceId, out AgentHeartbeat? heartbeat, out string? error)
    {
        heartbeat = null;
        if (content.Length > MaxBytes)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"the heartbeat is {content.Length:N0} bytes; at most {MaxBytes:N0}");
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(content.ToArray(), new JsonDocumentOptions { MaxDepth = 4, AllowTrailingCommas = false });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "the heartbeat is not a JSON object";
                return false;
            }

            var reader = new Fields(root);
            var format = reader.Text("format", 64, required: true);
            if (reader.Error is null && format != Format)
            {
                reader.Fail($"format is '{Mask.Echo(format)}'; expected '{Format}'");
            }

            var practice = reader.Text("practice", 40, required: true);
            if (reader.Error is null && !string.Equals(practice, practiceId, StringComparison.Ordinal))
            {
                reader.Fail($"practice is '{Mask.Echo(practice)}' but the file is in practice {practiceId}'s folder: an agent reports only the practice it exports");
            }

            var agent = reader.Text("agent", 40, required: true);
            if (reader.Error is null && !IsAgentName(agent))
            {
                reader.Fail($"agent '{Mask.Echo(agent)}' is not an agent name (1-40 of a-z 0-9 _)");
            }

            var version = reader.Text("version", 64, required: true);
            var host = reader.Text("host", 255, required: true);
            var interval = reader.Number("interval_seconds", MinIntervalSeconds, MaxIntervalSeconds);
            var result = reader.Text("export_result", 16, required: true);
            if (reader.Error is null && !Results.Contains(result))
            {
                reader.Fail($"export_result is '{Mask.Echo(result)}'; expected ok, failed or none");
            }

            var exportError = reader.Text("export_error", MaxErrorLength, required: false);
            var finished = reader.Instant("export_finished_at");
            var failures = reader.Number("ledger_failures", 0, 1_000_000);
            var applied = reader.Number("status_applied", 0, 100_000_000);
            var failed = reader.Number("status_failed", 0, 100_000_000);
            var conflicts = reader.Number("status_conflicts", 0, 100_000_000);
            if (reader.Error is not null)
            {
                error = reader.Error;
                return false;
            }

            heartbeat = new AgentHeartbeat(practice!, agent!, version!, host!, interval, result!, exportError, finished, failures, applied, failed, conflicts);
            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            error = $"the heartbeat is not valid JSON: {ex.Message}";
            return false;
        }
    }

    /// <summary>Reads one property at a time; the first problem wins and the rest read as defaults.</summary>
    private sealed class Fields(JsonElement root)
    {
        public string? Error { get; private set; }

        public void Fail(string message) => Error ??= message;

        public string? Text(string name, int maxLength, bool required)
        {
            if (Error is not null)
            {
                return null;
            }

            if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                if (required)
                {
                    Fail($"the property '{name}' is missing");
                }

                return null;
            }

            if (value.ValueKind != JsonValueKind.String)
            {
                Fail($"the property '{name}' is a {value.ValueKind.ToString().ToLowerInvariant()}, not a string");
                return null;
            }

            var text = value.GetString()!;
            if (text.Length > maxLength)
            {
                Fail(string.Create(CultureInfo.InvariantCulture, $"the property '{name}' is {text.Length:N0} characters long; at most {maxLength:N0}"));
                return null;
            }

            if (text.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t'))
            {
                Fail($"the property '{name}' contains a control character");
                return null;
            }

            if (required && text.Trim().Length == 0)
            {
                Fail($"the property '{name}' is empty");
                return null;
            }

            return text;
        }

        public int Number(string name, int min, int max)
        {
            if (Error is not null)
            {
                return 0;
            }

            if (!root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
            {
                Fail(string.Create(CultureInfo.InvariantCulture, $"the property '{name}' must be a whole number from {min:N0} to {max:N0}"));
                return 0;
            }

            if (number < min || number > max)
            {
                Fail(string.Create(CultureInfo.InvariantCulture, $"the property '{name}' is {number:N0}; allowed {min:N0} to {max:N0}"));
                return 0;
            }

            return number;
        }

        public DateTimeOffset? Instant(string name)
        {
            var text = Text(name, 32, required: false);
            if (text is null)
            {
                return null;
            }

            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            {
                Fail($"the property '{name}' is not an ISO 8601 instant");
                return null;
            }

            return at;
        }
    }

    /// <summary>The file name of a heartbeat of <paramref name="practiceId"/> sent at <paramref name="sentAt"/>.</summary>
    public static string FileName(string practiceId, DateTimeOffset sentAt) => ContractFileName.Create(FileKind.AgentHeartbeat, practiceId, sentAt).ToString();
}
