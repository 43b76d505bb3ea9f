using ActorParallel.Configuration;
using System.Net.Sockets;
using ActorParallel.Protocol;
using ActorParallel.Workers;
using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Driver;

/// <summary>
/// The driver's end of a <see cref="DirectLink"/>: to the pool's router it is the worker (it sends
/// the worker's replies as itself), and it writes what the router sends down the socket. It stops
/// when the link closes or the worker has been silent longer than <see cref="ParallelRuntimeOptions.WorkerHeartbeatTimeout"/>
/// (a stopped or frozen process); its process actor then ends the process, as when a remote-deployed
/// worker actor is lost. The worker's shared-object requests (<see cref="SharedCall"/>) it passes to
/// their host and returns the replies; when it stops, the locks the worker held are released.
/// </summary>
internal sealed class DirectWorkerLink : UntypedActor, IWithTimers
{
    private readonly NetworkStream _stream;
    private readonly int _pid;
    private IActorRef _replyTo = ActorRefs.Nobody;
    private long _lastHeardTicks = Environment.TickCount64;
    private readonly HashSet<(string Host, string Address)> _lockUsers = [];
    private readonly object _writeLock = new();
    private string? _queueUser;
    private readonly AkkaSharedChannel _shared = AkkaSharedChannel.Get(Context.System);

