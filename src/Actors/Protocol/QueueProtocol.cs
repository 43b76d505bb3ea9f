using System.Collections.Immutable;

namespace ActorParallel.Protocol;

/// <summary>A request to a Manager's queues (the driver's <c>QueueStore</c>), for queue <see cref="Queue"/>.</summary>
internal interface IQueueRequest : IWireMessage
{
    string Queue { get; }
}

/// <summary>
/// Client → store: <paramref name="Writer"/>'s batch number <paramref name="Seq"/> (from 1): put
/// <paramref name="Values"/> in order, then count <paramref name="TaskDone"/> calls of
/// <c>TaskDone</c> by that process. Applied once (a resent batch is recognised by its number). On a
/// bounded queue the reply waits until every value is in. Replies <see cref="QueuePutDone"/>.
/// </summary>
internal sealed record QueuePut(string Queue, string Writer, long Seq, ImmutableArray<byte[]> Values, int TaskDone) : IQueueRequest;

/// <summary>Store → client: batch <paramref name="Seq"/> of <paramref name="Writer"/> is applied.</summary>
internal sealed record QueuePutDone(string Queue, string Writer, long Seq) : IWireMessage;

/// <summary>
/// Client → store: put <paramref name="Values"/> (all or none) if there is room within <paramref name="TimeoutMs"/>
/// milliseconds (0: only if there is room now; -1: wait as long as it takes). Sent once. Replies <see cref="QueueOffered"/>.
/// </summary>
internal sealed record QueueOffer(string Queue, ImmutableArray<byte[]> Values, long TimeoutMs) : IQueueRequest;

/// <summary>Store → client: whether the value went in (false: the queue stayed full).</summary>
internal sealed record QueueOffered(string Queue, bool Accepted) : IWireMessage;

/// <summary>
/// Client → store: up to <paramref name="Max"/> items for consumer <paramref name="Consumer"/>, whose
/// process is at <paramref name="Address"/>, waiting up to <paramref name="TimeoutMs"/> ms for the
/// first (-1: as long as it takes). <paramref name="Handed"/>: how many items the consumer's
/// process has handed to its code since its last request (the store forgets those; the rest go
/// back to the queue if the process dies). Replies <see cref="QueueItems"/>.
/// </summary>
internal sealed record QueueTake(string Queue, string Consumer, string Address, long RequestId, int Max, long TimeoutMs, int Handed) : IQueueRequest;

/// <summary>Store → client: the items for take <paramref name="RequestId"/>; none when it timed out or was cancelled.</summary>
internal sealed record QueueItems(string Queue, long RequestId, ImmutableArray<byte[]> Values) : IWireMessage;

/// <summary>Client → store: end take <paramref name="RequestId"/> if it still waits (it is answered with no items). Replies <see cref="QueueAck"/>.</summary>
internal sealed record QueueCancelTake(string Queue, string Consumer, long RequestId) : IQueueRequest;

/// <summary>
/// Client → store: consumer <paramref name="Consumer"/> handed <paramref name="Handed"/> more items to
/// its code and gives back the last <paramref name="Returned"/> it received (unread), which go back to
/// the front of the queue. Replies <see cref="QueueAck"/>.
/// </summary>
internal sealed record QueueSettle(string Queue, string Consumer, int Handed, int Returned) : IQueueRequest;

/// <summary>Client → store: answer when every item put has had its <c>TaskDone</c> (Python's <c>JoinableQueue.join</c>). Replies <see cref="QueueAck"/>.</summary>
internal sealed record QueueJoin(string Queue) : IQueueRequest;

/// <summary>Client → store: the queue's counts. Replies <see cref="QueueState"/>.</summary>
internal sealed record QueueStatus(string Queue) : IQueueRequest;

/// <summary>
/// Store → client: <paramref name="Count"/> items in the queue (including those consumers received
/// but have not yet handed to their code), <paramref name="Unfinished"/> still without <c>TaskDone</c>,
/// and the queue's bound (0: unbounded).
/// </summary>
internal sealed record QueueState(string Queue, int Count, long Unfinished, int MaxSize) : IWireMessage;

/// <summary>Store → client: done.</summary>
internal sealed record QueueAck(string Queue) : IWireMessage;

/// <summary>Store → client: the request failed (<paramref name="Error"/> says why, e.g. the queue was deleted).</summary>
internal sealed record QueueFailed(string Queue, string Error) : IWireMessage;

/// <summary>Store → client: take <paramref name="RequestId"/> finds the queue empty and ended: nothing more will come (a pipe's end-of-file).</summary>
internal sealed record QueueEnded(string Queue, long RequestId) : IWireMessage;

/// <summary>
/// Client → store: no more items will be put on the queue (a pipe end closed): once it is empty, takes
/// answer <see cref="QueueEnded"/>. Replies <see cref="QueueAck"/>.
/// </summary>
internal sealed record QueueEnd(string Queue) : IQueueRequest;
