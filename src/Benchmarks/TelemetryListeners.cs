using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ActorParallel.Benchmarks;

/// <summary>
/// <c>--telemetry</c>: the workloads run with a listener on every ActorParallel instrument and span
/// (as an application with the OpenTelemetry SDK has), to measure what recording costs; without the
/// flag nothing listens, as in an application that does not collect them.
/// </summary>
internal sealed class TelemetryListeners : IDisposable
{
    private readonly MeterListener _meters = new();
    private readonly ActivityListener? _spans;
    private long _measurements;
    private long _spansEnded;

    /// <param name="spans">Whether spans are listened to as well as instruments.</param>
    public TelemetryListeners(bool spans)
    {
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ActorParallelTelemetry.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref _measurements));
        _meters.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref _measurements));
        _meters.Start();
        if (!spans)
        {
            return;
        }
        _spans = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ActorParallelTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _ => Interlocked.Increment(ref _spansEnded),
        };
        ActivitySource.AddActivityListener(_spans);
    }

    public void Dispose()
    {
        _meters.Dispose();
        _spans?.Dispose();
        Console.Error.WriteLine($"telemetry: {Interlocked.Read(ref _measurements)} measurements, {Interlocked.Read(ref _spansEnded)} spans");
    }
}
