using System.Collections.Concurrent;
using System.Diagnostics;

namespace ActorParallel.Workers;

/// <summary>
/// Threads of their own for one pipe end's blocking waits (a futex sleep), so that an awaiting caller
/// never blocks a thread-pool thread. The awaiting code goes on on the waiting thread when the wait
/// ends (no hop to the pool, as a blocking <c>recv()</c> in Python goes on on its thread). A wait asked
/// for by code running on such a thread is taken up by that thread once the code awaits and returns
/// it to its loop (no second thread to wake); if the code blocks instead, a watchdog gives the wait to
/// another thread after <see cref="Rescue"/>. A thread ends after <see cref="Idle"/> without work.
/// </summary>
internal sealed class BlockingWaiter(string name)
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Rescue = TimeSpan.FromMilliseconds(200);

    /// <summary>Waiters with work left for a busy thread of their own, since when.</summary>
    private static readonly ConcurrentDictionary<BlockingWaiter, long> Deferred = new();
    private static readonly SemaphoreSlim Watch = new(0, 1);
    private static int s_watchdog;
    private static int s_watchWoken;

    [ThreadStatic]
    private static BlockingWaiter? t_current;

    private readonly object _gate = new();
    private readonly Queue<Action> _work = new();
    private int _idle;

    /// <summary>Runs <paramref name="blocking"/> on a thread of this waiter; its result completes the task there.</summary>
    public Task<T> Run<T>(Func<T> blocking)
    {
        // Continuations run where it completes: on the waiting thread, with no hop to the pool.
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
            if (_idle > 0)
            {
                Monitor.Pulse(_gate);
            }
            else if (t_current == this)
            {
                Deferred[this] = Stopwatch.GetTimestamp();
                if (Interlocked.Exchange(ref s_watchdog, 1) == 0)
                {
                    new Thread(Watchdog) { IsBackground = true, Name = "actorparallel-pipe-watchdog" }.Start();
                }
                if (Interlocked.Exchange(ref s_watchWoken, 1) == 0)
                {
                    Watch.Release();
                }
            }
            else
            {
                StartThread();
            }
        }
        return done.Task;
    }

    private void StartThread() => new Thread(Loop) { IsBackground = true, Name = name }.Start();

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
                    _idle++;
                    var woken = Monitor.Wait(_gate, Idle);
                    _idle--;
                    if (!woken && _work.Count == 0)
                    {
                        return;
                    }
                }
                next = _work.Dequeue();
                if (_work.Count == 0)
                {
                    Deferred.TryRemove(this, out _);
                }
            }
            next();
        }
    }

    /// <summary>Work left for a thread that has not come back for it: another thread takes it.</summary>
    private void TakeOver()
    {
        lock (_gate)
        {
            if (_work.Count == 0)
            {
                return;
            }
            if (_idle > 0)
            {
                Monitor.Pulse(_gate);
            }
            else
            {
                StartThread();
            }
        }
    }

    private static void Watchdog()
    {
        while (true)
        {
            if (Deferred.IsEmpty)
            {
                Volatile.Write(ref s_watchWoken, 0);
                if (Deferred.IsEmpty)
                {
                    Watch.Wait();
                }
                else
                {
                    // Work deferred meanwhile may have found the flag set: take the wake-up it left, if any.
                    Watch.Wait(0);
                }
            }
            Thread.Sleep(Rescue / 2);
            foreach (var (waiter, since) in Deferred)
            {
                if (Stopwatch.GetElapsedTime(since) >= Rescue && Deferred.TryRemove(new KeyValuePair<BlockingWaiter, long>(waiter, since)))
                {
                    waiter.TakeOver();
                }
            }
        }
    }
}
