using ActorParallel.Configuration;

namespace ActorParallel;

/// <summary>
/// How a pool's Akka.Streams flow (<see cref="PoolFlowExtensions.AsFlow{TIn,TOut}(Pool,Func{TIn,TOut},PoolFlowOptions?)"/>)
/// batches its elements and how far it may run ahead of its downstream.
/// </summary>
public sealed class PoolFlowOptions
{
    /// <summary>The default of <see cref="ChunkSize"/>: 256 items.</summary>
    public const int DefaultChunkSize = 256;

    /// <summary>The default number of chunks in flight per worker process, which sets <see cref="MaxItemsInFlight"/>'s default: 16.</summary>
    public const int DefaultChunksInFlightPerProcess = 16;

    /// <summary>
    /// The most elements sent to a worker in one message (a chunk, as <c>MapAsync</c>'s <c>chunkSize</c>).
    /// The flow does not wait to fill a chunk: it sends what it has as soon as fewer chunks than the
    /// pool has processes are running (so that no worker idles for lack of input), when its upstream
    /// completes, and when it may not pull more; otherwise it fills the chunk. A slow upstream thus
    /// costs no latency and a fast one gets full chunks. 1 sends every element on its own.
    /// </summary>
    /// <value>The default value is 256 (<see cref="DefaultChunkSize"/>).</value>
    public int ChunkSize { get; set; } = DefaultChunkSize;

    /// <summary>
    /// The most elements the flow holds at once: pulled from upstream and not yet pushed downstream
    /// (waiting to fill a chunk, running in a worker, or finished and waiting for demand). The flow
    /// pulls only while it holds fewer, so a slow downstream stops the pool from running ahead: this
    /// is its back-pressure bound (as <c>SelectAsync</c>'s <c>parallelism</c>).
    /// </summary>
    /// <value>The default value is <see langword="null"/>: <see cref="DefaultChunksInFlightPerProcess"/> (16) chunks per
    /// worker process, <c>16 × <see cref="ChunkSize"/> × <see cref="Pool.Processes"/></c> (8,192 elements for a pool of 2 with the
    /// default chunk size): enough to cover a chunk's round trip to a worker and back, which fewer (4 a process) did not
    /// at 100,000 small elements (see the pool_flow benchmark).</value>
    public int? MaxItemsInFlight { get; set; }

    /// <summary>The flow's deadline per element and retry policy, as a map's (see <see cref="ActorParallel.ItemOptions"/>).</summary>
    /// <value>The default value is <see langword="null"/>: the pool's <see cref="PoolOptions.ItemTimeout"/> and <see cref="PoolOptions.ItemRetry"/>.</value>
    public ItemOptions? ItemOptions { get; set; }

    /// <summary>A copy, validated, with <see cref="MaxItemsInFlight"/> set for a pool of <paramref name="processes"/>.</summary>
    internal PoolFlowOptions Validated(int processes)
    {
        var problems = new OptionProblems(nameof(PoolFlowOptions));
        if (ChunkSize < 1)
        {
            problems.Add(nameof(ChunkSize), $"{nameof(ChunkSize)} must be at least 1 (was {ChunkSize}).");
        }
        if (MaxItemsInFlight < 1)
        {
            problems.Add(nameof(MaxItemsInFlight), $"{nameof(MaxItemsInFlight)} must be at least 1 or null (was {MaxItemsInFlight}).");
        }
        problems.ThrowIfAny();
        var copy = (PoolFlowOptions)MemberwiseClone();
        copy.MaxItemsInFlight ??= (int)Math.Min(int.MaxValue, (long)DefaultChunksInFlightPerProcess * ChunkSize * Math.Max(1, processes));
        return copy;
    }
}
