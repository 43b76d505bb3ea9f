using ActorParallel.Configuration;

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
        var problems = new OptionProblems(nameof(ManagerOptions));
        if (!Enum.IsDefined(WriteConsistency))
        {
            problems.Add(nameof(WriteConsistency), $"{nameof(WriteConsistency)} has no value {(int)WriteConsistency}.");
        }
        if (ReplicationTimeout <= TimeSpan.Zero)
        {
            problems.Add(nameof(ReplicationTimeout), $"{nameof(ReplicationTimeout)} must be positive (was {ReplicationTimeout}).");
        }
        problems.ThrowIfAny();
        return (ManagerOptions)MemberwiseClone();
    }
}
