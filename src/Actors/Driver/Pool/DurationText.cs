namespace ActorParallel.Driver;

/// <summary>Durations in the pool's messages and log lines.</summary>
internal static class DurationText
{
    /// <summary>A duration as a person reads it: <c>1.5 s</c>, <c>300 ms</c>, <c>250 µs</c>, <c>100 ns</c> (a deadline may be a single tick).</summary>
    public static string Of(TimeSpan duration) => duration.TotalSeconds switch
    {
        >= 1 => $"{duration.TotalSeconds:0.###} s",
        >= 0.001 => $"{duration.TotalMilliseconds:0.###} ms",
        >= 0.000_001 => $"{duration.TotalMicroseconds:0.###} µs",
        _ => $"{duration.Ticks * 100} ns",
    };
}
