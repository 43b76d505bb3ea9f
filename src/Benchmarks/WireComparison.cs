using System.Diagnostics;
using ActorParallel.Protocol;
using Akka.Actor;
using Akka.Serialization;

namespace ActorParallel.Benchmarks;

/// <summary>
/// <c>--wire</c>: ActorParallel's binary serializer against Akka's default (Newtonsoft JSON) on the
/// pool's hot message, a batch of chunks, at the sizes the benchmarks produce.
/// </summary>
internal static class WireComparison
{
    /// <summary>The same data as a plain record, as a naive design would send it through Akka's default serializer.</summary>
    public sealed record JsonChunks(long MapId, int[][] Chunks);

    public static void Run()
    {
        using var system = ActorSystem.Create("wire", ParallelRuntime.AkkaConfiguration);
        var json = new NewtonSoftJsonSerializer((ExtendedActorSystem)system);
        Console.WriteLine("| message | serializer | bytes | round trip (µs) |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var (label, chunks, itemsPerChunk) in new[] { ("1 chunk × 1 item", 1, 1), ("256 chunks × 1 item", 256, 1), ("1 chunk × 1,000 items", 1, 1000), ("1 chunk × 125,000 items", 1, 125_000) })
        {
            var data = Enumerable.Range(0, chunks).Select(c => Enumerable.Range(c * itemsPerChunk, itemsPerChunk).ToArray()).ToArray();
            var ours = new RunChunks(1, null, [.. data.Select((items, seq) => new ChunkPayload(seq, 0, items.Length, ChunkCodec.EncodeItems(items, "items")))]);
            var oursSerializer = system.Serialization.FindSerializerFor(ours);
            var plain = new JsonChunks(1, data);
            Report(label, "ActorParallel wire", oursSerializer, ours, () =>
            {
                var back = (RunChunks)oursSerializer.FromBinary(oursSerializer.ToBinary(ours), typeof(RunChunks));
                return back.Chunks.Sum(c => ChunkCodec.DecodeItems<int>(c.Items).Length);
            });
            Report(label, "Akka default JSON", json, plain, () =>
            {
                var back = (JsonChunks)json.FromBinary(json.ToBinary(plain), typeof(JsonChunks));
                return back.Chunks.Sum(c => c.Length);
            });
        }
    }

    private static void Report(string label, string name, Serializer serializer, object message, Func<int> roundTrip)
    {
        var bytes = serializer.ToBinary(message).Length;
        var expected = roundTrip();
        var iterations = Math.Max(20, 2_000_000 / Math.Max(bytes, 1));
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            if (roundTrip() != expected)
            {
                throw new InvalidOperationException($"{name} lost items.");
            }
        }
        var micros = watch.Elapsed.TotalMicroseconds / iterations;
        Console.WriteLine($"| {label} | {name} | {bytes:N0} | {micros:0.0} |");
    }
}
