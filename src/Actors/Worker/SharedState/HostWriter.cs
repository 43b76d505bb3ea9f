namespace ActorParallel.Workers;

/// <summary>
/// What the list and value writers share: one request in flight to the driver's host at a time,
/// writes made meanwhile gathered into the next; a request whose reply is late is sent again (the
/// host applies it once), and everything waiting fails once the host stays silent or cannot be reached.
/// Thread-safe: any thread of the process may write.
/// </summary>
internal abstract class HostWriter
{
    private const int MaxAttempts = 6;

    private Waiters? _inFlight;

    /// <summary>Whether writes taken are not yet acknowledged (counted on the node: see <see cref="SharedStateNode.ReleaseAsync"/>).</summary>
    private volatile bool _busy;

    /// <summary>Set once someone has been told that this writer's manager is disposed (see <see cref="FlushForReportAsync"/>).</summary>
    private bool _disposalReported;

    protected HostWriter(SharedStateNode node, string hostPath, string name)
    {
        Node = node;
        HostPath = hostPath;
        Name = name;
    }

    protected SharedStateNode Node { get; }

    protected string HostPath { get; }

    protected string Name { get; }

    /// <summary>Held while the writer's state changes.</summary>
    protected object Gate { get; } = new();

    /// <summary>Set when the host cannot be reached: every write waiting and to come fails with it.</summary>
    protected Exception? Broken { get; private set; }

    protected abstract string Kind { get; }

    /// <summary>Whether this writer holds writes not yet acknowledged by the host.</summary>
    public bool IsBusy => _busy;

    /// <summary>
    /// Whether this writer's writes come before what this process does next on other objects (see
    /// <see cref="SharedStateNode.ReleaseAsync"/>): not when its batches may wait without end (a bounded
    /// queue's puts, which the caller awaits itself, and which a get in this same process may be needed to make room for).
    /// </summary>
    protected virtual bool OrdersLaterOperations => true;

    /// <summary>How long a request may wait for its acknowledgement before it is sent again.</summary>
    protected virtual TimeSpan RequestTimeout => SharedStateNode.Timeout;

