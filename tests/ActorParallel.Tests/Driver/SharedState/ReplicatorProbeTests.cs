using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using UniqueAddress = Akka.Cluster.UniqueAddress;

namespace ActorParallel.Tests.Driver.SharedState;

/// <summary>What the shared-state server's stores are tested against instead of a cluster: a probe as the replicator, and this node's address.</summary>
public abstract class ReplicatorProbeTests : TestKit
{
    protected static readonly UniqueAddress Self = new(new Address("akka.tcp", "test", "localhost", 1), 1);

    protected ReplicatorProbeTests()
    {
        Replicator = CreateTestProbe();
    }

    /// <summary>Stands for the Akka.DistributedData replicator: the test reads what is sent to it, and answers by hand.</summary>
    protected TestProbe Replicator { get; }
}
