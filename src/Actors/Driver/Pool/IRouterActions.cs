using ActorParallel.Protocol;
using Akka.Actor;

namespace ActorParallel.Driver;

/// <summary>
/// What <see cref="WorkerSlots"/>, <see cref="ChunkScheduler"/> and <see cref="StuckWorkers"/> ask of the router actor: the pool's
/// lifecycle as the actor knows it, and the only ways their decisions leave them (messages sent with
/// the router as sender). Tests put a recorder in its place.
/// </summary>
internal interface IRouterActions
{
    /// <summary>The pool takes no new maps: once the running ones end, its workers retire.</summary>
    bool Closing { get; }

    /// <summary>Workers may be started: the pool is not terminating, not broken, and not closed with nothing left to run.</summary>
    bool MayStartWorkers { get; }

    /// <summary>Starts the worker process <paramref name="spec"/> under <paramref name="supervisor"/> and joins it.</summary>
    void StartWorker(IActorRef supervisor, ProcessSpec spec);

    /// <summary>Sends <paramref name="message"/> to <paramref name="recipient"/>, from the router.</summary>
    void Tell(IActorRef recipient, object message);

    /// <summary>Sends <paramref name="message"/> to the router itself after <paramref name="delay"/>; a later call with the same <paramref name="key"/> replaces it.</summary>
    void Schedule(object key, object message, TimeSpan delay);
}
