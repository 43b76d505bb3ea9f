using ActorParallel.Configuration;
using Polly.Retry;

namespace ActorParallel;

/// <summary>How a <see cref="Pool"/> runs, as the arguments of Python's <c>multiprocessing.Pool</c>.</summary>
public sealed class PoolOptions
{
    /// <summary>The number of worker processes.</summary>
    /// <value>The default value is <see cref="Environment.ProcessorCount"/>.</value>
    public int Processes { get; set; } = Environment.ProcessorCount;

    /// <summary>Runs once in each worker process before it takes work, as Python's <c>initializer</c>.</summary>
    /// <value>The default value is <see langword="null"/> (none).</value>
    public Delegate? Initializer { get; set; }

    /// <summary>The arguments of <see cref="Initializer"/>, as Python's <c>initargs</c>.</summary>
    /// <value>The default value is empty.</value>
    public object?[] InitializerArgs { get; set; } = [];

    /// <summary>
    /// How many chunks a worker process runs before it is replaced by a fresh one, as Python's
    /// <c>maxtasksperchild</c> (a chunk counts as one task). <see langword="null"/> keeps workers for the pool's life.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public int? MaxTasksPerChild { get; set; }

    /// <summary>
    /// How many times a chunk may be running alone on a worker process that dies before the map fails
    /// with <see cref="WorkerLostException"/>; until then it is dispatched again to another worker. A
    /// chunk that was among others on the dying worker is not counted: it runs again alone first, so
    /// that the death can be blamed on it for certain.
    /// </summary>
    /// <value>The default value is 3.</value>
    public int MaxChunkLosses { get; set; } = 3;

    /// <summary>
    /// How long a worker may go on running a chunk of a map that was cancelled (its token, or the
    /// caller leaving an <c>IMap</c> enumeration) before the pool kills that worker and starts a
    /// replacement. .NET cannot abort a thread, so a function that never returns would otherwise keep
    /// its worker for the pool's life; a chunk that ends within the period costs nothing. Chunks of
    /// other maps that the killed worker held run again elsewhere, and are not counted against them
    /// (<see cref="MaxChunkLosses"/>). <see cref="Timeout.InfiniteTimeSpan"/> never kills: the worker
    /// takes no work until the chunk ends. (Python's <c>multiprocessing</c> has no counterpart;
    /// <c>pebble</c>'s futures are cancelled by ending their process in the same way.)
    /// </summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan CancellationGracePeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long one item may run in its worker before the worker is killed and replaced and the item
    /// fails with <see cref="ItemTimeoutException"/> (or runs again, per <see cref="ItemRetry"/>); each
    /// call may set its own (<see cref="ItemOptions.Timeout"/>). The clock starts when the worker starts
    /// the item. Other items the killed worker held run again elsewhere, without blame.
    /// (<c>pebble</c>'s <c>ProcessPool.schedule(..., timeout=)</c> does the same; Python's <c>multiprocessing</c> has none.)
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no deadline.</value>
    public TimeSpan? ItemTimeout { get; set; }

