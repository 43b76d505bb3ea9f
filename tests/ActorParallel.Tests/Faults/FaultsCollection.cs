namespace ActorParallel.Tests.Faults;

/// <summary>
/// The fault cases run one after another, and alone: no other collection runs beside them. Each
/// drives processes hard (kills, stops, a hundred starts); timing-sensitive ones (a stopped worker's
/// detection) must not share the two cores with a storm of process starts; and the load cases measure
/// the whole test process (threads, open handles, managed memory), which other collections starting
/// processes beside them made grow (open handles 272 -> 322 in one full run, 0 alone).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultsCollection
{
    public const string Name = "Faults";
}
