using ActorParallel.Serialization;
using System.Diagnostics;
using System.Collections.Immutable;
using System.Threading.Channels;
using ActorParallel.Protocol;
using Akka.Actor;

namespace ActorParallel.Driver;

/// <summary>A chunk of a map between the feeder and a result: its place in the input and its encoded items.</summary>
internal sealed class PendingChunk(int seq, int offset, int count, Encoded items)
{
    public int Seq { get; } = seq;

    public int Offset { get; } = offset;

    public int Count { get; } = count;

    public Encoded Items { get; } = items;

    /// <summary>One call of the pool's stream of <c>ApplyAsync</c> calls (see <see cref="ApplyStream"/>), not items of a map.</summary>
    public bool IsApplyCall { get; init; }

    /// <summary>What the chunk holds, for log lines: <c>items 5..9</c>, or <c>ApplyAsync call 12</c>.</summary>
    public string Describe() => IsApplyCall ? $"ApplyAsync call {Seq}" : $"items {Offset}..{Offset + Count - 1}";

    /// <summary>The W3C trace context of its own caller (an <c>ApplyAsync</c> call of the pool's stream); <see langword="null"/> for its map's.</summary>
    public string? TraceParent { get; init; }

    /// <summary>When it was last sent to a worker, in the router's dispatch order.</summary>
    public long DispatchOrder { get; set; }

    /// <summary>
    /// Was on a worker that died while holding other chunks too, so it may be the cause: it runs
    /// again alone on a worker, where a death can be blamed on it for certain.
    /// </summary>
    public bool Suspect { get; set; }

    /// <summary>How many times a worker died while it held this chunk alone.</summary>
    public int Losses { get; set; }

    /// <summary>Result segments received so far (results of a large chunk may arrive in several).</summary>
    public List<ChunkPayload>? Segments { get; set; }

    public int ItemsReceived { get; set; }
}

/// <summary>
/// A finished chunk, handed from the router to the map's consumer; for an ordered map, a chunk that
/// failed carries its <paramref name="Error"/>, which the consumer throws when it reaches that place.
/// </summary>
internal sealed record ChunkDone(int Seq, int Offset, int Count, ImmutableArray<ChunkPayload> Segments, Exception? Error = null)
{
    /// <summary>
    /// For a failure of the function (or its deadline) in a map whose chunks fail alone
    /// (<see cref="MapJob.ChunksFailAlone"/>): the chunk, with its encoded items, for the caller to run
    /// again if its retry policy says so. <see langword="null"/> for a failure that is final (its worker died too often).
    /// </summary>
    public PendingChunk? Retryable { get; init; }
}

/// <summary>
/// One map in flight. The caller's feeder writes encoded chunks into <see cref="Input"/> (bounded, so
/// input is read only as fast as chunks are dispatched); the router reads them, dispatches them and
/// writes finished chunks to <see cref="Output"/> for the caller's consumer. Fields marked
/// "router only" are touched only on the router's thread.
/// </summary>
internal sealed class MapJob
{
    private static long s_lastId;
    private int _starved;
    private ActivityContext? _traceContext;

