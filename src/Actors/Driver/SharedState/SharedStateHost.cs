using System.Collections.Immutable;
using ActorParallel.Configuration;
using ActorParallel.Protocol;
using Akka.Actor;
using Akka.DistributedData;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorParallel.Driver;

/// <summary>
/// The driver's keeper of shared objects, as the server process of Python's Manager: every process
/// sends it writes and reads; it stores them in the driver's DistributedData replicator. It applies
/// each writer's operations once and in order (by the writer's sequence numbers), so a client that
/// retries after a lost reply never doubles a write, and it gives every list element its place in
/// the order the appends reached it.
/// </summary>
internal sealed class SharedStateHost : UntypedActor
{
    private readonly IActorRef _replicator;
    private readonly AkkaCluster _cluster;
    private readonly int _maxPayloadBytes;
    private readonly WireSegments _segments;
    private readonly Dictionary<(string Name, string Writer), long> _nextSeq = [];
    private readonly Dictionary<string, long> _sums = [];
    private readonly Dictionary<string, double> _floatSums = [];
    private readonly LockTable _locks = new();
    private readonly DictStore _dicts;
    private readonly ListStore _lists;
    private readonly ConfirmedWrites _writes;
    private readonly QueueStore _queues;
    private readonly SyncTable _sync;

    public SharedStateHost(IActorRef replicator, int maxPayloadBytes, IWriteConsistency writeConsistency, QueueStore queues)
    {
        _queues = queues;
        var self = Self;
        _sync = new SyncTable((milliseconds, expired) =>
            Context.System.Scheduler.ScheduleTellOnceCancelable(TimeSpan.FromMilliseconds(milliseconds), self, expired, self));
        _replicator = replicator;
        _cluster = AkkaCluster.Get(Context.System);
        _maxPayloadBytes = maxPayloadBytes;
        // Replies that carry values (reads, an edit's removed item) may be larger than a remoting frame.
        _segments = WireSegments.Get(Context.System);
        _writes = new ConfirmedWrites(replicator, writeConsistency, (to, reply) => _segments.Send(to, reply, self));
        _dicts = new DictStore(replicator, _writes, _cluster.SelfUniqueAddress, maxPayloadBytes);
        _lists = new ListStore(replicator, _writes, _cluster.SelfUniqueAddress, maxPayloadBytes);
    }

    public static Props Props(IActorRef replicator, int maxPayloadBytes, IWriteConsistency writeConsistency, QueueStore queues) =>
        Akka.Actor.Props.Create(() => new SharedStateHost(replicator, maxPayloadBytes, writeConsistency, queues));

    /// <summary>Makes the driver a member of its own one-node cluster, which DistributedData needs, and starts the replicator.</summary>
    /// <param name="system">The driver's system.</param>
    /// <param name="hostNodes">Host nodes known to be up: their replicas must be known to the replicator before a Majority or All write can count them.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<IActorRef> StartReplicatorAsync(ActorSystem system, int hostNodes, CancellationToken cancellationToken)
    {
        var replicator = DistributedData.Get(system).Replicator;
        await Driver.HostNodes.JoinSelfAsync(system, cancellationToken).ConfigureAwait(false);
        // A new replicator learns the cluster's members (Host nodes' replicas) from an event that
        // arrives a moment later; until then a Majority or All write would count only itself.
        var members = Math.Max(1 + hostNodes, AkkaCluster.Get(system).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up));
        var deadline = DateTime.UtcNow + Timeouts.ReplicasKnown;
        while ((await replicator.Ask<ReplicaCount>(Dsl.GetReplicaCount, Timeouts.ReplicasKnown, cancellationToken).ConfigureAwait(false)).N < members
            && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
        return replicator;
    }

    protected override void PreStart() =>
        Context.System.EventStream.Subscribe(Self, typeof(Akka.Remote.DisassociatedEvent));

