using System.Diagnostics;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorParallel.Benchmarks;

/// <summary>
/// pool_flow: the same small items (squares of ints) through <c>Source.From(items).Via(pool.AsFlow(f))</c>
/// with its default options, beside <c>pool.MapAsync</c> on the same pool in the same run, taking
/// turns; the median of each counts. The report's ratio is against the floor of any flow rather than
/// MapAsync (given in the row too): the same stream with the
/// function run in this process (Akka.Streams handles each element on its own, where MapAsync hands
/// the pool whole arrays). No CPython counterpart (multiprocessing has no streams).
/// </summary>
internal static class PoolFlow
{
    public const string Name = "pool_flow";
    private const int Rounds = 5;

    public static async Task<Row> MeasureAsync(int processes, double scale)
    {
        var n = (int)(100_000 * scale);
        var input = Enumerable.Range(0, n).ToArray();
        var expected = input.Sum(x => (long)x * x);
        using var system = ActorSystem.Create("pool-flow-bench", "akka.actor.provider = local\nakka.loglevel = WARNING");
        var materializer = system.Materializer();
        await using var pool = new Pool(processes);
        await pool.MapAsync(Workloads.Square, Enumerable.Range(0, 1000));
        var flow = pool.AsFlow<int, long>(Workloads.SquareLong);
        var flowTimes = new List<TimeSpan>();
        var mapTimes = new List<TimeSpan>();
        var inProcessTimes = new List<TimeSpan>();
        for (var round = 0; round < Rounds; round++)
        {
            // The floor: the same stream with the function run in this process, one element at a time through Akka.Streams' interpreter.
            var watch = Stopwatch.StartNew();
            var local = await Source.From(input).Select(Workloads.SquareLong).RunAggregate(0L, (sum, x) => sum + x, materializer);
            inProcessTimes.Add(watch.Elapsed);
            Check(local == expected, "pool_flow's in-process stream results");
            watch.Restart();
            var streamed = await Source.From(input).Via(flow).RunAggregate(0L, (sum, x) => sum + x, materializer);
            flowTimes.Add(watch.Elapsed);
            Check(streamed == expected, "pool_flow results");
            watch.Restart();
            var mapped = await pool.MapAsync(Workloads.SquareLong, input);
            mapTimes.Add(watch.Elapsed);
            Check(mapped.Sum() == expected, "pool_flow's MapAsync results");
        }
        var flowTime = Median(flowTimes);
        var mapTime = Median(mapTimes);
        await system.Terminate();
        return Row.Of(Name, n, flowTime,
            ("processes", processes),
            ("rounds", Rounds),
            ("flow_seconds_min", Math.Round(flowTimes.Min().TotalSeconds, 6)),
            ("flow_seconds_max", Math.Round(flowTimes.Max().TotalSeconds, 6)),
            ("map_async_seconds", Math.Round(mapTime.TotalSeconds, 6)),
            ("map_async_seconds_min", Math.Round(mapTimes.Min().TotalSeconds, 6)),
            ("map_async_seconds_max", Math.Round(mapTimes.Max().TotalSeconds, 6)),
            ("map_async_per_second", Math.Round(n / mapTime.TotalSeconds)),
            ("vs_map_async", Math.Round(mapTime / flowTime, 3)),
            ("in_process_stream_seconds", Math.Round(Median(inProcessTimes).TotalSeconds, 6)),
            ("vs_in_process_stream", Math.Round(Median(inProcessTimes) / flowTime, 3)));
    }

    private static TimeSpan Median(List<TimeSpan> times) => times.Order().ElementAt(times.Count / 2);

    private static void Check(bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidOperationException($"Wrong {what}.");
        }
    }
}
