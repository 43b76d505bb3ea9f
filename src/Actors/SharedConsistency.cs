namespace ActorParallel;

/// <summary>How many replicas of the shared state must have a write before it counts as acknowledged.</summary>
public enum SharedConsistency
{
    /// <summary>The driver's replica: the write is stored where every read is served from. Host nodes get it by gossip, within about a second.</summary>
    Local,

    /// <summary>A majority of the replicas in the cluster (the driver and the Host nodes).</summary>
    Majority,

    /// <summary>Every replica in the cluster (the driver and every Host node that is up).</summary>
    All,
}
