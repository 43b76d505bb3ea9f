using System.Diagnostics;

namespace ActorParallel.Benchmarks;

/// <summary>mp_bench.py's queue and pipe workloads, through <see cref="Manager"/> queues.</summary>
internal static class QueueWorkloads
{
    /// <summary>One producer process puts <paramref name="n"/> small ints on a queue, then an end marker; the parent gets them all (the producer's start included, as in mp_bench.py).</summary>
    public static async Task<Row> QueueThroughput(int n)
    {
        await using var manager = await Manager.StartAsync();
        var queue = manager.Queue<int?>();
        var watch = Stopwatch.StartNew();
        var producer = new WorkerProcess(Produce, queue, n);
        await producer.StartAsync();
        var got = 0;
        while (await queue.GetAsync() is not null)
        {
            got++;
        }
        await producer.JoinAsync();
        var elapsed = watch.Elapsed;
        Workloads.Check(got == n, "queue_throughput count");
        return Row.Of("queue_throughput", n, elapsed);
    }

    /// <summary>The parent sends a small int, a child process sends it back; <paramref name="n"/> round trips, timed once the child is up.</summary>
    public static async Task<Row> PipeRoundtrip(int n)
    {
        await using var manager = await Manager.StartAsync();
        var (parent, child) = manager.Pipe();
        var worker = new WorkerProcess(Echo, child);
        await worker.StartAsync();
        parent.Send(0);
        await parent.RecvAsync();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            parent.Send(i);
            Workloads.Check(await parent.RecvAsync<int>() == i, "pipe_roundtrip echo");
        }
        var elapsed = watch.Elapsed;
        parent.Send(null);
        await worker.JoinAsync();
        return Row.Of("pipe_roundtrip", n, elapsed);
    }

    private static async Task Echo(PipeConnection connection)
    {
        while (await connection.RecvAsync() is { } value)
        {
            connection.Send(value);
        }
    }

    private static void Produce(SharedQueue<int?> queue, int count)
    {
        for (var i = 0; i < count; i++)
        {
            queue.Put(i);
        }
        queue.Put(null);
    }
}
