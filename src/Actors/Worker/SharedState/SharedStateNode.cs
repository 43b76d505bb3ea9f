using System.Collections.Concurrent;
using ActorParallel.Configuration;
using ActorParallel.Protocol;
using Akka.Actor;

namespace ActorParallel.Workers;

/// <summary>
/// This process's side of shared objects: it owns one batching writer per list and per value,
/// numbers this process's operations so the host applies each once, sends requests through its
/// <see cref="ISharedChannel"/>, and flushes everything when the process reports back to its driver.
/// </summary>
internal sealed class SharedStateNode
{
    private static volatile Lazy<SharedStateNode>? s_forThisProcess;
    private static volatile bool s_linkedDirectly;

    /// <summary>How many writers of every node in this process hold unacknowledged writes (see <see cref="ReleaseThisProcess"/>).</summary>
    private static int s_busyWritersHere;

    private readonly ISharedChannel _channel;
    // Host, then object name: string keys, whose dictionary code the framework has compiled already.
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, HostWriter>> _writers = new();
    private readonly ConcurrentDictionary<string, QueueReader> _readers = new();
    private readonly ConcurrentDictionary<string, TaskAccount> _taskAccounts = new();
    private long _lastOperation;

    /// <summary>How many writers hold writes not yet acknowledged (see <see cref="ReleaseAsync"/>): 0 costs a release nothing.</summary>
    private int _busyWriters;

    public SharedStateNode(ISharedChannel channel)
    {
        _channel = channel;
        // The process id and 63 random bits (not a Guid, whose formatting a starting worker would JIT-compile).
        WriterId = $"{Environment.ProcessId:x}-{Random.Shared.NextInt64():x}";
    }

    /// <summary>How long one request to the host may take before it is sent again.</summary>
    public static TimeSpan Timeout { get; } = Timeouts.SharedRequest;

    /// <summary>Unique to this process and run: the author of this process's operations.</summary>
    public string WriterId { get; }

    /// <summary>Names this process to the host (its locks are released when it goes away).</summary>
    public string Address => _channel.Address;

    /// <summary>How large one batch of appends may be.</summary>
    public int MaxPayloadBytes => _channel.MaxPayloadBytes;

    /// <summary>Whether any shared object has been written through this node (so there may be writes to flush).</summary>
    public bool Active => !_writers.IsEmpty || !_readers.IsEmpty;

    /// <summary>The node of a process that reaches hosts through <paramref name="system"/>.</summary>
    public static SharedStateNode Get(ActorSystem system) => AkkaSharedChannel.Get(system).Node;

    /// <summary>
    /// The Managers started in this process, by their server's path, with the node of the runtime each
    /// runs on: a handle of one of them decoded here binds to that manager's node, whichever Manager
    /// started last. Process-wide by nature (a handle arrives as bytes, with only its server's path).
    /// </summary>
    private static readonly ConcurrentDictionary<string, SharedStateNode> ManagersHere = new();

    /// <summary>Records that the Manager whose server is at <paramref name="hostPath"/> runs in this process on <paramref name="node"/>.</summary>
    public static void RegisterManager(string hostPath, SharedStateNode node) => ManagersHere[hostPath] = node;

    /// <summary>
    /// The node a shared handle of the server at <paramref name="hostPath"/> binds to when it is decoded
    /// in this process: its own Manager's node if that Manager runs here (the driver), otherwise this
    /// process's node (a worker's).
    /// </summary>
    /// <exception cref="InvalidOperationException">Neither: no ActorParallel runtime in this process to bind it to.</exception>
    public static SharedStateNode For(string hostPath) =>
        ManagersHere.TryGetValue(hostPath, out var node) ? node : ForThisProcess();

    /// <summary>The node that shared handles of Managers in other processes bind to when decoded here.</summary>
    public static SharedStateNode ForThisProcess() =>
        (s_forThisProcess ?? throw new InvalidOperationException(
            "No ActorParallel runtime in this process to bind the shared object to: start a Manager first.")).Value;

    /// <summary>Shared handles decoded in this process bind to <paramref name="system"/>, unless this worker talks to its driver over a direct link.</summary>
    public static void UseForThisProcess(ActorSystem system)
    {
        if (!s_linkedDirectly)
        {
            s_forThisProcess = new Lazy<SharedStateNode>(Get(system));
        }
    }

