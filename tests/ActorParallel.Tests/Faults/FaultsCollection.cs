namespace ActorParallel.Tests.Faults;

/// <summary>
/// The fault cases run one after another, not beside each other: each drives processes hard
/// (kills, stops, a hundred starts), and timing-sensitive ones (a stopped worker's detection) must not
/// share the two cores with a storm of process starts.
/// </summary>
[CollectionDefinition(Name)]
public sealed class FaultsCollection
{
    public const string Name = "Faults";
}
