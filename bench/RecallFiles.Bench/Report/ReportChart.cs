using System.Globalization;
using ScottPlot;
using SkiaSharp;

namespace RecallFiles.Bench.Report;

/// <summary>
/// docs/performance.png, drawn with ScottPlot (SkiaSharp, headless): top, for each measure with a reference, our
/// throughput over the reference's as a bar with issue 18's target as a dashed mark and parity (1.0×) as a line;
/// bottom, for the measures without a reference, our value as a percentage of its target (100 % drawn as a line).
/// Green bars meet their target, red ones do not.
/// </summary>
internal static class ReportChart
{
    public const int Width = 1100;
    public const int Height = 760;

    private static readonly Color MetColor = Color.FromHex("#2e7d32");
    private static readonly Color MissedColor = Color.FromHex("#c62828");

    public static void Save(BenchResults results, string path)
    {
        var measures = ReportMarkdown.Ordered(results).ToList();
        var withReference = measures.Where(m => m.Ratio is not null).ToList();
        var withoutReference = measures.Where(m => m.Ratio is null).ToList();

        Plot[] panels = [.. withReference.Count > 0 ? [RatioPlot(withReference)] : Array.Empty<Plot>(), .. withoutReference.Count > 0 ? [TargetPlot(withoutReference)] : Array.Empty<Plot>()];
        if (panels.Length == 0)
        {
            throw new BenchResultsException("the results file has no measures: run a bench first");
        }

        var multiplot = new Multiplot(panels[0]) { Layout = new ScottPlot.MultiplotLayouts.Rows() };
        foreach (var panel in panels[1..])
        {
            multiplot.Subplots.Add(panel);
        }

        using var surface = SKSurface.Create(new SKImageInfo(Width, Height)) ?? throw new InvalidOperationException("SkiaSharp could not create a surface");
        surface.Canvas.Clear(SKColors.White);
        multiplot.Render(surface.Canvas, new PixelRect(0, Width, Height, 0));
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        png.SaveTo(file);
    }

    private static Plot RatioPlot(IReadOnlyList<Measure> measures)
    {
        var plot = new Plot();
        plot.Title("Throughput, ours / reference (black mark: issue 18 target; grey line: as fast)");
        var parity = plot.Add.VerticalLine(1.0);
        parity.Color = Colors.Gray;
        var bars = measures.Select((m, i) => new Bar
        {
            Position = Position(i, measures.Count),
            Value = m.Ratio!.Value,
            FillColor = m.Met ? MetColor : MissedColor,
        }).ToList();
        AddBars(plot, bars, measures, measures.Select(m => Inv($"{m.Ratio:0.00}× (target {m.Target})")), measures.Select(m => m.Target.Value));
        foreach (var (m, i) in measures.Select((m, i) => (m, i)))
        {
            var y = Position(i, measures.Count);
            var mark = plot.Add.Line(m.Target.Value, y - 0.45, m.Target.Value, y + 0.45);
            mark.LineWidth = 5;
            mark.Color = Colors.Black;
        }

        var top = measures.Select(m => Math.Max(m.Ratio!.Value, m.Target.Value)).DefaultIfEmpty(1).Max();
        plot.Axes.SetLimitsX(0, Math.Max(2.2, top * 1.6));
        plot.XLabel("ours / reference (×)");
        return plot;
    }

    private static Plot TargetPlot(IReadOnlyList<Measure> measures)
    {
        var plot = new Plot();
        plot.Title("No reference: ours as % of issue 18 target (dashed line)");
        var target = plot.Add.VerticalLine(100);
        target.Color = Colors.Black;
        target.LinePattern = LinePattern.Dashed;
        var bars = measures.Select((m, i) => new Bar
        {
            Position = Position(i, measures.Count),
            Value = 100 * m.Value / m.Target.Value,
            FillColor = m.Met ? MetColor : MissedColor,
        }).ToList();
        AddBars(plot, bars, measures, measures.Select(m => Inv($"{100 * m.Value / m.Target.Value:0} %: {ReportMarkdown.Figure(m.Value, m.Unit)} (target {m.Target} {m.Unit})")), measures.Select(_ => 100.0));
        var top = bars.Select(b => b.Value).DefaultIfEmpty(100).Max();
        plot.Axes.SetLimitsX(0, Math.Max(150, top * 1.75));
        plot.XLabel("% of target");
        return plot;
    }

    /// <summary>Horizontal bars named on the left, each with its text right of the bar and of its target mark.</summary>
    private static void AddBars(Plot plot, List<Bar> bars, IReadOnlyList<Measure> measures, IEnumerable<string> texts, IEnumerable<double> marks)
    {
        var bar = plot.Add.Bars(bars);
        bar.Horizontal = true;
        foreach (var (b, text, mark) in bars.Zip(texts, marks))
        {
            var label = plot.Add.Text(text, Math.Max(b.Value, mark), b.Position);
            label.LabelAlignment = Alignment.MiddleLeft;
            label.LabelOffsetX = 8;
            label.LabelFontSize = 13;
        }

        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. measures.Select((_, i) => Position(i, measures.Count))], [.. measures.Select(m => m.Label)]);
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Axes.SetLimitsY(-0.7, Math.Max(measures.Count, 1) - 0.3);
        plot.Grid.YAxisStyle.MajorLineStyle.Width = 0;
    }

    /// <summary>The first measure on top.</summary>
    private static double Position(int index, int count) => count - 1 - index;

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
