using System.Globalization;
using System.Net;
using System.Text;
using RecallFiles.Importer.Batches;

namespace RecallFiles.Scheduler.Dashboards;

/// <summary>
/// The dashboard's pictures (issue 17) as inline SVG written on the server: no script, no library, nothing fetched. Each
/// bucket is a stacked bar — applied, failed, held for review, other (superseded, duplicate, not finished) — with its
/// total written above it and its label below; the chart carries a <c>title</c> and a <c>desc</c> that say the totals
/// (<c>role="img"</c>, <c>aria-labelledby</c>), each bar segment a <c>title</c> (the tooltip) with its day and count.
/// </summary>
internal static class FileCharts
{
    private const int Top = 24;
    private const int PlotHeight = 150;
    private const int Left = 44;

    private static readonly (string Class, string Label, string Colour, Func<FileBucket, long> Count)[] Series =
    [
        ("applied", "applied", "#5cb85c", b => b.Applied),
        ("failed", "failed", "#d9534f", b => b.Failed),
        ("held", "held for review", "#f0ad4e", b => b.Held),
        ("other", "other (superseded, duplicate, in progress)", "#9e9e9e", b => b.Other),
    ];

    /// <summary>A day per bar (<c>MM-dd</c> under each), for a practice's last days.</summary>
    public static string Daily(string id, string title, IReadOnlyList<FileBucket> days) =>
        Bars(id, title, days, barWidth: 30, gap: 14, labelEvery: 1, label: d => d.ToString("MM-dd", CultureInfo.InvariantCulture), unit: "day");

    /// <summary>An hour per bar (<c>HH</c> under every sixth), for the files per hour.</summary>
    public static string Hourly(string id, string title, IReadOnlyList<FileBucket> hours) =>
        Bars(id, title, hours, barWidth: 11, gap: 3, labelEvery: 6, label: d => d.ToString(d.Hour == 0 ? "MM-dd" : "HH':00'", CultureInfo.InvariantCulture), unit: "hour");

    private static string Bars(string id, string title, IReadOnlyList<FileBucket> buckets, int barWidth, int gap, int labelEvery, Func<DateTime, string> label, string unit)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        var max = Math.Max(1, buckets.Count == 0 ? 0 : buckets.Max(b => b.Arrived));
        var width = Left + (buckets.Count * (barWidth + gap)) + 10;
        var height = Top + PlotHeight + 64;
        var svg = new StringBuilder();
        var totals = Series.Select(s => (s.Label, Total: buckets.Sum(s.Count))).ToList();
        var first = buckets.Count == 0 ? "" : buckets[0].Start.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        var last = buckets.Count == 0 ? "" : buckets[^1].Start.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        var desc = string.Create(CultureInfo.InvariantCulture,
            $"{buckets.Count} {unit}s from {first} to {last} UTC: {buckets.Sum(b => b.Arrived)} file(s) arrived; ") + string.Join(", ", totals.Select(t => $"{t.Total} {t.Label}")) + ".";
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{id}\" class=\"file-chart\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" ")
            .Append(CultureInfo.InvariantCulture, $"width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"10\">")
            .Append(CultureInfo.InvariantCulture, $"<title id=\"{id}-title\">{E(title)}</title><desc id=\"{id}-desc\">{E(desc)}</desc>");

        // The axis: zero and the largest bucket, with a faint line at each.
        var baseline = Top + PlotHeight;
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left - 4}\" y1=\"{baseline}\" x2=\"{width - 6}\" y2=\"{baseline}\" stroke=\"#666\"/>")
            .Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left - 4}\" y1=\"{Top}\" x2=\"{width - 6}\" y2=\"{Top}\" stroke=\"#ddd\"/>")
            .Append(CultureInfo.InvariantCulture, $"<text class=\"axis\" x=\"{Left - 8}\" y=\"{baseline + 3}\" text-anchor=\"end\">0</text>")
            .Append(CultureInfo.InvariantCulture, $"<text class=\"axis\" x=\"{Left - 8}\" y=\"{Top + 3}\" text-anchor=\"end\">{max}</text>");
        for (var i = 0; i < buckets.Count; i++)
        {
            var b = buckets[i];
            var x = Left + (i * (barWidth + gap));
            var day = b.Start.ToString(unit == "day" ? "yyyy-MM-dd" : "yyyy-MM-dd HH:00", CultureInfo.InvariantCulture);
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"bucket\" data-start=\"{day}\" data-arrived=\"{b.Arrived}\">");
            double y = baseline;
            foreach (var (cls, name, colour, count) in Series)
            {
                var n = count(b);
                if (n <= 0)
                {
                    continue;
                }

                var h = (double)n / max * PlotHeight;
                y -= h;
                svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"bar {cls}\" data-count=\"{n}\" x=\"{x}\" y=\"{y:0.##}\" width=\"{barWidth}\" height=\"{h:0.##}\" fill=\"{colour}\">")
                    .Append(CultureInfo.InvariantCulture, $"<title>{day} UTC: {n} {E(name)}</title></rect>");
            }

            if (unit == "day" || b.Arrived > 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text class=\"count\" x=\"{x + (barWidth / 2.0):0.#}\" y=\"{y - 3:0.##}\" text-anchor=\"middle\">{b.Arrived}</text>");
            }

            if (i % labelEvery == 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text class=\"label\" x=\"{x + (barWidth / 2.0):0.#}\" y=\"{baseline + 14}\" text-anchor=\"middle\">{E(label(b.Start))}</text>");
            }

            svg.Append("</g>");
        }

        // The legend, in words as well as colours.
        var lx = Left;
        foreach (var (cls, name, colour, _) in Series)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"legend {cls}\" x=\"{lx}\" y=\"{height - 22}\" width=\"10\" height=\"10\" fill=\"{colour}\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text class=\"legend\" x=\"{lx + 14}\" y=\"{height - 13}\">{E(name)}</text>");
            lx += 24 + (name.Length * 6);
        }

        return svg.Append("</svg>").ToString();
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
