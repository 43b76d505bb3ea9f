using ActorParallel.Serialization;

namespace ActorParallel;

/// <summary>The manager's synchronization primitives: Python's <c>Event</c>, <c>Semaphore</c>, <c>BoundedSemaphore</c>, <c>Barrier</c>, <c>RLock</c> and <c>Condition</c>.</summary>
public sealed partial class Manager
{
    /// <summary>Creates an event shared across processes (Python's <c>multiprocessing.Event()</c>); it starts clear.</summary>
    /// <param name="name">A name, unique within this manager; one is made when omitted.</param>
    /// <returns>The event's handle, which can be passed to other processes.</returns>
    /// <exception cref="ObjectDisposedException">The manager is disposed.</exception>
    /// <exception cref="ArgumentException">This manager already has an object named <paramref name="name"/>, or <paramref name="name"/> is empty or whitespace.</exception>
    public SharedEvent Event(string? name = null)
    {
        ThrowIfDisposed();
        return new(_node, _hostPath, Claim(name, "event"));
    }

    /// <summary>Creates a semaphore shared across processes (Python's <c>multiprocessing.Semaphore(value)</c>).</summary>
    /// <param name="value">The starting value; at least 0; 1 by default.</param>
    /// <param name="name">A name, unique within this manager; one is made when omitted.</param>
    /// <returns>The semaphore's handle, which can be passed to other processes.</returns>
    /// <exception cref="ObjectDisposedException">The manager is disposed.</exception>
    /// <exception cref="ArgumentException">This manager already has an object named <paramref name="name"/>, or <paramref name="name"/> is empty or whitespace.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative.</exception>
    public SharedSemaphore Semaphore(int value = 1, string? name = null)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        return new(_node, _hostPath, Claim(name, "semaphore"), value, bounded: false);
    }

    /// <summary>Creates a semaphore that cannot be released above its starting value (Python's <c>multiprocessing.BoundedSemaphore(value)</c>).</summary>
    /// <param name="value">The starting value and bound; at least 0; 1 by default.</param>
    /// <param name="name">A name, unique within this manager; one is made when omitted.</param>
    /// <returns>The semaphore's handle, which can be passed to other processes.</returns>
    /// <exception cref="ObjectDisposedException">The manager is disposed.</exception>
    /// <exception cref="ArgumentException">This manager already has an object named <paramref name="name"/>, or <paramref name="name"/> is empty or whitespace.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative.</exception>
    public SharedSemaphore BoundedSemaphore(int value = 1, string? name = null)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        return new(_node, _hostPath, Claim(name, "semaphore"), value, bounded: true);
    }

    /// <summary>Creates a barrier for <paramref name="parties"/> waits across processes (Python's <c>multiprocessing.Barrier(parties, action=action, timeout=timeout)</c>).</summary>
    /// <param name="parties">How many waits each round needs; at least 1.</param>
    /// <param name="timeout">The default timeout of each wait; <see langword="null"/> (the default) for none.</param>
    /// <param name="name">A name, unique within this manager; one is made when omitted.</param>
    /// <param name="action">
    /// Run once per round, before any party is released, by the party that arrives last, in its own
    /// process (Python's <c>action</c>); <see langword="null"/> (the default) for none. It travels with the
    /// barrier's handle as a process target does: a static method, a lambda, or a closure over shippable
    /// values (shared handles among them). If it throws, the barrier breaks: that party gets the
    /// exception, the others <see cref="BrokenBarrierException"/>.
    /// </param>
    /// <returns>The barrier's handle, which can be passed to other processes.</returns>
    /// <exception cref="ObjectDisposedException">The manager is disposed.</exception>
    /// <exception cref="ArgumentException">This manager already has an object named <paramref name="name"/>, or <paramref name="name"/> is empty or whitespace.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parties"/> is below 1, or <paramref name="timeout"/> is negative.</exception>
    /// <exception cref="NotShippableException"><paramref name="action"/> cannot travel to another process (a multicast delegate, a method made at run time, a capture of a process-local resource): the message names the action and why.</exception>
    public SharedBarrier Barrier(int parties, TimeSpan? timeout = null, string? name = null, Action? action = null)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfLessThan(parties, 1);
        if (timeout is { } limit && limit != System.Threading.Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(limit, TimeSpan.Zero, nameof(timeout));
        }
        if (action is not null)
        {
            // Fails here, not in the first process the handle is sent to.
            _ = ValueCodec.Encode(action, SharedBarrier.DescribeAction(name));
        }
        return new(_node, _hostPath, Claim(name, "barrier"), parties, timeout, action);
    }

    /// <summary>Creates a re-entrant lock shared across processes (Python's <c>multiprocessing.RLock()</c>).</summary>
    /// <param name="name">A name, unique within this manager; one is made when omitted.</param>
    /// <returns>The lock's handle, which can be passed to other processes.</returns>
    /// <exception cref="ObjectDisposedException">The manager is disposed.</exception>
    /// <exception cref="ArgumentException">This manager already has an object named <paramref name="name"/>, or <paramref name="name"/> is empty or whitespace.</exception>
    public SharedRLock RLock(string? name = null)
    {
        ThrowIfDisposed();
        return new(_node, _hostPath, Claim(name, "rlock"));
    }

    /// <summary>Creates a condition variable with its own re-entrant lock, shared across processes (Python's <c>multiprocessing.Condition()</c>).</summary>
    /// <param name="name">A name, unique within this manager; one is made when omitted.</param>
    /// <returns>The condition's handle, which can be passed to other processes.</returns>
    /// <exception cref="ObjectDisposedException">The manager is disposed.</exception>
    /// <exception cref="ArgumentException">This manager already has an object named <paramref name="name"/>, or <paramref name="name"/> is empty or whitespace.</exception>
    public SharedCondition Condition(string? name = null)
    {
        ThrowIfDisposed();
        return new(_node, _hostPath, Claim(name, "condition"));
    }
}