    protected override void OnReceive(object message)
    {
        Instruments.CountSharedOperation(message, Context.System.Name);
        switch (message)
        {
            case SetValue set:
                HandleSet(set);
                break;
            case WriteDict write:
                _writes.Begin(Sender);
                _writes.Acknowledge(_dicts.Write(write));
                break;
            case ReadDict read:
                _segments.Send(Sender, _dicts.Read(read), Self);
                break;
            case EditList edit:
                _writes.Begin(Sender);
                _writes.Acknowledge(_lists.Edit(edit));
                break;
            case AcquireLock acquire:
                _locks.Acquire(acquire, Sender);
                break;
            case ReleaseLock release:
                _locks.Release(release);
                Sender.Tell(new LockReleased(release.Name, release.RequestId));
                break;
            case IQueueRequest request:
                // Queues live in a store that direct links and the driver's handles reach without this actor.
                var replyTo = Sender;
                var host = Self;
                _queues.Handle(request, reply => _segments.Send(replyTo, reply, host));
                break;
            case SyncRequest request:
                var syncReplyTo = Sender;
                _sync.Handle(request, reply => syncReplyTo.Tell(reply));
                break;
            case SyncExpired expired:
                _sync.Expire(expired);
                break;
            case Akka.Remote.DisassociatedEvent gone:
                // A process that held or awaited a lock is gone (exited or killed): it will never release.
                _locks.ReleaseAllOf(gone.RemoteAddress.ToString());
                _queues.ProcessGone(gone.RemoteAddress.ToString());
                _sync.ProcessGone(gone.RemoteAddress.ToString());
                break;
            case ReleaseLocksOf gone:
                // The same for a worker on a direct link, told by the driver's end of that link.
                _locks.ReleaseAllOf(gone.Address);
                _sync.ProcessGone(gone.Address);
                break;
            case AppendValues append:
                HandleAppend(append);
                break;
            case AddToValue add:
                HandleAdd(add);
                break;
            case ReadList read:
                _segments.Send(Sender, _lists.Read(read), Self);
                break;
            case ReadValue read:
                HandleReadValue(read);
                break;
            case DeleteShared delete:
                HandleDelete(delete);
                break;
            case IUpdateResponse response:
                _writes.Handle(response);
                break;
            case DisposeHost:
                HandleDispose();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>
    /// The manager is disposed (its objects deleted already): forget everything and stay only to
    /// answer every request with <see cref="ManagerDisposed"/>, so that a handle still held anywhere
    /// (driver, direct-linked or remoting worker) fails at once instead of waiting for a reply that
    /// never comes. A few hundred bytes per disposed manager, until the runtime stops.
    /// </summary>
    private void HandleDispose()
    {
        var manager = Self.Path.Name;
        _queues.Dispose();
        foreach (var (name, reply) in _sync.Clear())
        {
            reply(new ManagerDisposed(manager, name));
        }
        foreach (var (name, replyTo) in _locks.Clear())
        {
            replyTo.Tell(new ManagerDisposed(manager, name));
        }
        _lists.Clear();
        _nextSeq.Clear();
        _sums.Clear();
        _floatSums.Clear();
        _dicts.Clear();
        Context.System.EventStream.Unsubscribe(Self);
        Sender.Tell(HostDisposed.Instance);
        Become(message =>
        {
            switch (message)
            {
                case DisposeHost:
                    Sender.Tell(HostDisposed.Instance);
                    break;
                case IUpdateResponse response:
                    // Writes still being confirmed by replicas when the manager went: their writers get their answer.
                    _writes.Handle(response);
                    break;
                case IQueueRequest request:
                    Sender.Tell(new ManagerDisposed(manager, request.Queue));
                    break;
                case SyncRequest request:
                    Sender.Tell(new ManagerDisposed(manager, request.Name));
                    break;
                case Protocol.IWireMessage request:
                    Sender.Tell(new ManagerDisposed(manager, SharedRequests.ObjectOf(request)));
                    break;
                default:
                    // The replicator's answers to the last writes, lock releases of processes gone: nothing waits for them.
                    break;
            }
        });
    }

    private void HandleAppend(AppendValues append)
    {
        var next = _nextSeq.GetValueOrDefault((append.List, append.Writer));
        // Values before 'next' were stored already: this is a retry of a batch whose reply was lost.
        var skip = (int)Math.Clamp(next - append.FirstSeq, 0, append.Values.Length);
        _writes.Begin(Sender, (append.List, append.Writer));
        _lists.Append(append.List, append.Values.AsSpan()[skip..]);
        var stored = Math.Max(next, append.FirstSeq + append.Values.Length);
        _nextSeq[(append.List, append.Writer)] = stored;
        Acknowledge(new Appended(append.List, append.Writer, stored));
    }

    private void HandleAdd(AddToValue add)
    {
        _writes.Begin(Sender, (add.Name, add.Writer));
        if (FirstTime(add.Name, add.Writer, add.Seq))
        {
            ApplyDelta(add.Name, add.Delta);
            ApplyFloatDelta(add.Name, add.FloatDelta);
        }
        Acknowledge(new Added(add.Name, add.Writer, add.Seq));
    }

    private void HandleSet(SetValue set)
    {
        // Sets are numbered apart from additions (those come through the batching writer in their own
        // order); of two sets from one process arriving out of order, the later one wins, as it should.
        _writes.Begin(Sender, (set.Name, set.Writer + "#set"));
        if (FirstTime(set.Name, set.Writer + "#set", set.Seq))
        {
            // The host is the counter's only writer, so it knows the sum: setting is adding the difference.
            ApplyDelta(set.Name, set.Value - _sums.GetValueOrDefault(set.Name));
            ApplyFloatDelta(set.Name, set.FloatValue - _floatSums.GetValueOrDefault(set.Name));
        }
        Acknowledge(new Added(set.Name, set.Writer, set.Seq));
    }

    /// <summary>Whether this operation of the writer is new (operations apply once, in order).</summary>
    private bool FirstTime(string name, string writer, long seq)
    {
        var key = (name, writer);
        if (seq < _nextSeq.GetValueOrDefault(key))
        {
            return false;
        }
        _nextSeq[key] = seq + 1;
        return true;
    }

    private void ApplyDelta(string name, long delta)
    {
        var self = _cluster.SelfUniqueAddress;
        _writes.Update(SharedKeys.Value(name), PNCounter.Empty,
            counter => delta >= 0 ? counter.Increment(self, delta) : counter.Decrement(self, -delta));
        _sums[name] = _sums.GetValueOrDefault(name) + delta;
    }

    /// <summary>A double cannot live in a counter: its running sum is kept here and stored whole, as a register.</summary>
    private void ApplyFloatDelta(string name, double delta)
    {
        if (delta == 0)
        {
            return;
        }
        var sum = _floatSums.GetValueOrDefault(name) + delta;
        _floatSums[name] = sum;
        var self = _cluster.SelfUniqueAddress;
        _writes.Update(SharedKeys.FloatValue(name), new LWWRegister<long>(self, 0L),
            register => register.WithValue(self, BitConverter.DoubleToInt64Bits(sum)));
    }

    private void HandleReadValue(ReadValue read)
    {
        var key = SharedKeys.Value(read.Name);
        var floatKey = SharedKeys.FloatValue(read.Name);
        var sum = _replicator.Ask<IGetResponse>(Dsl.Get(key, ReadLocal.Instance));
        var floatSum = _replicator.Ask<IGetResponse>(Dsl.Get(floatKey, ReadLocal.Instance));
        Task.WhenAll(sum, floatSum).ContinueWith(
            _ => new ValueRead(
                read.Name,
                sum.IsCompletedSuccessfully && sum.Result is GetSuccess integer ? (long)integer.Get(key).Value : 0,
                floatSum.IsCompletedSuccessfully && floatSum.Result is GetSuccess floating ? BitConverter.Int64BitsToDouble(floating.Get(floatKey).Value) : 0),
            TaskScheduler.Default).PipeTo(Sender);
    }

    /// <summary>
    /// The replicator applies its messages in order, so once the updates above are in its mailbox,
    /// every later read (which goes through the same mailbox) sees them: the write is stored. Under a
    /// Majority or All write consistency the reply waits for the replicas' confirmations.
    /// </summary>
    private void Acknowledge(object reply) => _writes.Acknowledge(reply);

    private void HandleDelete(DeleteShared delete)
    {
        _writes.Begin(Sender);
        _lists.Delete(delete.Name);
        _replicator.Tell(Dsl.Delete(SharedKeys.Value(delete.Name), WriteLocal.Instance));
        _sums.Remove(delete.Name);
        _replicator.Tell(Dsl.Delete(SharedKeys.FloatValue(delete.Name), WriteLocal.Instance));
        _floatSums.Remove(delete.Name);
        _locks.Delete(delete.Name);
        _dicts.Delete(delete.Name);
        foreach (var key in _nextSeq.Keys.Where(k => k.Name == delete.Name).ToList())
        {
            _nextSeq.Remove(key);
        }
        Acknowledge(new SharedDeleted(delete.Name));
    }
}