    /// <summary>
    /// Shared handles decoded in this worker bind to the node <paramref name="create"/> makes for its
    /// direct link, on first use (a worker that uses no shared object pays nothing for them).
    /// </summary>
    public static void UseDirectLink(Func<SharedStateNode> create)
    {
        s_linkedDirectly = true;
        s_forThisProcess = new Lazy<SharedStateNode>(create, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>
    /// Waits until every write made through shared handles this process received is acknowledged, so
    /// that what the driver learns next (a target finished, a chunk's results) comes after it.
    /// </summary>
    public static void FlushThisProcess()
    {
        if (s_forThisProcess is { IsValueCreated: true, Value: { Active: true } node })
        {
            node.FlushForReportAsync().GetAwaiter().GetResult();
        }
    }

    public long NextOperation() => Interlocked.Increment(ref _lastOperation);

    /// <summary>A writer took its first write since it was last idle (<paramref name="busy"/>), or has none left unacknowledged.</summary>
    public void WriterBusy(bool busy)
    {
        Interlocked.Add(ref _busyWriters, busy ? 1 : -1);
        Interlocked.Add(ref s_busyWritersHere, busy ? 1 : -1);
    }

    /// <summary>
    /// <see cref="Release"/> on every node of this process: for an operation that involves no Manager
    /// (a <see cref="SharedMemoryLock"/>'s release). One read when nothing is pending.
    /// </summary>
    public static void ReleaseThisProcess()
    {
        if (Volatile.Read(ref s_busyWritersHere) == 0)
        {
            return;
        }
        var nodes = ManagersHere.Values.ToHashSet();
        if (s_forThisProcess is { IsValueCreated: true, Value: var own })
        {
            nodes.Add(own);
        }
        Task.WhenAll(nodes.Select(node => node.ReleaseAsync())).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Release semantics for an operation another process can observe (a <c>TaskDone</c>, a put, a lock's
    /// release, a write to another object, any request to a host): completes once every write this
    /// process made before it through a batching writer other than <paramref name="self"/> is
    /// acknowledged, so that no process learns of the operation before it can see those writes. Python's
    /// proxies give this by waiting for each call's reply. Completed at once, at the cost of one read,
    /// when no writer holds unacknowledged writes (or only <paramref name="self"/>, which keeps its own order).
    /// A write that failed is waited for no longer, and reported as before (to its own waiter, or by the
    /// flush before this process reports back to its driver): the task never faults.
    /// </summary>
    public Task ReleaseAsync(HostWriter? self = null)
    {
        var busy = Volatile.Read(ref _busyWriters);
        return busy == 0 || (busy == 1 && self is { IsBusy: true }) ? Task.CompletedTask : FlushOthersAsync(self);
    }

    /// <summary><see cref="ReleaseAsync"/> for an operation that returns at once (<c>Append</c>, <c>TaskDone</c>): blocks the calling thread while writes are flushed.</summary>
    public void Release(HostWriter? self = null)
    {
        var released = ReleaseAsync(self);
        if (!released.IsCompleted)
        {
            released.GetAwaiter().GetResult();
        }
    }

    private Task FlushOthersAsync(HostWriter? self) =>
        Task.WhenAll(_writers.Values.SelectMany(writers => writers.Values)
            .Where(writer => writer != self && writer.IsBusy)
            .Select(writer => writer.SettledAsync()));

    public ListWriter ListWriter(string host, string list) =>
        (ListWriter)WritersOf(host).GetOrAdd(list, (name, node) => new ListWriter(node, host, name), this);

    public ValueWriter ValueWriter(string host, string value) =>
        (ValueWriter)WritersOf(host).GetOrAdd(value, (name, node) => new ValueWriter(node, host, name), this);

    public QueueWriter QueueWriter(string host, string queue, bool bounded) =>
        (QueueWriter)WritersOf(host).GetOrAdd("queue:" + queue, (_, node) => new QueueWriter(node, host, queue, bounded), this);

    public QueueReader QueueReader(string host, string queue, int prefetch) =>
        _readers.GetOrAdd(host + " " + queue, (_, node) => new QueueReader(node, host, queue, prefetch), this);

    /// <summary>This process's items got from the queue minus its <c>TaskDone</c> calls, shared by every handle to it here.</summary>
    public TaskAccount TaskAccount(string host, string queue) =>
        _taskAccounts.GetOrAdd(host + " " + queue, static (_, name) => new TaskAccount(name), queue);

    /// <summary>
    /// Waits until every write made through this node is stored by its host. A writer whose manager
    /// is disposed fails it only until that has been reported once (its later writes throw at once): a pool worker that wrote to a disposed
    /// manager's object fails that chunk, not every chunk after it.
    /// </summary>
    private Task FlushForReportAsync() =>
        Task.WhenAll(_writers.Values.SelectMany(writers => writers.Values).Select(writer => writer.FlushForReportAsync())
            .Concat(_readers.Values.Select(reader => reader.GiveBackAsync())));

    private readonly ConcurrentDictionary<string, string> _disposedHosts = new();

    private ConcurrentDictionary<string, HostWriter> WritersOf(string host) =>
        _writers.GetOrAdd(host, static _ => new ConcurrentDictionary<string, HostWriter>());

    /// <summary>
    /// Sends a request once; <paramref name="onReply"/> gets the reply or why there is none (see
    /// <see cref="ISharedChannel.Ask"/>): an <see cref="ObjectDisposedException"/> naming the manager
    /// when the host says its manager is disposed.
    /// </summary>
    public void Ask(string hostPath, object request, TimeSpan timeout, Action<object?, Exception?> onReply) =>
        _channel.Ask(hostPath, request, timeout, (reply, error) =>
        {
            if (reply is ManagerDisposed disposed)
            {
                MarkDisposed(hostPath, disposed.Manager);
                onReply(null, DisposedError(disposed.Manager, disposed.Object));
            }
            else
            {
                onReply(reply, error);
            }
        });

    /// <summary>
    /// Records that the manager behind <paramref name="hostPath"/> is disposed (its own process knows at
    /// once; others at their first answer from it), so that buffered writes (<c>Append</c>, <c>Add</c>),
    /// which wait for no answer, throw at once instead of being taken and lost.
    /// </summary>
    public void MarkDisposed(string hostPath, string manager) => _disposedHosts[hostPath] = manager;

    /// <summary>The name of the disposed manager behind <paramref name="hostPath"/>, or <see langword="null"/> if it is not known to be disposed.</summary>
    public string? DisposedManager(string hostPath) => _disposedHosts.GetValueOrDefault(hostPath);

    /// <summary>The error of every operation on an object of a disposed manager.</summary>
    public static ObjectDisposedException DisposedError(string manager, string objectName) =>
        new($"Manager '{manager}'", $"Shared object '{objectName}' belongs to Manager '{manager}', which was disposed: its objects went with it.");

    /// <summary>Sends a request once, after this process's earlier batched writes (<see cref="ReleaseAsync"/>), and returns the reply.</summary>
    /// <exception cref="TimeoutException">No reply in time: the request may or may not have been applied.</exception>
    /// <exception cref="ObjectDisposedException">The host's manager is disposed.</exception>
    public Task<object> AskAsync(string hostPath, object request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var released = ReleaseAsync();
        return released.IsCompletedSuccessfully
            ? AskNowAsync(hostPath, request, timeout, cancellationToken)
            : AskAfterAsync(released, hostPath, request, timeout, cancellationToken);
    }

    private async Task<object> AskAfterAsync(Task released, string hostPath, object request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await released.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await AskNowAsync(hostPath, request, timeout, cancellationToken).ConfigureAwait(false);
    }

    private Task<object> AskNowAsync(string hostPath, object request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var answered = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
        Ask(hostPath, request, timeout, (reply, error) =>
        {
            if (error is not null)
            {
                answered.TrySetException(error);
            }
            else
            {
                answered.TrySetResult(reply!);
            }
        });
        return answered.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Sends a request once and waits for its reply: for writes the host does not deduplicate. A
    /// timeout means the write may or may not have been applied, and says so.
    /// </summary>
    public async Task<TReply> RequestOnceAsync<TReply>(string hostPath, object request, CancellationToken cancellationToken)
    {
        try
        {
            return (TReply)await AskAsync(hostPath, request, Timeout * 6, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException($"The driver's shared-state host did not answer within {Timeout * 6}; the write may or may not have been applied.", exception);
        }
    }

    /// <summary>Sends a request to a host and waits for its reply, sending it again when a reply is late (the host applies it once).</summary>
    public async Task<TReply> RequestAsync<TReply>(string hostPath, object request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (TReply)await AskAsync(hostPath, request, Timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException) when (attempt < 5)
            {
            }
        }
    }
}
