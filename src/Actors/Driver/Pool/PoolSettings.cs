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
    ItemSettings Items);
