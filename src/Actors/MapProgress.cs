namespace ActorParallel;

/// <summary>How far a map has got: items finished, and the total when it is known.</summary>
/// <param name="Done">Items whose results are back.</param>
/// <param name="Total">All items, or <see langword="null"/> for a stream of unknown length.</param>
public readonly record struct MapProgress(long Done, long? Total);
