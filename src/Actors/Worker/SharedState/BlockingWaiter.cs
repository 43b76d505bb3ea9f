namespace ActorParallel.Workers;

/// <summary>
/// A thread of its own for one pipe end's blocking waits (a futex sleep), so that an awaiting caller
/// never blocks a thread-pool thread. The awaiting code goes on on this thread when the wait ends (no
/// hop to the pool, as a blocking <c>recv()</c> in Python goes on on its thread); a wait asked for on
/// this thread itself blocks it at once. The thread ends after <see cref="Idle"/> without work.
/// </summary>
internal sealed class BlockingWaiter(string name)
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(2);

    [ThreadStatic]
    private static BlockingWaiter? t_current;

    private readonly object _gate = new();
    private readonly Queue<Action> _work = new();
    private bool _running;

    /// <summary>Runs <paramref name="blocking"/> on this waiter's thread; its result completes the task there.</summary>
    public Task<T> Run<T>(Func<T> blocking)
    {
        if (t_current == this)
        {
            try
            {
                return Task.FromResult(blocking());
            }
            catch (Exception exception)
            {
                return Task.FromException<T>(exception);
            }
        }
        // Continuations run where it completes: on the waiter's thread, with no hop to the pool.
        var done = new TaskCompletionSource<T>();
        lock (_gate)
        {
            _work.Enqueue(() =>
            {
                T result;
                try
                {
                    result = blocking();
                }
                catch (OperationCanceledException cancelled)
                {
                    done.TrySetCanceled(cancelled.CancellationToken);
                    return;
                }
                catch (Exception exception)
                {
                    done.TrySetException(exception);
                    return;
                }
                done.TrySetResult(result);
            });
            if (_running)
            {
                Monitor.Pulse(_gate);
            }
            else
            {
                _running = true;
                new Thread(Loop) { IsBackground = true, Name = name }.Start();
            }
        }
        return done.Task;
    }

    private void Loop()
    {
        t_current = this;
        while (true)
        {
            Action next;
            lock (_gate)
            {
                while (_work.Count == 0)
                {
                    if (!Monitor.Wait(_gate, Idle) && _work.Count == 0)
                    {
                        _running = false;
                        return;
                    }
                }
                next = _work.Dequeue();
            }
            next();
        }
    }
}
