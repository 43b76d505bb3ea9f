using System.Diagnostics;
using System.Runtime.CompilerServices;
using ActorParallel.Memory;

namespace ActorParallel.Workers;

/// <summary>
/// One pipe end's use of its pipe's shared-memory rings (<see cref="PipeRing"/>) in this process:
/// sends write a record (or spill to the driver's store when the record does not fit), receives take
/// the next record, spinning briefly before sleeping on the ring's futex on a thread of the end's own.
/// Every object for the same end in one process shares one send gate, one receive turn and one
/// waiter, since each ring has one writer and one reader.
/// </summary>
internal sealed class RingPipeEnd
{
    /// <summary>How long a receive spins for a message before it sleeps: a peer that answers at once (on another core) is caught without a system call.</summary>
    private static readonly TimeSpan SpinBudget = TimeSpan.FromMicroseconds(50);

    private static readonly ConditionalWeakTable<MemorySegment, Locals[]> LocalsOf = new();

    private readonly SegmentLease _lease;
    private readonly PipeRing _ring;
    private readonly int _end;
    private readonly Locals _locals;
    private bool _claimed;

    private unsafe RingPipeEnd(SegmentLease lease, int end, string name)
    {
        _lease = lease;
        _end = end;
        var segment = lease.Segment(name);
        _ring = new PipeRing(segment.Data);
        _locals = LocalsOf.GetValue(segment, _ => [new Locals(name), new Locals(name)])[end];
    }

    /// <summary>The block's locator, for the end's handle.</summary>
    public string SegmentName => _lease.Segment("a pipe").Name;

    public PipeRing Ring => _ring;

    /// <summary>Whether the pipe goes through the store instead (an end went to a Host node).</summary>
    public bool StoreOnly => _ring.StoreOnly;

    private int ReceiveDirection => _end;

    private int SendDirection => 1 - _end;

    /// <summary>End <paramref name="end"/> (0 or 1) of the pipe in <paramref name="lease"/>'s block; the lease is this object's.</summary>
    public static RingPipeEnd Open(SegmentLease lease, int end, string name) => new(lease, end, name);

    /// <summary>This process holds the end now: when it goes, the other end reads to the end of what it sent, then end-of-file.</summary>
    public void Claim()
    {
        if (!_claimed)
        {
            _ring.SetHolder(_end, Environment.ProcessId);
            _claimed = true;
        }
    }

    /// <summary>
    /// Sends through the ring (or spills to the store); false when the pipe goes through the store now.
    /// When this end or the other is ended, throws what <paramref name="ended"/> makes of (end, why, process id).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The pipe's manager is disposed.</exception>
    public bool TrySend(byte[] message, Func<IQueueClient> spill, Func<Exception> disposed, Func<int, int, int, Exception> ended)
    {
        Claim();
        if (_ring.IsEnded(_end, out var why, out var pid) || _ring.IsEnded(1 - _end, out why, out pid))
        {
            throw ended(_ring.IsEnded(_end, out _, out _) ? _end : 1 - _end, why, pid);
        }
        lock (_locals.SendGate)
        {
            if (_ring.StoreOnly)
            {
                return false;
            }
            if (_ring.Disposed)
            {
                throw disposed();
            }
            var sequence = _ring.NextSequence(SendDirection);
            if (!_ring.TryWrite(SendDirection, message, sequence))
            {
                spill().Put(message);
            }
            _ring.Published(SendDirection, sequence);
            return true;
        }
    }

    /// <summary>Whether receives still go through the ring: it is in use, or holds what was sent before the pipe went to the store.</summary>
    public bool ReceivesFromRing => !_ring.StoreOnly || _ring.HasUnread(ReceiveDirection);