    /// <param name="id">The map's id, unique in this process.</param>
    /// <param name="function">The encoded function.</param>
    /// <param name="chunkSize">Items per chunk, which bounds the window.</param>
    /// <param name="inputCapacity">How many chunks the input holds before the feeder waits; <see langword="null"/> for no bound (many writers).</param>
    /// <param name="ordered">Whether results are consumed in input order.</param>
    public MapJob(long id, byte[] function, int chunkSize, int? inputCapacity, bool ordered)
    {
        Id = id;
        Ordered = ordered;
        Function = function;
        MaxWindow = MaxWindowFor(chunkSize);
        Input = inputCapacity is { } capacity
            ? Channel.CreateBounded<PendingChunk>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true })
            : Channel.CreateUnbounded<PendingChunk>(new UnboundedChannelOptions { SingleReader = true });
        Output = Channel.CreateUnbounded<ChunkDone>(new UnboundedChannelOptions { SingleReader = true });
    }

    public long Id { get; }

    /// <summary>
    /// Results are consumed in input order (<c>IMap</c>): a failed chunk ends the map only where it
    /// stands, after every result before it, as Python's <c>imap</c> raises at the failing position.
    /// An unordered map fails at once.
    /// </summary>
    public bool Ordered { get; }

    /// <summary>Router only: the first chunk of an ordered map that failed; nothing after it is dispatched any more.</summary>
    public int? FailedSeq { get; set; }

    /// <summary>A single call (<c>ApplyAsync</c>), not a map: its errors speak of the call, not of items and chunks.</summary>
    public bool IsApply { get; init; }

    /// <summary>
    /// A failed chunk does not end the map: its failure goes to the caller as that chunk's outcome (the
    /// caller retries it, or fails one call of many), and the other chunks go on. Set for calls with a
    /// retry policy and for the pool's stream of <c>ApplyAsync</c> calls.
    /// </summary>
    public bool ChunksFailAlone { get; init; }

    /// <summary>How long one item may run in its worker before the worker is killed; <see langword="null"/> for no limit.</summary>
    public TimeSpan? ItemTimeout { get; init; }

    /// <summary>The largest a result may encode to (<see cref="PoolOptions.MaxValueBytes"/>), told to the workers with each batch.</summary>
    public long? MaxValueBytes { get; init; }
    /// <summary>A failed chunk of another call run again as its retry policy said (<see cref="ChunkRetry"/>).</summary>
    public bool IsRetry { get; init; }

    /// <summary>
    /// Its caller has a retry policy (<see cref="ChunkRetry"/>): a failure it may run again is counted as
    /// failed only when its retries end (<see cref="RetriesEnded"/>), so the counters count what callers get.
    /// </summary>
    public bool HasRetryPolicy { get; init; }

    /// <summary>The W3C trace context (<c>traceparent</c>) of the map's span, the parent of its chunks' spans; <see langword="null"/> when nobody traces it.</summary>
    public string? TraceParent { get; init; }

    /// <summary>Router only: <see cref="TraceParent"/> parsed once, for the chunks' spans.</summary>
    public ActivityContext? TraceContext => _traceContext ??= ActivityContext.TryParse(TraceParent, null, isRemote: false, out var context) ? context : null;

    /// <summary>Where a failure of the function on an item (its index in the input) happened, for the caller's error.</summary>
    public string DescribeItem(int index) => IsApply ? "The apply call" : $"Item {index} of the map";

    /// <summary>Where a failure of a whole chunk (its function could not be set up) happened, for the caller's error.</summary>
    public string DescribeChunk(int seq) => IsApply ? "The apply call" : $"Chunk {seq} of the map";

    public static long NextId() => Interlocked.Increment(ref s_lastId);

    /// <summary>At most about 64 Ki items, and between 2 and 1,024 chunks, in flight per worker.</summary>
    public static int MaxWindowFor(int chunkSize) => Math.Clamp(65_536 / Math.Max(1, chunkSize), 2, 1024);

    public byte[] Function { get; }

    /// <summary>The most chunks of this map one worker holds at once.</summary>
    public int MaxWindow { get; }

    public Channel<PendingChunk> Input { get; }

    /// <summary>Finished chunks; completed when the map ends, with its exception if it failed.</summary>
    public Channel<ChunkDone> Output { get; }

    /// <summary>Router only: chunks whose worker died, dispatched again before new ones.</summary>
    public Queue<PendingChunk> Retry { get; } = new();

    /// <summary>Router only: chunks dispatched and not yet finished.</summary>
    public int InFlight { get; set; }

    /// <summary>Router only: chunks whose caller gave up on them alone (an <c>ApplyAsync</c> call cancelled); they are not dispatched.</summary>
    public HashSet<int> Cancelled { get; } = [];

    /// <summary>Router only: sequence numbers already finished (a retried chunk may finish twice).</summary>
    public HashSet<int> Finished { get; } = [];

    /// <summary>
    /// A long-lived map that never ends by itself (the pool's stream of <c>ApplyAsync</c> calls): it keeps
    /// no record of the chunks finished, which would grow with every call. A chunk finishes once anyway:
    /// results are taken only from the worker that holds it.
    /// </summary>
    public bool IsStream { get; init; }

    /// <summary>Router only: records that <paramref name="seq"/> finished; <see langword="false"/> if it had already.</summary>
    public bool MarkFinished(int seq) => IsStream || Finished.Add(seq);

    /// <summary>Router only: whether <paramref name="seq"/> is known to have finished.</summary>
    public bool HasFinished(int seq) => !IsStream && Finished.Contains(seq);

    /// <summary>Router only: smoothed compute time of one chunk in microseconds; 0 until measured.</summary>
    public double MicrosPerChunk { get; set; }

    /// <summary>Router only: how many chunks a worker may hold now, grown as chunks prove cheap.</summary>
    public int Window => MicrosPerChunk <= 0
        ? 2
        : Math.Clamp((int)Math.Ceiling(2_000 / Math.Max(MicrosPerChunk, 0.5)), 2, MaxWindow);

    /// <summary>Called by the router when it found no input: the feeder's next chunk wakes it.</summary>
    public void MarkStarved() => Volatile.Write(ref _starved, 1);

    /// <summary>Called by the feeder after writing: tells the router if it was waiting for input.</summary>
    public void WakeRouterIfStarved(IActorRef router)
    {
        if (Interlocked.Exchange(ref _starved, 0) == 1)
        {
            router.Tell(new MapInputReady(Id));
        }
    }

    public override string ToString() =>
        $"in flight {InFlight}, retry {Retry.Count}, finished {Finished.Count}, input {(Input.Reader.CanCount ? Input.Reader.Count : -1)} completed {Input.Reader.Completion.IsCompleted}, starved {Volatile.Read(ref _starved)}, window {Window}";

    /// <summary>Ends the map with an error, from any thread; the first ending wins.</summary>
    public void Fail(Exception error) => Output.Writer.TryComplete(error);
}
