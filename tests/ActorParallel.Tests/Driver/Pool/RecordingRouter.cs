using ActorParallel.Driver;
using ActorParallel.Protocol;
using Akka.Actor;

namespace ActorParallel.Tests.Driver.Pool;

/// <summary>Stands in for the router actor under <see cref="WorkerSlots"/> and <see cref="ChunkScheduler"/>: records what they ask it to do.</summary>
internal sealed class RecordingRouter : IRouterActions
{
    public bool Closing { get; set; }

    public bool MayStartWorkers { get; set; } = true;

    public List<(IActorRef Supervisor, ProcessSpec Spec)> Started { get; } = [];

    public List<(IActorRef Recipient, object Message)> Told { get; } = [];

    public void StartWorker(IActorRef supervisor, ProcessSpec spec) => Started.Add((supervisor, spec));

    public List<(object Key, object Message, TimeSpan Delay)> Scheduled { get; } = [];

    public void Tell(IActorRef recipient, object message) => Told.Add((recipient, message));

    public void Schedule(object key, object message, TimeSpan delay) => Scheduled.Add((key, message, delay));

    /// <summary>The messages of type <typeparamref name="T"/> sent to <paramref name="recipient"/>, in order.</summary>
    public List<T> ToldTo<T>(IActorRef recipient) =>
        Told.Where(told => told.Recipient.Equals(recipient)).Select(told => told.Message).OfType<T>().ToList();

    /// <summary>The chunk sequence numbers of each batch sent to <paramref name="worker"/>, in order.</summary>
    public List<int[]> Batches(IActorRef worker) =>
        ToldTo<RunChunks>(worker).Select(run => run.Chunks.Select(chunk => chunk.Seq).ToArray()).ToList();
}
