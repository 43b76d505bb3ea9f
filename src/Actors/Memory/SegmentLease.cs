using System.Runtime.ConstrainedExecution;

namespace ActorParallel.Memory;

/// <summary>
/// One object's hold on a <see cref="MemorySegment"/>: disposed by the object's <c>Dispose</c>, or
/// finalized when the object is collected, so that a worker which received a handle and dropped it
/// does not keep the block mapped for the rest of its life.
/// </summary>
internal sealed class SegmentLease : CriticalFinalizerObject, IDisposable
{
    private MemorySegment? _segment;

    public SegmentLease(MemorySegment segment) => _segment = segment;

    public bool IsDisposed => Volatile.Read(ref _segment) is null;

    /// <exception cref="ObjectDisposedException">The lease is disposed.</exception>
    public MemorySegment Segment(string what) => Volatile.Read(ref _segment) ?? throw new ObjectDisposedException(what, $"{what} is disposed in this process.");

    /// <summary>Another lease on the same block (for a view or a lock made from this object).</summary>
    public SegmentLease Share(string what)
    {
        var segment = Segment(what);
        return segment.TryAddReference() ? new SegmentLease(segment) : throw new ObjectDisposedException(what, $"{what} is disposed in this process.");
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _segment, null)?.Release();
        GC.SuppressFinalize(this);
    }

    ~SegmentLease() => Interlocked.Exchange(ref _segment, null)?.Release();
}
