using System.Collections.Immutable;
using ActorParallel.Serialization;

namespace ActorParallel.Protocol;

/// <summary>One chunk of a map as it travels: its sequence number in the map and its encoded items.</summary>
/// <param name="Seq">The chunk's sequence number in its map.</param>
/// <param name="ItemOffset">Where these items start inside the chunk (results may come in several segments).</param>
/// <param name="ItemCount">How many items <paramref name="Items"/> holds.</param>
/// <param name="Items">The encoded items or results, with their large arrays out of band.</param>
internal sealed record ChunkPayload(int Seq, int ItemOffset, int ItemCount, Encoded Items);

/// <summary>
/// Router → pool worker: run these chunks of map <paramref name="MapId"/>. <paramref name="Function"/>
/// is the encoded function, sent only with the first batch of a map that this worker sees.
/// <paramref name="ItemTimeout"/> is the map's deadline per item: the worker tells the router
/// (<see cref="ItemOverdue"/>) the moment an item has run past it.
/// </summary>
/// <paramref name="MaxResultBytes"/> is the pool's cap on one result (<see cref="PoolOptions.MaxValueBytes"/>).
/// <paramref name="Traces"/> are the W3C trace contexts of the chunks whose caller is traced (none when nobody listens).
internal sealed record RunChunks(long MapId, byte[]? Function, ImmutableArray<ChunkPayload> Chunks, TimeSpan? ItemTimeout = null, long? MaxResultBytes = null, ImmutableArray<ChunkTrace> Traces = default) : IWireMessage;

/// <summary>
/// Chunk <paramref name="Seq"/> of a batch runs in a span whose parent is <paramref name="TraceParent"/>
/// (a W3C <c>traceparent</c>); with <see cref="EveryChunk"/> for a sequence number, every chunk of the
/// batch does (a traced map's batch carries its context once).
/// </summary>
internal sealed record ChunkTrace(int Seq, string TraceParent)
{
    public const int EveryChunk = -1;
}

/// <summary>
/// A traced chunk's span as its worker timed it, sent back with its results (or failure) for the driver
/// to record under the parent it gave the chunk: the worker has no exporter of its own.
/// </summary>
/// <param name="Seq">The chunk's sequence number in its map.</param>
/// <param name="SpanId">The span id it ran under in the worker (the 8 bytes of a W3C span id, big-endian).</param>
/// <param name="StartTicks">When it started in the worker, UTC ticks.</param>
/// <param name="DurationTicks">How long it ran, ticks.</param>
/// <param name="Failed">Whether the function threw on one of its items.</param>
internal sealed record ChunkSpan(int Seq, long SpanId, long StartTicks, long DurationTicks, bool Failed)
{
    public const string ActivityName = "actorparallel.chunk";
}

/// <summary>
/// Pool worker → router: item <paramref name="ItemIndex"/> of chunk <paramref name="Seq"/> has run for
/// <paramref name="ElapsedMicros"/>, past its map's deadline. Sent by the worker's watchdog thread while
/// the compute thread is still inside the item; the router kills the worker.
/// </summary>
internal sealed record ItemOverdue(long MapId, int Seq, int ItemIndex, long ElapsedMicros) : IWireMessage;

/// <summary>Pool worker → router: results of some chunks, and the compute time they took in microseconds.</summary>
internal sealed record ChunkResults(long MapId, ImmutableArray<ChunkPayload> Results, long ComputeMicros, ImmutableArray<ChunkSpan> Spans = default) : IWireMessage;

/// <summary>Pool worker → router: item <paramref name="ItemIndex"/> of chunk <paramref name="Seq"/> threw.</summary>
internal sealed record ChunkFailed(long MapId, int Seq, int ItemIndex, RemoteError Error, ChunkSpan? Span = null) : IWireMessage;

/// <summary>
/// Router → pool worker: drop queued chunks of this map; their results are no longer wanted. The worker
/// answers with the same message once nothing of the map is running on it any more (a chunk that was
/// running when it arrived has ended), so the router knows when the worker is free again.
/// </summary>
internal sealed record AbandonMap(long MapId) : IWireMessage;

/// <summary>
/// Router → pool worker: one chunk of a map that goes on is no longer wanted (an <c>ApplyAsync</c> call
/// was cancelled): if it has not started, it is skipped. The worker answers with the same message
/// when it skips it; a chunk that already ran or is running answers with its result as usual.
/// </summary>
internal sealed record AbandonChunk(long MapId, int Seq) : IWireMessage;

/// <summary>
/// Router → pool worker: another worker is idle while chunks wait on this one behind a long chunk, so
/// give back every chunk held here that has not started (Python's workers take a task only when they
/// are free, so none waits behind a slow one). The worker answers with <see cref="ChunksReclaimed"/>.
/// </summary>
internal sealed class ReclaimChunks : IWireMessage
{
    public static readonly ReclaimChunks Instance = new();

    private ReclaimChunks()
    {
    }
}

/// <summary>
/// Pool worker → router: the chunks (map id and sequence number, pairwise) that will not run here,
/// given back in answer to <see cref="ReclaimChunks"/>; empty when every chunk held had started.
/// </summary>
internal sealed record ChunksReclaimed(ImmutableArray<long> MapIds, ImmutableArray<int> Seqs) : IWireMessage;

/// <summary>
/// Driver → a worker that will serve a pool: start the compute thread and run a tiny chunk through
/// it (decode, call, encode, serialize), so that the code every map needs is compiled before the
/// first real chunk arrives rather than on its clock.
/// </summary>
internal sealed class PrepareToServe : IWireMessage
{
    public static readonly PrepareToServe Instance = new();

    private PrepareToServe()
    {
    }
}

/// <summary>
/// Router → a local pool worker: bind the compute thread to <paramref name="Cpu"/>. When a pool has
/// one worker per CPU, the kernel often woke two workers' compute threads on the same CPU (both are
/// woken by the driver's writes) and left them sharing it for tens of milliseconds while another
/// CPU idled; bound, each worker has a CPU of its own.
/// </summary>
internal sealed record PinComputeThread(int Cpu) : IWireMessage;

/// <summary>Router → pool worker: run the pool's initializer (an encoded call) before any chunk.</summary>
internal sealed record RunInitializer(byte[] Call) : IWireMessage;

/// <summary>Pool worker → router: the initializer threw; the pool cannot serve.</summary>
internal sealed record InitializerFailed(RemoteError Error) : IWireMessage;

/// <summary>
/// Router → pool worker: after each chunk whose results it sends, compare its resident memory with
/// <paramref name="Bytes"/> (<see cref="PoolOptions.MaxWorkerMemoryBytes"/>); above it, run nothing
/// more and say so with <see cref="MemoryOverBudget"/>.
/// </summary>
internal sealed record SetMemoryBudget(long Bytes) : IWireMessage;

/// <summary>
/// Pool worker → router: after sending every result it has, its resident memory is
/// <paramref name="ResidentBytes"/>, above the budget even after a full collection; it runs none of the
/// chunks it still holds, so they can run elsewhere, and waits to be told to exit.
/// </summary>
internal sealed record MemoryOverBudget(long ResidentBytes, long BudgetBytes) : IWireMessage;
