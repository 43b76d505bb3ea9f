using System.Globalization;
using System.Net;
using System.Text;

namespace ActorParallel.Benchmarks;

/// <summary>
/// The side-by-side ratios as an SVG bar chart: one bar per workload on a logarithmic axis, the
/// CPython line at 1×, and each workload's target marked.
/// </summary>
internal static class Chart
{
    private const double MinRatio = 0.05, MaxRatio = 200;
    private const int Left = 190, Width = 520, RowHeight = 30, Top = 72;

    public static string Render(IReadOnlyList<(string Workload, double Ratio)> rows, string subtitle)
    {
        var height = Top + (rows.Count * RowHeight) + 40;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Left + Width + 90}" height="{height}" font-family="sans-serif" font-size="12">""").AppendLine();
        svg.AppendLine("""<rect width="100%" height="100%" fill="white"/>""");
        svg.AppendLine("""<text x="10" y="20" font-size="15" font-weight="bold">ActorParallel vs CPython multiprocessing (higher is better for ActorParallel)</text>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="10" y="38" fill="#555">{WebUtility.HtmlEncode(subtitle)}</text>""").AppendLine();
        foreach (var tick in new[] { 0.1, 0.3, 1, 3, 10, 30, 100 })
        {
            var x = X(tick);
            svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{x:0.0}" y1="{Top - 6}" x2="{x:0.0}" y2="{height - 34}" stroke="{(tick == 1 ? "#222" : "#ddd")}" stroke-width="{(tick == 1 ? 1.5 : 1)}"/>""").AppendLine();
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{x:0.0}" y="{height - 20}" text-anchor="middle" fill="#555">{tick.ToString("0.#", CultureInfo.InvariantCulture)}×</text>""").AppendLine();
        }
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{X(1):0.0}" y="{height - 6}" text-anchor="middle" fill="#222">CPython = 1×</text>""").AppendLine();
        for (var i = 0; i < rows.Count; i++)
        {
            var (workload, ratio) = rows[i];
            var y = Top + (i * RowHeight);
            var target = Targets.For(workload);
            var met = target is null || ratio >= target;
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left - 8}" y="{y + 17}" text-anchor="end">{WebUtility.HtmlEncode(workload)}</text>""").AppendLine();
            if (double.IsFinite(ratio) && ratio > 0)
            {
                var (from, to) = (X(Math.Min(ratio, 1)), X(Math.Max(ratio, 1)));
                svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{from:0.0}" y="{y + 5}" width="{Math.Max(to - from, 1):0.0}" height="18" fill="{(ratio >= 1 ? "#2e7d32" : "#c62828")}" opacity="0.85"/>""").AppendLine();
                svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left + Width + 8}" y="{y + 17}">{ratio.ToString(ratio >= 10 ? "0" : "0.00", CultureInfo.InvariantCulture)}×{(met ? "" : " (target not met)")}</text>""").AppendLine();
            }
            if (target is { } t)
            {
                svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{X(t):0.0}" y1="{y + 2}" x2="{X(t):0.0}" y2="{y + 26}" stroke="#1565c0" stroke-width="3"><title>target {t}×</title></line>""").AppendLine();
            }
        }
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left}" y="{Top - 14}" fill="#1565c0">| target</text>""").AppendLine();
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static double X(double ratio)
    {
        var clamped = Math.Clamp(ratio, MinRatio, MaxRatio);
        return Left + ((Math.Log10(clamped) - Math.Log10(MinRatio)) / (Math.Log10(MaxRatio) - Math.Log10(MinRatio)) * Width);
    }
}