    public DirectWorkerLink(Socket socket, int pid, TimeSpan acceptablePause)
    {
        // A write to a stopped worker blocks once the socket's buffer is full, and this actor with
        // it, heartbeat checks included: it fails instead after the same pause, and the link is given up.
        _acceptablePause = acceptablePause;
        // int.MaxValue ms: never (0 is the socket's own "no limit").
        socket.SendTimeout = acceptablePause.TotalMilliseconds >= int.MaxValue ? 0 : (int)acceptablePause.TotalMilliseconds;
        _stream = DirectLink.Open(socket);
        _pid = pid;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private readonly TimeSpan _acceptablePause;

    /// <param name="socket">The link's connected socket.</param>
    /// <param name="pid">The worker process.</param>
    /// <param name="acceptablePause">Silence, or a send blocked, after which the worker is given up (<see cref="ParallelRuntimeOptions.WorkerHeartbeatTimeout"/>).</param>
    public static Props Props(Socket socket, int pid, TimeSpan acceptablePause) => Akka.Actor.Props.Create(() => new DirectWorkerLink(socket, pid, acceptablePause));

    protected override void PreStart()
    {
        var self = Self;
        var reader = new Thread(() => ReadReplies(self))
        {
            IsBackground = true,
            Name = $"actorparallel-link-{_pid}",
        };
        reader.Start();
        Timers.StartPeriodicTimer(Heartbeat.Instance, Heartbeat.Instance, DirectLink.HeartbeatInterval);
    }

    protected override void PostStop()
    {
        lock (_writeLock)
        {
            _stream.Dispose();
        }
        // Pipe ends the worker held end: their readers get end-of-file after what it sent.
        PipeBlocks.ProcessGone(_pid);
        if (Volatile.Read(ref _queueUser) is { } queueUser)
        {
            // Items the worker received from queues and had not finished with go back to their queues.
            QueueStore.ProcessGoneEverywhere(queueUser);
        }
        foreach (var (host, address) in _lockUsers)
        {
            _shared.Host(host).ContinueWith(found => found.Result.Tell(new ReleaseLocksOf(address)), TaskContinuationOptions.OnlyOnRanToCompletion);
        }
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Heartbeat when TimeSpan.FromMilliseconds(Environment.TickCount64 - Interlocked.Read(ref _lastHeardTicks)) > _acceptablePause:
                ActorParallelLogging.Get(Context.System).CreateLogger(LogCategories.Processes).LogWarning(
                    "Worker process {Pid} has not been heard from in {Seconds} s (ParallelRuntimeOptions.WorkerHeartbeatTimeout); it is given up.", _pid, _acceptablePause.TotalSeconds);
                Context.Stop(Self);
                break;
            case Heartbeat:
                Write(null);
                break;
            case LinkClosed:
                Context.Stop(Self);
                break;
            case SharedCall call:
                HandleSharedCall(call);
                break;
            case SharedReply reply:
                Write(reply);
                break;
            case IWireMessage:
                if (!Sender.IsNobody() && !Sender.Equals(Context.System.DeadLetters))
                {
                    Volatile.Write(ref _replyTo, Sender);
                }
                Write(message);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>Passes a worker's request to its host; the reply (or why there is none) goes back down the link.</summary>
    private void HandleSharedCall(SharedCall call)
    {
        if (call.Request is AcquireLock acquire)
        {
            // A lock may be granted much later; if the worker goes first, its locks are released.
            _lockUsers.Add((call.Host, acquire.Address));
        }
        else if (call.Request is SyncRequest { Op: SyncOp.Acquire or SyncOp.Wait } sync)
        {
            // The same for semaphores, locks, conditions and barriers.
            _lockUsers.Add((call.Host, sync.Address));
        }
        _shared.AskAsync(call.Host, call.Request, call.Timeout).ContinueWith(
            answered => answered.IsCompletedSuccessfully
                ? new SharedReply(call.Id, answered.Result, null, false)
                : new SharedReply(call.Id, null, answered.Exception?.InnerException?.Message ?? "The request was cancelled.", answered.Exception?.InnerException is TimeoutException),
            TaskScheduler.Default).PipeTo(Self);
    }

    private void Write(object? message)
    {
        try
        {
            var frame = DirectLink.Serialize(message);
            lock (_writeLock)
            {
                var written = DirectLink.WriteFrame(_stream, frame);
                Instruments.LinkBytes.Add(written, Instruments.Transmit);
                ShowedLife(written);
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException)
        {
            // The worker is gone: the reader sees the link close, and the OS reports the exit.
            Self.Tell(LinkClosed.Instance);
        }
    }

    /// <summary>Writes from a thread other than the actor's (a queue's reply): a failure tells the actor.</summary>
    private void Write(object message, IActorRef self)
    {
        try
        {
            var frame = DirectLink.Serialize(message);
            lock (_writeLock)
            {
                ShowedLife(DirectLink.WriteFrame(_stream, frame));
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException)
        {
            self.Tell(LinkClosed.Instance);
        }
    }

    /// <summary>
    /// A frame far larger than the socket's buffer was written: the worker has read most of it, so it is
    /// alive, even if it answered no heartbeat meanwhile (it was reading this frame, and this actor, writing
    /// it, sent none). Without this a 1 GiB argument that took more than the acceptable pause to pass got
    /// its worker given up and killed.
    /// </summary>
    private void ShowedLife(long written)
    {
        if (written > (1 << 20))
        {
            Interlocked.Exchange(ref _lastHeardTicks, Environment.TickCount64);
        }
    }

    /// <summary>On a thread of its own: every frame from the worker; replies go to the router as from this actor.</summary>
    private void ReadReplies(IActorRef self)
    {
        try
        {
            void Heard() => Interlocked.Exchange(ref _lastHeardTicks, Environment.TickCount64);
            while (DirectLink.ReadFrame(_stream, Heard) is { } frame)
            {
                Heard();
                Instruments.LinkBytes.Add(4 + frame.Size, Instruments.Receive);
                switch (DirectLink.Decode(frame))
                {
                    case SharedCall { Request: IQueueRequest request } call when QueueStore.Find(call.Host) is { } store:
                        // Queues are served here, on the reading thread, and answered down the link: no actor in between.
                        if (request is QueueTake take)
                        {
                            Volatile.Write(ref _queueUser, take.Address);
                        }
                        store.Handle(request, reply => Write(new SharedReply(call.Id, reply, null, false), self));
                        break;
                    case SharedCall call:
                        self.Tell(call);
                        break;
                    case { } reply:
                        Volatile.Read(ref _replyTo).Tell(reply, self);
                        break;
                }
                // Handling a large frame (a queue's items stored here) takes time too: still heard.
                Heard();
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or WireFormatException)
        {
        }
        self.Tell(LinkClosed.Instance);
    }

    private sealed class Heartbeat
    {
        public static readonly Heartbeat Instance = new();
    }

    private sealed class LinkClosed
    {
        public static readonly LinkClosed Instance = new();
    }
}
