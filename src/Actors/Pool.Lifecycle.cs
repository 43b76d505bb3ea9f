using ActorParallel.Configuration;
using ActorParallel.Driver;
using Akka.Actor;

namespace ActorParallel;

/// <summary>The pool's workers and its lifecycle: Python's <c>close</c>, <c>join</c> and <c>terminate</c>.</summary>
public sealed partial class Pool
{
    /// <summary>The pids of the pool's serving worker processes: ready (started and connected), busy or idle, and not retiring.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The pids, ascending.</returns>
    public async Task<IReadOnlyList<int>> GetWorkerPidsAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var status = await StatusAsync(cancellationToken).ConfigureAwait(false);
        return status.ReadyPids;
    }

    /// <summary>
    /// Waits until all of the pool's worker processes are started and ready to take work. Maps do not
    /// need this (they start on the workers that are ready and take the others as they come); it is
    /// for code that wants the pool's start-up behind it, e.g. before timing or serving.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The pids of the ready workers, ascending (fewer than <see cref="Processes"/> only if the pool was closed, terminated or broken during the wait).</returns>
    /// <exception cref="ObjectDisposedException">The pool was closed or terminated before the call.</exception>
    public async Task<IReadOnlyList<int>> WaitForWorkersAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _routerGone.Token);
        try
        {
            var status = await _router.Ask<PoolStatus>(new AwaitWorkers(Processes), either.Token).ConfigureAwait(false);
            return status.ReadyPids;
        }
        catch (OperationCanceledException) when (_routerGone.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            ThrowIfDisposed();
            throw;
        }
    }

    /// <summary>Takes no new work (Python's <c>close</c>); maps already running finish, then the workers exit.</summary>
    /// <returns>A completed task.</returns>
    public Task CloseAsync()
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) == 0)
        {
            // The calls submitted so far finish, as the maps running do.
            _applyStreams.CompleteAll();
            _stopped = StopAsync(ClosePool.Instance);
        }
        return Task.CompletedTask;
    }

    /// <summary>Waits for the workers to exit after <see cref="CloseAsync"/> or <see cref="TerminateAsync"/> (Python's <c>join</c>).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when every worker has exited.</returns>
    /// <exception cref="InvalidOperationException">The pool is still open.</exception>
    public Task JoinAsync(CancellationToken cancellationToken = default) =>
        (_stopped ?? throw new InvalidOperationException("Close or terminate the pool before joining it.")).WaitAsync(cancellationToken);

    /// <summary>Fails running maps and ends every worker now (Python's <c>terminate</c>).</summary>
    /// <returns>A task that completes when every worker has exited.</returns>
    public Task TerminateAsync()
    {
        _disposeAsked = true;
        if (_system.WhenTerminated.IsCompleted || _routerGone.IsCancellationRequested)
        {
            // The system's end, or the runtime's, already ended the router and, through the supervisor, the workers.
            Interlocked.Exchange(ref _state, 2);
            return (Task?)_stopped ?? Task.CompletedTask;
        }
        if (Interlocked.Exchange(ref _state, 2) != 2)
        {
            _stopped = StopAsync(TerminatePool.Instance);
        }
        return (Task?)_stopped ?? Task.CompletedTask;
    }

    /// <summary>Terminates the pool, as leaving Python's <c>with Pool()</c> does.</summary>
    /// <returns>A task that completes when the workers have exited and the router has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await TerminateAsync().ConfigureAwait(false);
        if (_system.WhenTerminated.IsCompleted || _routerGone.IsCancellationRequested)
        {
            return;
        }
        await _router.GracefulStop(Timeouts.RouterStop).ConfigureAwait(false);
    }

    private Task<PoolStopped>? _stopped;

    /// <summary>The pool was told to terminate (its errors then say so, not that its runtime went).</summary>
    private volatile bool _disposeAsked;

    /// <summary>Asks the router to close or terminate the pool; answered when it has, or at once if the router has ended meanwhile.</summary>
    private async Task<PoolStopped> StopAsync(object order)
    {
        try
        {
            return await _router.Ask<PoolStopped>(order, _routerGone.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_routerGone.IsCancellationRequested)
        {
            return PoolStopped.Instance;
        }
    }

    /// <summary>The router's view of the pool (tests read its <see cref="PoolStatus.Detail"/> when a map stalls).</summary>
    internal async Task<PoolStatus> StatusAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrGone();
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _routerGone.Token);
        return await _router.Ask<PoolStatus>(GetPoolStatus.Instance, either.Token).ConfigureAwait(false);
    }

    private void ThrowIfDisposedOrGone()
    {
        if (_routerGone.IsCancellationRequested)
        {
            ThrowIfDisposed();
        }
    }
}
