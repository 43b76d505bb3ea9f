using System.Collections.Concurrent;
using ActorParallel.Memory;
using ActorParallel.Protocol;

namespace ActorParallel.Driver;

/// <summary>
/// The shared-memory blocks of the pipes of this driver's Managers: each kept mapped (and so
/// attachable by workers) until its Manager is disposed, and ended for the reader when the process
/// holding the writing end exits, however it exits: the driver is every local worker's parent and
/// hears of its exit at once, so a reader sleeping on the ring wakes to end-of-file.
/// </summary>
internal static class PipeBlocks
{
    private static readonly ConcurrentDictionary<Guid, Block> Here = new();

    /// <summary>Records a pipe's block; <paramref name="lease"/> is the Manager's hold on it.</summary>
    public static void Add(SegmentLease lease, QueueStore store, string toFirst, string? toSecond)
    {
        var segment = lease.Segment("a pipe");
        Here[segment.Id] = new Block(lease, store, toFirst, toSecond);
    }

    /// <summary>
    /// Process <paramref name="pid"/> is gone: every pipe end it held stops sending, so its reader gets
    /// what was sent, then end-of-file (the spilled messages' queue too), and is ended, so a send to it
    /// throws (Python's <c>BrokenPipeError</c>) instead of being lost.
    /// </summary>
    public static void ProcessGone(int pid)
    {
        if (pid <= 0)
        {
            return;
        }
        foreach (var block in Here.Values)
        {
            block.ProcessGone(pid);
        }
    }

    /// <summary>The Manager whose queues are <paramref name="store"/> is disposed: its pipes' readers hear it, and the blocks are released here.</summary>
    public static void Dispose(QueueStore store)
    {
        foreach (var (id, block) in Here)
        {
            if (block.Store == store && Here.TryRemove(id, out _))
            {
                block.Dispose();
            }
        }
    }

    private sealed unsafe class Block(SegmentLease lease, QueueStore store, string toFirst, string? toSecond)
    {
        private readonly object _gate = new();

        public QueueStore Store => store;

        public void ProcessGone(int pid)
        {
            lock (_gate)
            {
                if (!lease.IsDisposed)
                {
                    EndWritesOf(pid);
                }
            }
        }

        private void EndWritesOf(int pid)
        {
            var ring = new PipeRing(lease.Segment("a pipe").Data);
            for (var end = 0; end < 2; end++)
            {
                if (ring.Holder(end) == pid)
                {
                    // End 1 writes what end 2 reads (direction 1, queue toSecond), and the reverse.
                    var direction = 1 - end;
                    ring.Close(direction, PipeRing.ClosedByDeath);
                    // Nothing more is sent to it, nor is it handed to another process: its holder is gone.
                    ring.EndEnd(end, PipeRing.ClosedByDeath, pid);
                    if ((direction == 0 ? toFirst : toSecond) is { } spilled)
                    {
                        store.Handle(new QueueEnd(spilled), static _ => { });
                    }
                }
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                if (!lease.IsDisposed)
                {
                    new PipeRing(lease.Segment("a pipe").Data).MarkDisposed();
                }
                lease.Dispose();
            }
        }
    }
}
