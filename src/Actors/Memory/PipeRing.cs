using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ActorParallel.Memory;

/// <summary>
/// A pipe's two directions in one block of shared memory: per direction a single-producer,
/// single-consumer ring of records, the count of messages sent (ring and spilled alike, so a message
/// too large for the ring, or sent while it was full, goes through the driver's store and the reader
/// still takes everything in order), a closed flag, and a futex word the reader sleeps on when
/// nothing has come during its spin. Both ends' processes map the block, so a message costs a copy
/// in and a copy out, and no system call while the reader is awake.
/// </summary>
/// <remarks>
/// Layout (offsets in the block's data): 0: mode (0 ring, 1 store only: an end went to a Host node),
/// 4: disposed, 8 and 12: the process id holding end 1 and end 2, 16 and 24: whether end 1 and end 2
/// are ended (closed, or their holder gone: why in the high half, the process id in the low). At 64 + 256·d the control of
/// direction d (d = 0 is read by end 1, d = 1 by end 2), each field group on its own cache line:
/// the writer's tail, sent count and closed flag; the reader's head and received count; the futex
/// word and the reader's waiting flag. The rings follow at 1024 + d·<see cref="Capacity"/>.
/// A record is its length (int; -1: wrap to the ring's start), 4 spare bytes, its sequence number
/// (long), then the payload padded to 8 bytes.
/// </remarks>
internal sealed unsafe class PipeRing
{
    /// <summary>Bytes of one direction's ring.</summary>
    public const int Capacity = 256 * 1024;

    /// <summary>The largest payload written to the ring; larger ones go through the store.</summary>
    public const int MaxInline = Capacity / 4;

    /// <summary>Bytes of the block a pipe needs.</summary>
    public const long BlockBytes = RingsOffset + 2L * Capacity;

    public const int ClosedByClose = 1, ClosedByDeath = 2;

    private const int RingsOffset = 1024;
    private const int RecordHeader = 16;
    private const int ControlOffset = 64, ControlBytes = 256;
    private const int TailAt = 0, SentAt = 8, ClosedAt = 16, HeadAt = 64, ReceivedAt = 72, FutexAt = 128, WaitingAt = 132;

    /// <summary>How long a futex wait lasts at most before the reader looks again (cancellation, disposal).</summary>
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(250);

    private readonly byte* _data;

    public PipeRing(byte* data) => _data = data;

    public enum Outcome
    {
        /// <summary>Nothing to take yet.</summary>
        Empty,

        /// <summary>The next message was taken from the ring.</summary>
        Message,

        /// <summary>The next message was sent through the store: take it there.</summary>
        Spilled,

        /// <summary>The writer closed or its process is gone, and everything it sent was taken.</summary>
        Ended,

        /// <summary>The pipe's manager is disposed.</summary>
        Disposed,
    }

    /// <summary>Whether every end goes through the store (an end went to a Host node).</summary>
    public bool StoreOnly => Volatile.Read(ref *(int*)_data) != 0;

    public bool Disposed => Volatile.Read(ref *(int*)(_data + 4)) != 0;

    /// <summary>Makes every end go through the store from now on (the caller holds the send gates of this process).</summary>
    public void SwitchToStore() => Volatile.Write(ref *(int*)_data, 1);

    /// <summary>Whether messages sent on <paramref name="direction"/> have not all been taken.</summary>
    public bool HasUnread(int direction) => Volatile.Read(ref *Sent(direction)) > *Received(direction);

    /// <summary>Whether every message not yet taken on <paramref name="direction"/> is in its ring (none went through the store).</summary>
    public bool AllUnreadInRing(int direction)
    {
        var control = Control(direction);
        var ring = Ring(direction);
        var expected = *Received(direction) + 1;
        var sent = Volatile.Read(ref *Sent(direction));
        var tail = Volatile.Read(ref *(long*)(control + TailAt));
        var head = *(long*)(control + HeadAt);
        while (expected <= sent)
        {
            if (head == tail)
            {
                return false;
            }
            var offset = (int)(head & (Capacity - 1));
            var length = *(int*)(ring + offset);
            if (length < 0)
            {
                head += Capacity - offset;
                offset = 0;
                length = *(int*)ring;
            }
            if (*(long*)(ring + offset + 8) != expected)
            {
                return false;
            }
            head += RecordHeader + Align(length);
            expected++;
        }
        return true;
    }