    /// <summary>
    /// Runs a chunk again when the function throws on one of its items or an item runs past its
    /// deadline (<see cref="ItemTimeoutException"/>), as this Polly v8 retry strategy decides (how many
    /// times, which exceptions, the backoff); each call may set its own (<see cref="ItemOptions.Retry"/>).
    /// Polly's defaults apply to what is not set: <see cref="RetryStrategyOptions{TResult}.MaxRetryAttempts"/> 3,
    /// <see cref="RetryStrategyOptions{TResult}.Delay"/> 2 seconds (constant, no jitter), and
    /// <see cref="RetryStrategyOptions{TResult}.ShouldHandle"/> every exception except <see cref="OperationCanceledException"/>.
    /// (Python's <c>multiprocessing.Pool</c> and <c>pebble</c> have no retry; Ray's <c>max_retries</c> and
    /// <c>retry_exceptions</c> are the model.)
    /// </summary>
    /// <remarks>
    /// <para>
    /// <see cref="RetryStrategyOptions{TResult}.ShouldHandle"/> sees the exception the caller would get (the
    /// function's own type where it can be rebuilt, else <see cref="RemoteException"/>), and
    /// <see cref="RetryStrategyOptions{TResult}.OnRetry"/> runs in the caller's process before each retry, as
    /// usual. The strategy runs in a pipeline the pool builds for each call, so telemetry attached to
    /// a pipeline builder (Polly.Extensions' <c>ConfigureTelemetry</c>) does not reach it: count or log
    /// retries in <c>OnRetry</c>.
    /// </para>
    /// <para>
    /// A retry runs the failed item's whole chunk again (with a chunk size of 1, just the item), in any
    /// worker, with the function and items as first encoded, while the rest of the call goes on. Its
    /// results take the chunk's place: every item has exactly one result, and progress counts it once;
    /// side effects of the chunk's other items may happen twice. When the retries run out, or the
    /// strategy does not handle the error, the last error fails the call: <c>MapAsync</c> at once,
    /// <c>IMap</c> at the item's position, after every result before it. Its
    /// <see cref="RemoteException.ItemIndex"/> or <see cref="ItemTimeoutException.ItemIndex"/> is the
    /// item's index in the call's input, as on the first try. Cancelling the call (its token, leaving an
    /// <c>IMap</c> enumeration) cancels its pending retries too. Workers that die are not retried here
    /// but by <see cref="MaxChunkLosses"/>. A retry that comes due after <c>CloseAsync</c> is not run:
    /// the call fails with <see cref="InvalidOperationException"/>.
    /// </para>
    /// </remarks>
    /// <value>The default value is <see langword="null"/>: a failure fails the call.</value>
    public RetryStrategyOptions? ItemRetry { get; set; }

    /// <summary>
    /// A memory budget per worker process, in bytes of resident memory (RSS: what the worker holds in
    /// RAM, its runtime and code included - an idle worker holds ~35-40 MB). A worker above it after a
    /// chunk (checked as its results are sent, and again after a full garbage collection that gives
    /// spare heap back, so garbage alone never counts) is recycled before it runs another: it runs
    /// nothing more, a fresh process replaces it, and the chunks it still held run on other workers
    /// without counting against <see cref="MaxChunkLosses"/>. The pool logs it with the figures
    /// (<c>recycled: memory 812 MB above the 500 MB budget</c>). For code that leaks - a native
    /// library, a cache that only grows - as loky's workers restart above a memory leak threshold and
    /// Dask's nanny restarts a worker above its <c>memory_limit</c> (Python's <c>multiprocessing</c> has
    /// only <c>maxtasksperchild</c>). Applies to workers on Host nodes too. A worker the kernel's OOM
    /// killer ends before that is reported as such (<see cref="WorkerExitKind.OutOfMemory"/>).
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no budget.</value>
    public long? MaxWorkerMemoryBytes { get; set; }

    /// <summary>
    /// The largest an item, a result or an <c>ApplyAsync</c> call (with what it captures) may encode to, in
    /// bytes. A value over it fails with <see cref="MessageTooLargeException"/> naming both sizes before it is
    /// sent: an item fails the map on the caller's side, before any of its chunk travels; a result fails its
    /// item in the worker (as a <see cref="RemoteException"/> of that type), and the pool goes on. Values of
    /// any size travel without it (up to available memory and .NET's array limit), so this is a guard
    /// against an unexpectedly large value, not a requirement; Python's <c>multiprocessing</c> has none.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no cap.</value>
    public long? MaxValueBytes { get; set; }

    /// <summary>A name for the pool's worker processes.</summary>
    /// <value>The default value is <c>"pool"</c>.</value>
    public string Name { get; set; } = "pool";

    /// <summary>
    /// Also runs workers on the ActorParallel Host nodes of the driver's cluster that have this role
    /// (<see cref="ParallelRuntime.HostNodeRole"/> for every Host node, or a role given with the Host's
    /// <c>--role</c>), <see cref="ProcessesPerHostNode"/> on each. A node that joins while the pool
    /// runs adds its workers to it, even in the middle of a map; a node that leaves, crashes or is cut
    /// off costs only the chunks its workers held, which run again elsewhere. Needs
    /// <see cref="ParallelRuntime.AcceptHostNodesAsync"/> on the driver.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: local workers only.</value>
    public string? HostNodeRole { get; set; }

