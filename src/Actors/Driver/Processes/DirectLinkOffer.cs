using System.Diagnostics;
using System.Net.Sockets;
using ActorParallel.Protocol;
using ActorParallel.Workers;

namespace ActorParallel.Driver;

/// <summary>
/// The driver's half of a <see cref="DirectLink"/> being set up with one worker process: a socket
/// listening where only this user can connect, the worker told on its stdin where that is and the
/// token to present, and the accept that completes when it has. A process actor makes one when it
/// adopts a worker; a spare process (<see cref="ParallelRuntimeOptions.SpareProcesses"/>) gets one
/// when it is launched, so that the process that takes it later finds it linked already.
/// </summary>
internal sealed class DirectLinkOffer
{
    private readonly CancellationTokenSource _cancel;

    private DirectLinkOffer(Task<Socket> accepted, CancellationTokenSource cancel)
    {
        Accepted = accepted;
        _cancel = cancel;
    }

    /// <summary>Completes with the worker's connection once it has presented the token.</summary>
    public Task<Socket> Accepted { get; }

    /// <summary>
    /// Listens, tells <paramref name="process"/> where to connect (and, when known, the
    /// <paramref name="name"/> it goes by), then accepts: the listener queues the worker's
    /// connection until then, and a worker that cannot be told leaves no accept behind.
    /// </summary>
    /// <returns>The offer; <see langword="null"/> when the worker could not be told (it has exited).</returns>
    /// <exception cref="SocketException">No socket could be made.</exception>
    /// <exception cref="IOException">No socket could be made.</exception>
    /// <exception cref="UnauthorizedAccessException">No socket could be made.</exception>
    public static DirectLinkOffer? Make(Process process, string? name, int maxPayloadBytes)
    {
        var token = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var (listener, path) = DirectLink.Listen();
        if (!TellFirstLine(process, DirectLink.Describe(path, token, maxPayloadBytes), name))
        {
            listener.Dispose();
            File.Delete(path);
            return null;
        }
        var cancel = new CancellationTokenSource();
        return new DirectLinkOffer(DirectLink.AcceptAsync(listener, path, token, cancel.Token), cancel);
    }

    /// <summary>Writes a worker's first stdin line (see <see cref="WorkerNode.FirstLine"/>); false when it has exited.</summary>
    public static bool TellFirstLine(Process process, string line, string? name)
    {
        try
        {
            process.StandardInput.WriteLine(name is null ? line : WorkerNode.FirstLine(line, name));
            process.StandardInput.Flush();
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Stops accepting, if the worker has not connected yet.</summary>
    public void Cancel() => _cancel.Cancel();

    /// <summary>Stops accepting, and closes the connection if the worker had made it: nobody will use it.</summary>
    public void Abandon()
    {
        Cancel();
        Accepted.ContinueWith(accepted => accepted.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }
}
