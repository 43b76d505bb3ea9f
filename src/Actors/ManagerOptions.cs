namespace ActorParallel;

/// <summary>Options of a <see cref="Manager"/>.</summary>
public sealed class ManagerOptions
{
    /// <summary>
    /// When a write (<c>AppendAsync</c>, <c>AddAsync</c>, <c>SetAsync</c>, ..., and the flush that ends a
    /// worker's target or a chunk) is acknowledged. Reads are always answered from the driver's
    /// replica: the driver applies every write first, so it is never behind any other replica.
    /// </summary>
    /// <value>The default value is <see cref="SharedConsistency.Local"/>.</value>
    public SharedConsistency WriteConsistency { get; set; } = SharedConsistency.Local;

    /// <summary>
    /// How long one replication round waits for replicas under <see cref="SharedConsistency.Majority"/> or
    /// <see cref="SharedConsistency.All"/>; rounds repeat until the replicas confirm (a replica that is
    /// unreachable is removed from the cluster by the driver, after which the rest suffice).
    /// </summary>
    /// <value>The default value is 3 seconds.</value>
    public TimeSpan ReplicationTimeout { get; set; } = TimeSpan.FromSeconds(3);

    internal ManagerOptions Validated()
    {
        if (!Enum.IsDefined(WriteConsistency))
        {
            throw new ArgumentOutOfRangeException(nameof(WriteConsistency), WriteConsistency, "Not a SharedConsistency value.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReplicationTimeout, TimeSpan.Zero, nameof(ReplicationTimeout));
        return (ManagerOptions)MemberwiseClone();
    }
}
