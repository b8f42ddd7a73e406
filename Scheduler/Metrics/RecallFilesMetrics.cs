using System.Diagnostics.Metrics;
using RecallFiles.Importer.Batches;

namespace RecallFiles.Scheduler.Metrics;

/// <summary>
/// The host's OpenTelemetry metrics (issue 17), meter <c>RecallFiles</c>, exported on <c>/metrics</c> for Prometheus
/// (docs/dashboard.md "Metrics"). Labels are bounded: the practice id at most (and a state, outcome or rule from a
/// fixed list) — never an APP_LID, a file name or a contact.
/// </summary>
internal sealed class RecallFilesMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "RecallFiles";

    private readonly Meter _meter;
    private readonly Counter<long> _files;
    private readonly Counter<long> _rows;
    private readonly Counter<long> _rowErrors;
    private readonly Counter<long> _batches;
    private readonly Histogram<double> _pickupToApplied;
    private readonly Histogram<double> _exportDuration;
    private volatile IReadOnlyDictionary<string, long> _openIncidents = new Dictionary<string, long>();

    public RecallFilesMetrics(IMeterFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _meter = factory.Create(MeterName, typeof(RecallFilesMetrics).Assembly.GetName().Version?.ToString());
        _files = _meter.CreateCounter<long>("recallfiles.files", "{file}", "Appointment files picked up, per practice");
        _rows = _meter.CreateCounter<long>("recallfiles.rows", "{row}", "Rows read from appointment files, per practice");
        _rowErrors = _meter.CreateCounter<long>("recallfiles.row_errors", "{row}", "Rows rejected, per practice");
        _batches = _meter.CreateCounter<long>("recallfiles.batches", "{batch}", "Batches brought to their end, per practice and outcome (applied, failed, needs_review, superseded, duplicate)");
        _pickupToApplied = _meter.CreateHistogram<double>("recallfiles.batch.pickup_to_applied", "s", "From a file's pickup to its batch applied, per practice");
        _exportDuration = _meter.CreateHistogram<double>("recallfiles.export.duration", "s", "Agent exports, per practice and result (ok, failed)");
        _meter.CreateObservableGauge("recallfiles.alerts.open_incidents", () => _openIncidents.Select(r => new Measurement<long>(r.Value, new KeyValuePair<string, object?>("rule", r.Key))),
            "{incident}", "Open alert incidents, per rule");
    }

    /// <summary>Records the batches an import brought to their end, at <paramref name="now"/>.</summary>
    public void Batches(string practiceId, IEnumerable<BatchSummary> batches, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var practice = new KeyValuePair<string, object?>("practice", practiceId);
        foreach (var batch in batches)
        {
            _files.Add(1, practice);
            _rows.Add(batch.RowsTotal ?? 0, practice);
            _rowErrors.Add(batch.RowsInvalid ?? 0, practice);
            _batches.Add(1, practice, new KeyValuePair<string, object?>("outcome", batch.State));
            if (batch.State == BatchStates.Applied)
            {
                var claimed = new DateTimeOffset(DateTime.SpecifyKind(batch.ClaimedAt, DateTimeKind.Utc));
                _pickupToApplied.Record(Math.Max(0, (now - claimed).TotalSeconds), practice);
            }
        }
    }

    /// <summary>Records one export's duration.</summary>
    public void Export(string practiceId, TimeSpan duration, bool ok) =>
        _exportDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("practice", practiceId), new KeyValuePair<string, object?>("result", ok ? "ok" : "failed"));

    /// <summary>The open incidents per rule, as the last evaluation found them.</summary>
    public void SetOpenIncidents(IReadOnlyDictionary<string, long> byRule) =>
        _openIncidents = Alerts.AlertRules.All.ToDictionary(r => r, r => byRule.GetValueOrDefault(r), StringComparer.Ordinal);

    public void Dispose() => _meter.Dispose();
}