    /// <summary>Marks the pipe disposed and wakes both readers.</summary>
    public void MarkDisposed()
    {
        Volatile.Write(ref *(int*)(_data + 4), 1);
        Wake(0);
        Wake(1);
    }

    /// <summary>The process holding end <paramref name="end"/> (0 or 1), or 0.</summary>
    public int Holder(int end) => Volatile.Read(ref *(int*)(_data + 8 + 4 * end));

    public void SetHolder(int end, int pid) => Volatile.Write(ref *(int*)(_data + 8 + 4 * end), pid);

    /// <summary>
    /// End <paramref name="end"/> is ended: closed (<see cref="ClosedByClose"/>) or gone with its holder
    /// <paramref name="pid"/> (<see cref="ClosedByDeath"/>); nothing more may be sent to it. The first reason stays.
    /// </summary>
    public void EndEnd(int end, int why, int pid) =>
        Interlocked.CompareExchange(ref *(long*)(_data + 16 + 8 * end), ((long)why << 32) | (uint)pid, 0);

    /// <summary>Whether end <paramref name="end"/> is ended, why (<see cref="ClosedByClose"/>, <see cref="ClosedByDeath"/>) and by which process.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsEnded(int end, out int why, out int pid)
    {
        var state = Volatile.Read(ref *(long*)(_data + 16 + 8 * end));
        why = (int)(state >> 32);
        pid = (int)state;
        return state != 0;
    }

    /// <summary>Ends direction <paramref name="direction"/> (after what was sent), and wakes its reader.</summary>
    public void Close(int direction, int why)
    {
        Interlocked.CompareExchange(ref *(int*)(Control(direction) + ClosedAt), why, 0);
        Wake(direction);
    }

    /// <summary>The number the next message on <paramref name="direction"/> gets; only its writer calls this.</summary>
    public long NextSequence(int direction) => *Sent(direction) + 1;

    /// <summary>Writes a record if the ring has room; only the direction's writer calls this.</summary>
    public bool TryWrite(int direction, ReadOnlySpan<byte> payload, long sequence)
    {
        if (payload.Length > MaxInline)
        {
            return false;
        }
        var control = Control(direction);
        var ring = Ring(direction);
        var size = RecordHeader + Align(payload.Length);
        var tail = *(long*)(control + TailAt);
        var head = Volatile.Read(ref *(long*)(control + HeadAt));
        var offset = (int)(tail & (Capacity - 1));
        var contiguous = Capacity - offset;
        var needed = size <= contiguous ? size : contiguous + size;
        if (Capacity - (tail - head) < needed)
        {
            return false;
        }
        if (size > contiguous)
        {
            *(int*)(ring + offset) = -1;
            tail += contiguous;
            offset = 0;
        }
        *(int*)(ring + offset) = payload.Length;
        *(long*)(ring + offset + 8) = sequence;
        payload.CopyTo(new Span<byte>(ring + offset + RecordHeader, payload.Length));
        Volatile.Write(ref *(long*)(control + TailAt), tail + size);
        return true;
    }

    /// <summary>Counts message <paramref name="sequence"/> sent (after its record or its spill), and wakes a sleeping reader.</summary>
    public void Published(int direction, long sequence)
    {
        // A full fence between this store and the load of the waiting flag (the reader does the mirror image).
        Interlocked.Exchange(ref *Sent(direction), sequence);
        if (Volatile.Read(ref *(int*)(Control(direction) + WaitingAt)) != 0)
        {
            Wake(direction);
        }
    }

    /// <summary>Whether a message or the end is there to take (Python's <c>poll</c>).</summary>
    public bool Ready(int direction) =>
        Disposed || Volatile.Read(ref *(int*)(Control(direction) + ClosedAt)) != 0 || Volatile.Read(ref *Sent(direction)) > *Received(direction);

