namespace ActorParallel;

/// <summary>
/// How far a map has got: items finished, the total when it is known, the time since the map started,
/// and from those its rate and an estimate of the time left (as <c>tqdm</c> shows for a Python loop).
/// </summary>
/// <param name="Done">Items whose results are back.</param>
/// <param name="Total">All items, or <see langword="null"/> for a stream of unknown length.</param>
public readonly record struct MapProgress(long Done, long? Total)
{
    /// <summary>Time since the map started.</summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/> (a progress made without one).</value>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Items finished per second since the map started (the mean over <see cref="Elapsed"/>); 0 before any time has passed.</summary>
    public double Rate => Elapsed > TimeSpan.Zero ? Done / Elapsed.TotalSeconds : 0;

    /// <summary>
    /// The estimated time left: the items still to do at <see cref="Rate"/>; <see langword="null"/> when
    /// <see cref="Total"/> is unknown or nothing has finished yet.
    /// </summary>
    public TimeSpan? Eta => Total is { } total && Rate > 0 ? TimeSpan.FromSeconds(Math.Max(0, total - Done) / Rate) : null;
}
