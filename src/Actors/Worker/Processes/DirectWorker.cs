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
        try
        {
            return worker.Serve();
        }
        finally
        {
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
                    Send(null);
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
                    _executor ??= new ChunkExecutor((reply, _) => Send(reply), _maxPayloadBytes);
                    _executor.TryAccept(message, ActorRefs.Nobody);
                    break;
            }
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
