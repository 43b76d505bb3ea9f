using System.Diagnostics;

namespace ActorParallel.Benchmarks;

/// <summary>
/// mp_bench.py's data-heavy pool workloads: many 1 MiB items to the workers or back, and one 256 MiB
/// item there and back (<c>pool.apply(make_bytes, (pool.apply(byte_count, (blob,)),))</c>).
/// </summary>
internal static class LargeValues
{
    public static int ByteCount(byte[] blob) => blob.Length;

    public static byte[] MakeBytes(int size) => new byte[size];

    public static async Task<Row> BytesToWorkers(int processes, int n, int size)
    {
        var blob = new byte[size];
        await using var pool = new Pool(processes);
        await pool.MapAsync(Workloads.Square, Enumerable.Range(0, processes));
        var items = Enumerable.Repeat(blob, n).ToArray();
        var watch = Stopwatch.StartNew();
        var sizes = await pool.MapAsync(ByteCount, items, chunkSize: 1);
        var elapsed = watch.Elapsed;
        Workloads.Check(sizes.Length == n && sizes.All(s => s == size), "bytes_to_workers results");
        return Row.Of("bytes_to_workers", n, elapsed, ("processes", processes), ("item_bytes", size));
    }

    public static async Task<Row> BytesFromWorkers(int processes, int n, int size)
    {
        await using var pool = new Pool(processes);
        await pool.MapAsync(Workloads.Square, Enumerable.Range(0, processes));
        var sizes = Enumerable.Repeat(size, n).ToArray();
        var watch = Stopwatch.StartNew();
        var blobs = await pool.MapAsync(MakeBytes, sizes, chunkSize: 1);
        var elapsed = watch.Elapsed;
        Workloads.Check(blobs.Length == n && blobs.All(b => b.Length == size), "bytes_from_workers results");
        return Row.Of("bytes_from_workers", n, elapsed, ("processes", processes), ("item_bytes", size));
    }

    public static async Task<Row> LargeItem(int processes, int size)
    {
        var blob = new byte[size];
        await using var pool = new Pool(processes);
        await pool.MapAsync(Workloads.Square, Enumerable.Range(0, processes));
        var watch = Stopwatch.StartNew();
        var count = await pool.ApplyAsync(CountOf(blob));
        var back = await pool.ApplyAsync(MakeOf(count));
        var elapsed = watch.Elapsed;
        Workloads.Check(back.Length == size, "large_item result");
        return Row.Of("large_item", 2.0 * size / (1 << 20), elapsed, ("processes", processes), ("item_bytes", size));
    }

    /// <summary>
    /// The call that counts <paramref name="blob"/>, capturing it alone. (Two lambdas of one method share
    /// one closure: written inline, the second call captured the blob too and sent it a second time.)
    /// </summary>
    public static Func<int> CountOf(byte[] blob) => () => ByteCount(blob);

    /// <summary>The call that makes <paramref name="count"/> bytes, capturing the count alone.</summary>
    public static Func<byte[]> MakeOf(int count) => () => MakeBytes(count);
}