    /// <summary>Completes once every write made before it is stored by the host.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var flushed = NewWaiter();
        lock (Gate)
        {
            if ((Broken ?? KnownDisposal()) is { } broken)
            {
                flushed.SetException(broken);
                _disposalReported |= broken is ObjectDisposedException;
            }
            else
            {
                // A flush completes with the batch that holds everything written before it.
                AddFlusher(flushed, settledOnly: false);
            }
        }
        Pump();
        // No timer of its own: the writer fails its waiters once the host stays silent.
        return flushed.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Completes once every write made before it is acknowledged or has failed (see
    /// <see cref="SharedStateNode.ReleaseAsync"/>); never faults, and tells no one of a failure: the
    /// writes' own waiters, or the flush before this process reports back, still report it.
    /// </summary>
    public Task SettledAsync()
    {
        var settled = NewWaiter();
        lock (Gate)
        {
            if (Broken is not null)
            {
                return Task.CompletedTask;
            }
            AddFlusher(settled, settledOnly: true);
        }
        Pump();
        return settled.Task;
    }

    /// <summary>
    /// As <see cref="FlushAsync"/>, for the flush that gates what a worker reports to its driver: once
    /// the disposal of this writer's manager has been reported (to a flush, an acknowledgement, or a
    /// write that threw), it has nothing to flush, since every later write throws at once.
    /// </summary>
    public Task FlushForReportAsync()
    {
        lock (Gate)
        {
            if (_disposalReported && (Broken ?? KnownDisposal()) is ObjectDisposedException)
            {
                return Task.CompletedTask;
            }
        }
        return FlushAsync();
    }

    /// <summary>Under <see cref="Gate"/>, before a write is taken: a write to an object of a disposed manager throws at once.</summary>
    /// <exception cref="ObjectDisposedException">This writer's manager is disposed.</exception>
    protected void ThrowIfManagerDisposed()
    {
        if (Broken is ObjectDisposedException disposed)
        {
            _disposalReported = true;
            throw new ObjectDisposedException(disposed.ObjectName, $"Shared {Kind} '{Name}' belongs to {disposed.ObjectName}, which was disposed: its objects went with it.");
        }
        if (KnownDisposal() is { } known)
        {
            _disposalReported = true;
            throw known;
        }
    }

    /// <summary>The error of this writer's manager if this process already knows it is disposed, though this writer has not heard it yet.</summary>
    private ObjectDisposedException? KnownDisposal() =>
        Node.DisposedManager(HostPath) is { } manager ? SharedStateNode.DisposedError(manager, Name) : null;

    /// <summary>
    /// Before a write is taken, outside <see cref="Gate"/>: waits until this process's earlier writes to
    /// other objects are acknowledged, so that none reaches the driver after this one (release semantics).
    /// </summary>
    protected void AfterEarlierWrites() => Node.Release(this);

    /// <summary>Under <see cref="Gate"/>, as a write is taken: this writer now holds unacknowledged writes.</summary>
    protected void MarkBusy()
    {
        if (!_busy && OrdersLaterOperations)
        {
            _busy = true;
            Node.WriterBusy(true);
        }
    }

    /// <summary>Under <see cref="Gate"/>: nothing this writer took is left unacknowledged.</summary>
    private void MarkIdle()
    {
        if (_busy)
        {
            _busy = false;
            Node.WriterBusy(false);
        }
    }

    protected static TaskCompletionSource NewWaiter() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Under <see cref="Gate"/>, nothing in flight: the request for the writes waiting and who waits
    /// for them (now in flight), or null when none wait.
    /// </summary>
    protected abstract (object Request, Waiters Waiters)? TakeNext();

    /// <summary>Under <see cref="Gate"/>: whether <paramref name="reply"/> says the request in flight is stored.</summary>
    protected abstract bool Acknowledges(object reply);

    /// <summary>Under <see cref="Gate"/>: fails every waiter of the writes not yet sent; whether there was any.</summary>
    protected abstract bool FailWaiting(Exception error);

    /// <summary>Under <see cref="Gate"/>: adds a flush to the writes new ones join (see <see cref="Waiters.Add"/> for <paramref name="settledOnly"/>).</summary>
    protected abstract void AddFlusher(TaskCompletionSource flusher, bool settledOnly);

    /// <summary>Sends the writes waiting, unless a request is in flight (its reply sends them).</summary>
    protected void Pump()
    {
        object? request;
        lock (Gate)
        {
            if (_inFlight is not null)
            {
                return;
            }
            if (Broken is { } broken)
            {
                _disposalReported |= FailWaiting(broken) && broken is ObjectDisposedException;
                MarkIdle();
                return;
            }
            if (TakeNext() is not { } next)
            {
                MarkIdle();
                return;
            }
            (request, _inFlight) = next;
        }
        Send(request, 1);
    }

    private void Send(object request, int attempt) =>
        Node.Ask(HostPath, request, RequestTimeout, (reply, failure) => Answered(request, attempt, reply, failure));

    private void Answered(object request, int attempt, object? reply, Exception? failure)
    {
        bool resend;
        lock (Gate)
        {
            if (failure is null && reply is not null && Acknowledges(reply))
            {
                _inFlight!.Complete();
                _inFlight = null;
                resend = false;
            }
            else if ((failure is null or TimeoutException) && attempt < MaxAttempts)
            {
                resend = true;
            }
            else
            {
                Broken = failure switch
                {
                    null or TimeoutException => new TimeoutException($"Shared {Kind} '{Name}': the host did not acknowledge a write after {MaxAttempts} attempts."),
                    // The manager is gone for good: no retry, and every later write throws at once.
                    ObjectDisposedException disposed => disposed,
                    _ => new InvalidOperationException($"Shared {Kind} '{Name}': the driver's shared-state host at {HostPath} cannot be reached.", failure),
                };
                var told = _inFlight!.Fail(Broken);
                _inFlight = null;
                told |= FailWaiting(Broken);
                _disposalReported |= told && Broken is ObjectDisposedException;
                MarkIdle();
                return;
            }
        }
        // Off the thread that delivered the reply: on a direct link that thread reads the link, and a
        // large batch written from it could wait for the driver, which may be waiting to write to this worker.
        if (resend)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Writer.Send(state.Request, state.Attempt), (Writer: this, Request: request, Attempt: attempt + 1), preferLocal: false);
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(static writer => writer.Pump(), this, preferLocal: false);
        }
    }
}

/// <summary>Callers waiting for one batch's acknowledgement: their appends' or additions' tasks, and flushes.</summary>
internal sealed class Waiters
{
    private readonly List<TaskCompletionSource> _waiting = [];

    /// <summary>Waiters told only that the batch is done with, acknowledged or failed (see <see cref="HostWriter.SettledAsync"/>).</summary>
    private List<TaskCompletionSource>? _settled;

    public bool IsEmpty => _waiting.Count == 0 && _settled is not { Count: > 0 };

    /// <summary>Adds a waiter; with <paramref name="settledOnly"/>, one that completes when the batch fails too, and is not told why.</summary>
    public void Add(TaskCompletionSource waiter, bool settledOnly = false)
    {
        if (settledOnly)
        {
            (_settled ??= []).Add(waiter);
        }
        else
        {
            _waiting.Add(waiter);
        }
    }

    public void Complete()
    {
        _waiting.ForEach(waiter => waiter.TrySetResult());
        _waiting.Clear();
        Settle();
    }

    /// <summary>Fails every waiter; whether there was any to tell.</summary>
    public bool Fail(Exception error)
    {
        var any = _waiting.Count > 0;
        _waiting.ForEach(waiter => waiter.TrySetException(error));
        _waiting.Clear();
        Settle();
        return any;
    }

    private void Settle()
    {
        _settled?.ForEach(waiter => waiter.TrySetResult());
        _settled?.Clear();
    }
}
