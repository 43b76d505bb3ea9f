using System.Collections.Concurrent;
using ActorParallel.Configuration;
using ActorParallel.Protocol;
using Akka.Actor;

namespace ActorParallel.Workers;

/// <summary>
/// How a process's shared handles reach the driver's <c>SharedStateHost</c> (the Manager's server): over Akka.Remote
/// from a process with an ActorSystem (<see cref="AkkaSharedChannel"/>), or over the worker's direct
/// link to its driver (<see cref="DirectSharedChannel"/>), which needs no ActorSystem in the worker.
/// </summary>
internal interface ISharedChannel
{
    /// <summary>Names this process to the host, so the locks it holds are released when it goes away.</summary>
    string Address { get; }

    /// <summary>How large one request's payload (a batch of appends) may be.</summary>
    int MaxPayloadBytes { get; }

    /// <summary>
    /// Sends <paramref name="request"/> to the host at <paramref name="hostPath"/> once. <paramref name="onReply"/>
    /// is called once, on any thread, with the reply, or with why there is none: a <see cref="TimeoutException"/>
    /// when no reply came within <paramref name="timeout"/> (the request may or may not have been applied).
    /// </summary>
    void Ask(string hostPath, object request, TimeSpan timeout, Action<object?, Exception?> onReply);
}

/// <summary>The channel of a process that runs an ActorSystem: the host is an actor it reaches by its path.</summary>
internal sealed class AkkaSharedChannel : ISharedChannel, IExtension
{
    private readonly ExtendedActorSystem _system;
    private readonly ConcurrentDictionary<string, Task<IActorRef>> _hosts = new();

    /// <summary>
    /// The hosts (Managers) that run in this process, whichever of its systems they run in: a driver's
    /// directly linked workers reach them through its local system, which cannot look up a path of its
    /// cluster system. Process-wide by nature (a host's path names its process).
    /// </summary>
    private static readonly ConcurrentDictionary<string, Task<IActorRef>> HostsHere = new();

    public AkkaSharedChannel(ExtendedActorSystem system)
    {
        _system = system;
        Address = system.Provider.DefaultAddress.ToString();
        MaxPayloadBytes = Serialization.MessageLimits.MaxPayloadBytes(system);
        Node = new SharedStateNode(this);
    }

    public string Address { get; }

    public int MaxPayloadBytes { get; }

    /// <summary>The shared-state node of this system: its writers and operation numbers.</summary>
    public SharedStateNode Node { get; }

    public static AkkaSharedChannel Get(ActorSystem system) => system.WithExtension<AkkaSharedChannel, Provider>();

    /// <summary>The host at <paramref name="path"/>, found once.</summary>
    public Task<IActorRef> Host(string path) =>
        HostsHere.TryGetValue(path, out var here) ? here : _hosts.GetOrAdd(path, p => _system.ActorSelection(p).ResolveOne(Timeouts.ActorLookup));

    /// <summary>A host of this process: no lookup needed, from any of its systems.</summary>
    public static void RegisterHost(string path, IActorRef host) => HostsHere[path] = Task.FromResult(host);

    public void Ask(string hostPath, object request, TimeSpan timeout, Action<object?, Exception?> onReply) =>
        AskAsync(hostPath, request, timeout).ContinueWith(
            answered => onReply(answered.IsCompletedSuccessfully ? answered.Result : null, answered.Exception?.InnerException),
            TaskScheduler.Default);

    /// <summary>Sends <paramref name="request"/> to the host once and returns its reply.</summary>
    /// <exception cref="TimeoutException">No reply within <paramref name="timeout"/>: the request may or may not have been applied.</exception>
    /// <exception cref="ObjectDisposedException">This process's ActorSystem has stopped (its runtime was disposed).</exception>
    public async Task<object> AskAsync(string hostPath, object request, TimeSpan timeout)
    {
        if (_system.WhenTerminated.IsCompleted)
        {
            throw new ObjectDisposedException($"ActorSystem {_system.Name}", $"The ActorSystem '{_system.Name}' of this process's runtime has stopped: shared object '{SharedRequests.ObjectOf(request)}' cannot be reached through it, and its manager's objects went with it if the manager ran here.");
        }
        IActorRef host;
        try
        {
            host = await Host(hostPath).ConfigureAwait(false);
        }
        catch (ActorNotFoundException exception)
        {
            throw new InvalidOperationException($"The driver's shared-state host at {hostPath} cannot be reached.", exception);
        }
        try
        {
            // A value larger than a remoting frame goes to the host in segments.
            return await WireSegments.Get(_system).AskAsync(host, request, timeout).ConfigureAwait(false);
        }
        catch (AskTimeoutException exception)
        {
            throw new TimeoutException($"The driver's shared-state host did not answer within {timeout}.", exception);
        }
    }

    private sealed class Provider : ExtensionIdProvider<AkkaSharedChannel>
    {
        public override AkkaSharedChannel CreateExtension(ExtendedActorSystem system) => new(system);
    }
}
