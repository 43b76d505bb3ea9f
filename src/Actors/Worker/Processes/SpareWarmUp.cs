using ActorParallel.Protocol;
using ActorParallel.Serialization;

namespace ActorParallel.Workers;

/// <summary>
/// What a worker launched ahead of need (a spare, <see cref="ParallelRuntimeOptions.SpareProcesses"/>)
/// does while it waits to be adopted: it runs, once and on its own data, what a process target's first
/// moments run - a <see cref="RunTarget"/> through the link's codec, a call with a shared-memory
/// argument decoded (the block attached) and invoked, the block's lock taken - so that the target it
/// is given later does not pay for that code's first use (native calls bound, reflection's first
/// invoke). No user code runs: the process is as fresh as a cold start. Python's forkserver preloads
/// modules in its server for the same reason (<c>multiprocessing.set_forkserver_preload</c>).
/// </summary>
internal static class SpareWarmUp
{
    /// <summary>Runs the warm-up; a failure only means a colder start.</summary>
    /// <param name="report">
    /// Whether the driver logs debug records: then how it went is logged (otherwise nothing is, so
    /// that the logging assembly is not loaded for it).
    /// </param>
    public static void Run(bool report)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            using var probe = new SynchronizedArray<double>(1);
            var call = ShippedCall.Encode(Touch, [probe, 1.0]);
            var run = (RunTarget)DirectLink.RoundTrip(new RunTarget("warm-up", call));
            ShippedCall.Invoke(run.Call);
        }
        catch (Exception exception)
        {
            if (report)
            {
                WorkerLog.Debug("spare process warm-up failed (its first target starts colder): {Reason}", exception.ToString());
            }
            return;
        }
        if (report)
        {
            WorkerLog.Debug("spare process warmed up in {Milliseconds:F1} ms", System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private static void Touch(SynchronizedArray<double> probe, double value)
    {
        probe[0] = value;
        // The decoded handle maps the block a second time: unmapped now, as the probe is after.
        probe.Dispose();
    }
}
