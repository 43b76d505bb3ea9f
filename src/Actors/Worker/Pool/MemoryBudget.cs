namespace ActorParallel.Workers;

/// <summary>
/// A pool worker's memory budget (<see cref="PoolOptions.MaxWorkerMemoryBytes"/>): is the worker above
/// it? Memory the runtime would give back on its own does not count: above the budget, spare heap
/// is given back first (a full compacting collection, then the C heap's free pages) and the worker
/// measured again, as loky collects garbage before it calls a worker's growth a leak.
/// </summary>
/// <param name="bytes">The budget, in bytes of resident memory.</param>
/// <param name="measure">Reads the worker's resident memory now.</param>
/// <param name="giveBack">Gives back the memory the worker does not use.</param>
internal sealed class MemoryBudget(long bytes, Func<long> measure, Action giveBack)
{
    public long Bytes => bytes;

    /// <summary>The budget of this process, measured by its RSS.</summary>
    public static MemoryBudget OfThisProcess(long bytes) => new(bytes, ResidentMemory.Read, WorkingSet.Trim);

    /// <summary>The resident memory when it is above the budget even after giving spare memory back; otherwise <see langword="null"/>.</summary>
    public long? Exceeded()
    {
        if (measure() <= bytes)
        {
            return null;
        }
        giveBack();
        var after = measure();
        return after > bytes ? after : null;
    }
}
