namespace ActorParallel.Memory;

/// <summary>
/// The lock in a block's header: a glibc/musl pthread mutex that is process-shared (it lives in the
/// shared pages), recursive (Python's <c>get_lock()</c> is an RLock: an indexer inside a held lock
/// takes it again) and robust: when a thread dies holding it, even by SIGKILL, the kernel marks it
/// (the thread's robust list) and the next locker gets it with <c>EOWNERDEAD</c> instead of waiting
/// forever. An uncontended acquire and release are two atomic instructions in user space; a waiter
/// spins briefly, then sleeps on the futex.
/// </summary>
internal static unsafe class RobustMutex
{
    private const int SpinRounds = 40;

    /// <summary>Takes the lock; false when <paramref name="timeout"/> passed first.</summary>
    /// <exception cref="InvalidOperationException">The lock is unusable (a holder died and the state was not recovered).</exception>
    public static bool Enter(byte* mutex, TimeSpan? timeout, string what)
    {
        var result = Libc.MutexTryLockQuick(mutex);
        for (var round = 0; result == Libc.EBusy && round < SpinRounds; round++)
        {
            Thread.SpinWait(20);
            result = Libc.MutexTryLockQuick(mutex);
        }
        if (result == Libc.EBusy && timeout != TimeSpan.Zero)
        {
            result = timeout is { } limit && limit != Timeout.InfiniteTimeSpan ? TimedLock(mutex, limit) : Libc.MutexLock(mutex);
        }
        switch (result)
        {
            case 0:
                return true;
            case Libc.EOwnerDead:
                // Its holder died while holding it: the kernel handed it over; mark it usable again.
                Libc.MutexConsistent(mutex);
                return true;
            case Libc.EBusy or Libc.ETimedOut:
                return false;
            default:
                throw new InvalidOperationException($"Cannot take the lock of {what}: {Libc.Describe(result)}.");
        }
    }

    /// <exception cref="SynchronizationLockException">This thread does not hold the lock.</exception>
    public static void Exit(byte* mutex, string what)
    {
        var result = Libc.MutexUnlockQuick(mutex);
        if (result != 0)
        {
            throw new SynchronizationLockException(result == Libc.EPerm
                ? $"The lock of {what} is not held by this thread: release it on the thread that acquired it (no await between Acquire and Release)."
                : $"Cannot release the lock of {what}: {Libc.Describe(result)}.");
        }
    }

    private static int TimedLock(byte* mutex, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        var ticks = deadline.ToUnixTimeMilliseconds();
        var spec = new Libc.TimeSpec { Seconds = ticks / 1000, Nanoseconds = ticks % 1000 * 1_000_000 };
        return Libc.MutexTimedLock(mutex, &spec);
    }
}
