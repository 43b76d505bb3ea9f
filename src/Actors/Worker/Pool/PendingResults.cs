using System.Collections.Immutable;
using System.Diagnostics;
using ActorParallel.Protocol;
using Akka.Actor;

namespace ActorParallel.Workers;

/// <summary>
/// The results of the batch the compute thread runs that are not yet sent, and the timer that sends
/// them when a later chunk of the batch keeps the compute thread long: results go at the end of each
/// batch and every half millisecond inside one, so without the timer those of quick chunks waited for a
/// long one after them (or for ever, behind one that does not return). Python's workers put each task's
/// result on the result queue as it finishes. Lock this object to touch it; the timer is armed at most
/// once at a time, when a chunk starts while results are pending.
/// </summary>
internal sealed class PendingResults : IDisposable
{
    /// <summary>How long results may wait behind a chunk still running before the timer sends them.</summary>
    public static readonly long HoldLimitTicks = Stopwatch.Frequency / 500;

    private static readonly TimeSpan HoldLimit = TimeSpan.FromMilliseconds(2);

    private readonly Timer _timer;
    private int _armed;

    public PendingResults(Action flushHeld) => _timer = new Timer(_ => flushHeld(), null, Timeout.Infinite, Timeout.Infinite);

    public long MapId { get; private set; }

    public IActorRef? Router { get; private set; }

    public ImmutableArray<ChunkPayload>.Builder? Results { get; private set; }

    /// <summary>The bytes of the pending results.</summary>
    public long Bytes { get; private set; }

    /// <summary>When results were last sent (or the batch began), as a <see cref="Stopwatch"/> timestamp.</summary>
    public long LastFlush { get; private set; }

    /// <summary>When the last pending result was added.</summary>
    public long LastAdded { get; private set; }

    /// <summary>A batch of map <paramref name="mapId"/> begins: its results (none yet) go to <paramref name="router"/>.</summary>
    public ImmutableArray<ChunkPayload>.Builder Begin(long mapId, IActorRef router, int chunks)
    {
        lock (this)
        {
            MapId = mapId;
            Router = router;
            Results = ImmutableArray.CreateBuilder<ChunkPayload>(chunks);
            Bytes = 0;
            LastFlush = LastAdded = Stopwatch.GetTimestamp();
            return Results;
        }
    }

    /// <summary>A result of <paramref name="bytes"/> was added, its chunk having finished at <paramref name="finished"/> (the caller holds the lock).</summary>
    public void Added(long bytes, long finished)
    {
        Bytes += bytes;
        LastAdded = finished;
    }

    /// <summary>The pending results were sent (the caller holds the lock).</summary>
    public void Flushed(long now)
    {
        Bytes = 0;
        LastFlush = now;
    }

    /// <summary>The compute thread starts a chunk: if results wait, the timer will send them should it take long.</summary>
    public void ChunkStarting()
    {
        if (Results is { Count: > 0 } && Volatile.Read(ref _armed) == 0 && Interlocked.Exchange(ref _armed, 1) == 0)
        {
            _timer.Change(HoldLimit, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The timer fired (the caller holds the lock): the next chunk that starts with results pending arms it again.</summary>
    public void FlusherFired() => Volatile.Write(ref _armed, 0);

    /// <summary>Arms the timer for <paramref name="ticks"/> more (<see cref="Stopwatch"/> ticks; the caller holds the lock).</summary>
    public void ArmAgain(long ticks)
    {
        if (Interlocked.Exchange(ref _armed, 1) == 0)
        {
            _timer.Change(Stopwatch.GetElapsedTime(0, ticks) + TimeSpan.FromMilliseconds(0.1), Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose() => _timer.Dispose();
}
