using System.Threading.Channels;
using ActorParallel.Protocol;
using ActorParallel.Serialization;
using ActorParallel.Workers;
using Akka.Actor;

namespace ActorParallel.Tests.Worker.Pool;

/// <summary>A worker's compute thread in this process: its replies are collected instead of sent.</summary>
public sealed class ChunkExecutorTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task RunChunks_FirstChunkOfABatchThrows_ItFailsAloneAndTheBatchsOtherChunksStillRun()
    {
        // The second chunk fails too, on its second item: its failure shows it ran (and no results are
        // flushed, which would involve this test process's shared-state node).
        var replies = Channel.CreateUnbounded<object>();
        using var executor = new ChunkExecutor((message, _) => replies.Writer.TryWrite(message), maxPayloadBytes: 1 << 20, sendCopies: false);
        var function = ValueCodec.Encode(new Func<int, int>(TenTimesExceptZero), "the test function");

        executor.TryAccept(new RunChunks(1, function, [Chunk(0, [0]), Chunk(1, [5, 0])]), ActorRefs.Nobody);

        var first = Assert.IsType<ChunkFailed>(await replies.Reader.ReadAsync().AsTask().WaitAsync(Wait));
        var second = Assert.IsType<ChunkFailed>(await replies.Reader.ReadAsync().AsTask().WaitAsync(Wait));
        Assert.Equal((0, 0), (first.Seq, first.ItemIndex));
        Assert.Equal((1, 1), (second.Seq, second.ItemIndex));
        Assert.Contains("zero", second.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunChunks_TracedBatchWhoseChunksThrow_EachFailureCarriesItsSpanTimedHere()
    {
        var replies = Channel.CreateUnbounded<object>();
        using var executor = new ChunkExecutor((message, _) => replies.Writer.TryWrite(message), maxPayloadBytes: 1 << 20, sendCopies: false);
        var function = ValueCodec.Encode(new Func<int, int>(TenTimesExceptZero), "the test function");
        const string parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var before = DateTime.UtcNow;

        executor.TryAccept(new RunChunks(1, function, [Chunk(0, [0]), Chunk(1, [5, 0])], Traces: [new ChunkTrace(ChunkTrace.EveryChunk, parent)]), ActorRefs.Nobody);

        var first = Assert.IsType<ChunkFailed>(await replies.Reader.ReadAsync().AsTask().WaitAsync(Wait));
        var second = Assert.IsType<ChunkFailed>(await replies.Reader.ReadAsync().AsTask().WaitAsync(Wait));
        Assert.Equal((0, 1), (first.Span?.Seq, second.Span?.Seq));
        Assert.All(new[] { first.Span!, second.Span! }, span =>
        {
            Assert.True(span.Failed);
            Assert.NotEqual(0, span.SpanId);
            Assert.InRange(new DateTime(span.StartTicks, DateTimeKind.Utc), before, DateTime.UtcNow);
            Assert.True(span.DurationTicks >= 0);
        });
        Assert.NotEqual(first.Span!.SpanId, second.Span!.SpanId);
    }

    private static ChunkPayload Chunk(int seq, int[] items) => new(seq, 0, items.Length, ChunkCodec.EncodeItems(items, "the test items"));

    private static int TenTimesExceptZero(int x) => x == 0 ? throw new InvalidOperationException("zero") : x * 10;
}
