namespace ActorParallel.Driver;

/// <summary>The router's settings, derived once from <see cref="PoolOptions"/>.</summary>
internal sealed record PoolSettings(
    int Processes,
    string Name,
    byte[]? Initializer,
    int? MaxTasksPerChild,
    int MaxChunkLosses,
    TimeSpan CancellationGracePeriod,
    int MaxPayloadBytes,
    string? HostNodeRole,
    int? ProcessesPerHostNode,
    IReadOnlyList<int>? WorkerCpus,
    ItemSettings Items)
{
    /// <summary>The resident memory above which a worker is recycled after a chunk (<see cref="PoolOptions.MaxWorkerMemoryBytes"/>).</summary>
    public long? MaxWorkerMemoryBytes { get; init; }
}
