using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using ActorParallel.Protocol;
using ActorParallel.Serialization;
using Akka.Actor;

namespace ActorParallel.Workers;

/// <summary>
/// A worker on a <see cref="DirectLink"/>: connects to the socket its driver named, proves itself
/// with the token, then runs what arrives - a process target on a thread of its own, a pool's
/// chunks on its <see cref="ChunkExecutor"/> - and writes the replies back. Shared objects the
/// worker's code uses travel the same link (<see cref="DirectSharedChannel"/>): no ActorSystem starts.
/// </summary>
internal sealed class DirectWorker
{
    private readonly Stream _stream;
    private readonly object _writeLock = new();
    private readonly int _maxPayloadBytes;
    private volatile DirectSharedChannel? _shared;
    private ChunkExecutor? _executor;

    private DirectWorker(Stream stream, int maxPayloadBytes)
    {
        _stream = stream;
        _maxPayloadBytes = maxPayloadBytes;
        // Shared handles decoded in this process send their requests down this link.
        SharedStateNode.UseDirectLink(() => new SharedStateNode(_shared = new DirectSharedChannel(Send, maxPayloadBytes)));
    }

    /// <summary>Serves the driver until it says to exit or the link closes; returns the exit code.</summary>
    public static int Run((string SocketPath, string Token, int MaxPayloadBytes) link)
    {
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            Environment.Exit(128 + ExitCodes.SigTerm);
        });
        Stream stream;
        try
        {
            stream = Connect(link.SocketPath);
        }
        catch (IOException exception)
        {
            WorkerLog.Error("could not reach its pool at {SocketPath}: {Reason}", link.SocketPath, exception.Message);
            return ExitCodes.Orphaned;
        }
        using var owned = stream;
        DirectLink.WriteRaw(stream, Encoding.ASCII.GetBytes(link.Token));
        var worker = new DirectWorker(stream, link.MaxPayloadBytes);
        using var beating = new CancellationTokenSource();
        var heartbeat = new Thread(() => worker.Beat(beating.Token)) { IsBackground = true, Name = "actorparallel-heartbeat" };
        heartbeat.Start();
        try
        {
            return worker.Serve();
        }
        finally
        {
            beating.Cancel();
            worker._shared?.Close();
        }
    }

    private static Stream Connect(string path) =>
        UnixSocketStream.IsSupported ? UnixSocketStream.Connect(path) : ConnectWithSocket(path);

    /// <summary>Apart, so that a Linux worker never loads .NET's socket layer.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static Stream ConnectWithSocket(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            DirectLink.AskSendBuffer(socket);
            return DirectLink.Open(socket);
        }
        catch (SocketException exception)
        {
            socket.Dispose();
            throw new IOException(exception.Message, exception);
        }
    }

    private int Serve()
    {
        while (true)
        {
            Encoded? frame;
            try
            {
                frame = DirectLink.ReadFrame(_stream);
            }
            catch (Exception exception) when (exception is IOException or WireFormatException)
            {
                frame = null;
            }
            if (frame is null)
            {
                // The driver closed the link: it gave this worker up, or it is gone.
                return ExitCodes.Orphaned;
            }
            var message = DirectLink.Decode(frame.Value);
            switch (message)
            {
                case ExitWorker exit:
                    return exit.ExitCode;
                case null:
                    AnswerHeartbeat();
                    break;
                case RunTarget run:
                    Target.Start(run, Send);
                    break;
                case SharedReply reply:
                    // A reply answers a request, which made the channel.
                    _shared?.Complete(reply);
                    break;
                default:
                    // A pool's worker gets its executor (and thread) with its first order; a process target needs none.
                    _executor ??= new ChunkExecutor((reply, _) => Send(reply), _maxPayloadBytes, sendCopies: true);
                    _executor.TryAccept(message, ActorRefs.Nobody);
                    break;
            }
        }
    }

    /// <summary>
    /// Tells the driver this process is alive every <see cref="DirectLink.HeartbeatInterval"/>, from a
    /// thread of its own: the reading thread answers the driver's heartbeats too, but not while it reads
    /// or decodes a frame of a gigabyte, which can take longer than the driver's acceptable pause on a
    /// busy machine (a worker given a 1,200 MiB argument was given up while it decoded it). A write
    /// already in progress says the same, so none is queued behind it.
    /// </summary>
    private void Beat(CancellationToken stop)
    {
        while (!stop.WaitHandle.WaitOne(DirectLink.HeartbeatInterval))
        {
            if (!Monitor.TryEnter(_writeLock))
            {
                continue;
            }
            try
            {
                DirectLink.WriteFrame(_stream, null);
            }
            catch (Exception exception) when (exception is IOException or ObjectDisposedException)
            {
                // The link is gone; the read loop sees it and ends the worker.
                return;
            }
            finally
            {
                Monitor.Exit(_writeLock);
            }
        }
    }

    /// <summary>
    /// Answers the driver's heartbeat, unless another thread is writing to the link: that write shows
    /// life as well, and this reading thread must never wait behind it (a large write waits for the
    /// driver to read, which may be waiting to write to this worker: both would stall until the link's timeout).
    /// </summary>
    private void AnswerHeartbeat()
    {
        if (!Monitor.TryEnter(_writeLock))
        {
            return;
        }
        try
        {
            Send(null);
        }
        finally
        {
            Monitor.Exit(_writeLock);
        }
    }

    private void Send(object? message)
    {
        // Serialized before the lock: a large message takes seconds to encode, and the reading thread's
        // heartbeat answers must not wait behind it.
        var frame = DirectLink.Serialize(message);
        lock (_writeLock)
        {
            try
            {
                DirectLink.WriteFrame(_stream, frame);
            }
            catch (IOException)
            {
                // The link is gone; the read loop sees it and ends the worker.
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