    /// <summary>Worker processes on each Host node that <see cref="HostNodeRole"/> selects.</summary>
    /// <value>The default value is <see langword="null"/>: as many as each node offers (the Host's <c>--workers</c>, by default its processor count).</value>
    public int? ProcessesPerHostNode { get; set; }

    /// <summary>
    /// Whether each local worker's compute thread is bound to a CPU of its own (Linux). With one
    /// worker per CPU the kernel often ran two workers on one CPU for tens of milliseconds while
    /// another idled (both are woken by the driver); bound, each keeps its own, as
    /// <c>OMP_PROC_BIND</c> does for OpenMP threads. A replacement worker takes the CPU its
    /// predecessor left. <see langword="true"/> binds local workers round-robin over the CPUs this
    /// process may use, whatever their number; <see langword="false"/> never binds.
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: bound only when <see cref="Processes"/> equals the
    /// number of CPUs this process may use (then every CPU has one worker whether bound or not, and
    /// binding only keeps them apart). Fewer workers than CPUs are left to the kernel, which has idle
    /// CPUs to spread them over, and which two programs each binding to the same CPUs would defeat.
    /// </value>
    public bool? PinWorkersToCpus { get; set; }

    /// <summary>Set on a validated copy: <see cref="ItemRetry"/> built once, so that later changes to the options object do not reach the pool.</summary>
    internal Polly.ResiliencePipeline? RetryPipeline { get; private set; }

    internal PoolOptions Validated()
    {
        var problems = new OptionProblems(nameof(PoolOptions));
        if (Processes < (HostNodeRole is null ? 1 : 0))
        {
            problems.Add(nameof(Processes), $"{nameof(Processes)} must be at least 1, or 0 with a {nameof(HostNodeRole)} (was {Processes}).");
        }
        if (HostNodeRole is not null && string.IsNullOrWhiteSpace(HostNodeRole))
        {
            problems.Add(nameof(HostNodeRole), $"{nameof(HostNodeRole)} must be a role name, or null for local workers only.");
        }
        if (ProcessesPerHostNode is < 1)
        {
            problems.Add(nameof(ProcessesPerHostNode), $"{nameof(ProcessesPerHostNode)} must be at least 1, or null for what each node offers (was {ProcessesPerHostNode}).");
        }
        if (MaxTasksPerChild is < 1)
        {
            problems.Add(nameof(MaxTasksPerChild), $"{nameof(MaxTasksPerChild)} must be at least 1, or null for no limit (was {MaxTasksPerChild}).");
        }
        if (CancellationGracePeriod < TimeSpan.Zero && CancellationGracePeriod != Timeout.InfiniteTimeSpan)
        {
            problems.Add(nameof(CancellationGracePeriod), $"{nameof(CancellationGracePeriod)} must not be negative, or Timeout.InfiniteTimeSpan to never kill (was {CancellationGracePeriod}).");
        }
        ItemOptions.CheckTimeout(problems, nameof(ItemTimeout), ItemTimeout);
        var retry = ItemOptions.BuildRetry(problems, nameof(ItemRetry), ItemRetry);
        if (MaxWorkerMemoryBytes is <= 0)
        {
            problems.Add(nameof(MaxWorkerMemoryBytes), $"{nameof(MaxWorkerMemoryBytes)} must be a positive number of bytes, or null for no budget (was {MaxWorkerMemoryBytes}).");
        }
        if (MaxValueBytes is <= 0)
        {
            problems.Add(nameof(MaxValueBytes), $"{nameof(MaxValueBytes)} must be a positive number of bytes, or null for no cap (was {MaxValueBytes}).");
        }
        if (MaxChunkLosses < 1)
        {
            problems.Add(nameof(MaxChunkLosses), $"{nameof(MaxChunkLosses)} must be at least 1 (was {MaxChunkLosses}).");
        }
        if (string.IsNullOrWhiteSpace(Name))
        {
            problems.Add(nameof(Name), $"{nameof(Name)} must not be empty.");
        }
        if (InitializerArgs is null)
        {
            problems.Add(nameof(InitializerArgs), $"{nameof(InitializerArgs)} must not be null.");
        }
        problems.ThrowIfAny();
        var copy = (PoolOptions)MemberwiseClone();
        copy.InitializerArgs = [.. InitializerArgs ?? []];
        copy.RetryPipeline = retry;
        return copy;
    }
}
