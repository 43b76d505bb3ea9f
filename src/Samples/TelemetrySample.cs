using System.Diagnostics;
using System.Globalization;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ActorParallel.Samples;

/// <summary>
/// ActorParallel's metrics and traces through the OpenTelemetry SDK, wired as an application would
/// (with an in-memory exporter standing in for OTLP or Prometheus): a map of 1,000 items on a pool of
/// two inside a span of the application's own, then one line per instrument seen
/// (<c>metric &lt;name&gt; &lt;value&gt;</c>; a histogram's value is its count) and one per span name
/// (<c>span &lt;name&gt; &lt;count&gt;</c>), the chunk spans timed in the worker processes among them.
/// </summary>
internal static class TelemetrySample
{
    private static readonly ActivitySource Application = new("ActorParallel.Samples");

    public static async Task RunAsync()
    {
        var metrics = new List<Metric>();
        var spans = new List<Activity>();
        using var meterProvider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(ActorParallelTelemetry.MeterName)
            .AddInMemoryExporter(metrics)
            .Build();
        using var tracerProvider = Sdk.CreateTracerProviderBuilder()
            .AddSource(ActorParallelTelemetry.ActivitySourceName, Application.Name)
            .AddInMemoryExporter(spans)
            .Build();

        using (Application.StartActivity("telemetry-sample"))
        {
            await using var pool = new Pool(processes: 2);
            var squares = await pool.MapAsync(x => (long)x * x, Enumerable.Range(0, 1_000));
            Console.WriteLine($"sum={squares.Sum()}");
        }
        meterProvider.ForceFlush();

        foreach (var metric in metrics.GroupBy(m => m.Name).Select(g => g.Last()).OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            Console.WriteLine($"metric {metric.Name} {Value(metric).ToString(CultureInfo.InvariantCulture)}");
        }
        foreach (var kind in spans.GroupBy(span => span.DisplayName).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"span {kind.Key} {kind.Count()}");
        }
    }

    /// <summary>The metric's total over all its tag combinations: a sum, or a histogram's count of recordings.</summary>
    private static double Value(Metric metric)
    {
        double total = 0;
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            total += metric.MetricType switch
            {
                MetricType.Histogram => point.GetHistogramCount(),
                MetricType.LongSum or MetricType.LongSumNonMonotonic => point.GetSumLong(),
                MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic => point.GetSumDouble(),
                MetricType.LongGauge => point.GetGaugeLastValueLong(),
                _ => point.GetGaugeLastValueDouble(),
            };
        }
        return total;
    }
}