    /// <summary>
    /// This end goes to a Host node, which cannot map the block: from now on the whole pipe goes through
    /// the store. What was sent to this end and is still in the ring moves to <paramref name="store"/>
    /// first, in order; false (nothing changed) when some of it went through the store already, whose
    /// order with the ring's this cannot keep.
    /// </summary>
    public bool TrySwitchToStore(Func<IQueueClient> store)
    {
        // This process's writer to this end waits meanwhile; the other end's reader drains the ring before the store.
        lock (LocalsOf.GetValue(_lease.Segment("a pipe"), _ => throw new InvalidOperationException())[1 - _end].SendGate)
        {
            if (_ring.StoreOnly)
            {
                return true;
            }
            if (!_ring.AllUnreadInRing(ReceiveDirection))
            {
                return false;
            }
            while (_ring.TryRead(ReceiveDirection, out var payload) == PipeRing.Outcome.Message)
            {
                store().Put(payload!);
            }
            _ring.SwitchToStore();
            return true;
        }
    }

    /// <summary>Ends what this end sends: the other end reads what was sent, then end-of-file.</summary>
    public void CloseSending() => _ring.Close(SendDirection, PipeRing.ClosedByClose);

    /// <summary>This end is closed here: sends to it throw from now on.</summary>
    public void EndHere() => _ring.EndEnd(_end, PipeRing.ClosedByClose, Environment.ProcessId);

    /// <summary>Whether this end is ended (closed, or its holder gone), why and by which process.</summary>
    public bool IsEnded(out int why, out int pid) => _ring.IsEnded(_end, out why, out pid);

    /// <exception cref="EndOfStreamException">The other end closed or its process is gone, and everything it sent was received.</exception>
    /// <exception cref="ObjectDisposedException">The pipe's manager is disposed.</exception>
    public async Task<byte[]> ReceiveAsync(Func<IQueueClient> spill, Func<Exception> ended, Func<Exception> disposed, CancellationToken cancellationToken)
    {
        Claim();
        var turn = _locals.Turn;
        if (!turn.Wait(0))
        {
            await turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        try
        {
            while (true)
            {
                switch (_ring.TryRead(ReceiveDirection, out var payload))
                {
                    case PipeRing.Outcome.Message:
                        return payload!;
                    case PipeRing.Outcome.Spilled:
                        var item = await spill().TakeAsync(-1, cancellationToken).ConfigureAwait(false);
                        cancellationToken.ThrowIfCancellationRequested();
                        _ring.TookSpilled(ReceiveDirection);
                        return item!;
                    case PipeRing.Outcome.Ended:
                        throw ended();
                    case PipeRing.Outcome.Disposed:
                        throw disposed();
                    default:
                        cancellationToken.ThrowIfCancellationRequested();
                        if (_ring.StoreOnly)
                        {
                            // Everything sent before the pipe went to the store is taken: the rest is there.
                            var stored = await spill().TakeAsync(-1, cancellationToken).ConfigureAwait(false);
                            cancellationToken.ThrowIfCancellationRequested();
                            return stored!;
                        }
                        if (!_ring.Spin(ReceiveDirection, SpinBudget))
                        {
                            await WaitAsync(long.MaxValue, cancellationToken).ConfigureAwait(false);
                        }
                        break;
                }
            }
        }
        finally
        {
            turn.Release();
        }
    }

    /// <summary>Whether a message or the end is there within <paramref name="timeout"/>.</summary>
    /// <exception cref="ObjectDisposedException">The pipe's manager is disposed.</exception>
    public async Task<bool> PollAsync(TimeSpan timeout, Func<Exception> disposed, CancellationToken cancellationToken)
    {
        Claim();
        var ready = _ring.Ready(ReceiveDirection)
            || (timeout != TimeSpan.Zero && (_ring.Spin(ReceiveDirection, timeout < SpinBudget ? timeout : SpinBudget)
                || await WaitAsync(timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency), cancellationToken).ConfigureAwait(false)));
        return _ring.Disposed ? throw disposed() : ready;
    }

    private Task<bool> WaitAsync(long deadline, CancellationToken cancellationToken)
    {
        var ring = _ring;
        var direction = ReceiveDirection;
        return _locals.Waiter.Run(() => ring.Wait(direction, deadline, cancellationToken));
    }

    /// <summary>What every object for one end shares in this process.</summary>
    private sealed class Locals(string name)
    {
        public object SendGate { get; } = new();

        public SemaphoreSlim Turn { get; } = new(1, 1);

        public BlockingWaiter Waiter { get; } = new($"actorparallel-pipe-{name}");
    }
}
