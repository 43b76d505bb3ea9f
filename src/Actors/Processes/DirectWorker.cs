using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using ActorParallel.Configuration;
using ActorParallel.Pooling;
using Akka.Actor;

namespace ActorParallel.Processes;

/// <summary>
/// A worker on a <see cref="DirectLink"/>: connects to the socket its driver named, proves itself
/// with the token, then runs what arrives - a process target on a thread of its own, a pool's
/// chunks on its <see cref="ChunkExecutor"/> - and writes the replies back. No ActorSystem starts
/// unless the worker's code uses a shared object.
/// </summary>
internal sealed class DirectWorker
{
    private readonly NetworkStream _stream;
    private readonly object _writeLock = new();
    private readonly ChunkExecutor _executor;

    private DirectWorker(NetworkStream stream, int maxPayloadBytes)
    {
        _stream = stream;
        _executor = new ChunkExecutor((reply, _) => Send(reply), maxPayloadBytes);
    }

    /// <summary>Serves the driver until it says to exit or the link closes; returns the exit code.</summary>
    public static int Run(WorkerEnvironment environment, (string SocketPath, string Token, int MaxPayloadBytes) link)
    {
        // A pool function that uses a shared object starts this process's ActorSystem then, once.
        Shared.SharedStateNode.UseForThisProcess(() => environment.Transport.CreateSystem(environment.SystemName, AkkaConfig.Worker));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            Environment.Exit(Finish(128 + ExitCodes.SigTerm));
        });
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(link.SocketPath));
        }
        catch (SocketException exception)
        {
            Console.Error.WriteLine($"ActorParallel worker {Environment.ProcessId} could not reach its pool at {link.SocketPath}: {exception.Message}");
            socket.Dispose();
            return ExitCodes.Orphaned;
        }
        using var stream = DirectLink.Open(socket);
        DirectLink.WriteRaw(stream, Encoding.ASCII.GetBytes(link.Token));
        return Finish(new DirectWorker(stream, link.MaxPayloadBytes).Serve());
    }

    /// <summary>A system started for shared objects says goodbye to the driver before the process ends, briefly.</summary>
    private static int Finish(int exitCode)
    {
        if (Shared.SharedStateNode.StartedForThisProcess() is { } system)
        {
            WorkerNode.RequestExit(system, exitCode, TimeSpan.FromMilliseconds(150));
            system.WhenTerminated.Wait(TimeSpan.FromSeconds(1));
        }
        return exitCode;
    }

    private int Serve()
    {
        while (true)
        {
            byte[]? frame;
            try
            {
                frame = DirectLink.ReadRaw(_stream);
            }
            catch (IOException)
            {
                frame = null;
            }
            if (frame is null)
            {
                // The driver closed the link: it gave this worker up, or it is gone.
                return ExitCodes.Orphaned;
            }
            var message = DirectLink.Decode(frame);
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
                default:
                    _executor.TryAccept(message, ActorRefs.Nobody);
                    break;
            }
        }
    }

    private void Send(object? message)
    {
        lock (_writeLock)
        {
            try
            {
                DirectLink.Write(_stream, message);
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