    /// <summary>Takes the next message if it is in the ring; only the direction's reader calls this.</summary>
    public Outcome TryRead(int direction, out byte[]? payload)
    {
        payload = null;
        var control = Control(direction);
        // The closed flag, then the sent count, then the tail: each written before the one read ahead of it.
        var closed = Volatile.Read(ref *(int*)(control + ClosedAt));
        var sent = Volatile.Read(ref *Sent(direction));
        var expected = *Received(direction) + 1;
        if (sent < expected)
        {
            return Disposed ? Outcome.Disposed : closed != 0 ? Outcome.Ended : Outcome.Empty;
        }
        var ring = Ring(direction);
        var tail = Volatile.Read(ref *(long*)(control + TailAt));
        var head = *(long*)(control + HeadAt);
        if (head != tail)
        {
            var offset = (int)(head & (Capacity - 1));
            var length = *(int*)(ring + offset);
            if (length < 0)
            {
                head += Capacity - offset;
                offset = 0;
                length = *(int*)ring;
            }
            if (*(long*)(ring + offset + 8) == expected)
            {
                payload = new Span<byte>(ring + offset + RecordHeader, length).ToArray();
                Volatile.Write(ref *(long*)(control + HeadAt), head + RecordHeader + Align(length));
                *Received(direction) = expected;
                return Outcome.Message;
            }
            // A record after the expected one, whose wrap marker was read: keep the head there.
            Volatile.Write(ref *(long*)(control + HeadAt), head);
        }
        return Outcome.Spilled;
    }

    /// <summary>The spilled message was taken from the store.</summary>
    public void TookSpilled(int direction) => *Received(direction) += 1;

    /// <summary>
    /// Spins briefly, then sleeps on the futex until <see cref="Ready"/> or <paramref name="deadline"/>
    /// (a <see cref="Stopwatch"/> timestamp; <see cref="long.MaxValue"/>: none); the caller's thread blocks.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public bool Wait(int direction, long deadline, CancellationToken cancellationToken)
    {
        var control = Control(direction);
        var futex = (int*)(control + FutexAt);
        var waiting = (int*)(control + WaitingAt);
        CancellationTokenRegistration registration = default;
        try
        {
            while (!Ready(direction))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var now = Stopwatch.GetTimestamp();
                if (now >= deadline)
                {
                    return false;
                }
                if (cancellationToken.CanBeCanceled && registration == default)
                {
                    registration = cancellationToken.Register(static state => ((Waker)state!).Wake(), new Waker(this, direction));
                }
                var word = Volatile.Read(ref *futex);
                Interlocked.Exchange(ref *waiting, 1);
                if (!Ready(direction) && !cancellationToken.IsCancellationRequested)
                {
                    var remaining = deadline == long.MaxValue ? Slice : Stopwatch.GetElapsedTime(now, deadline);
                    var limit = remaining < Slice ? remaining : Slice;
                    var spec = new Libc.TimeSpec { Seconds = (long)limit.TotalSeconds, Nanoseconds = limit.Ticks % TimeSpan.TicksPerSecond * 100 };
                    Libc.Futex(Libc.FutexCall, futex, Libc.FutexWait, word, &spec, 0, 0);
                }
                Volatile.Write(ref *waiting, 0);
            }
            return true;
        }
        finally
        {
            registration.Dispose();
        }
    }

    /// <summary>
    /// Spins up to <paramref name="budget"/> for <see cref="Ready"/>: busy at first, then yielding the
    /// core now and then (measured here, on a loaded 2-core machine, a little faster than spinning
    /// without yields); no futex call.
    /// </summary>
    public bool Spin(int direction, TimeSpan budget)
    {
        var started = Stopwatch.GetTimestamp();
        var spinner = default(SpinWait);
        while (!Ready(direction))
        {
            if (Stopwatch.GetElapsedTime(started) > budget)
            {
                return false;
            }
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        return true;
    }

    private void Wake(int direction)
    {
        var futex = (int*)(Control(direction) + FutexAt);
        Interlocked.Increment(ref *futex);
        Libc.Futex(Libc.FutexCall, futex, Libc.FutexWake, int.MaxValue, null, 0, 0);
    }

    private byte* Control(int direction) => _data + ControlOffset + ControlBytes * direction;

    private byte* Ring(int direction) => _data + RingsOffset + (long)Capacity * direction;

    private long* Sent(int direction) => (long*)(Control(direction) + SentAt);

    private long* Received(int direction) => (long*)(Control(direction) + ReceivedAt);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Align(int length) => (length + 7) & ~7;

    private sealed class Waker(PipeRing ring, int direction)
    {
        public void Wake() => ring.Wake(direction);
    }
}
