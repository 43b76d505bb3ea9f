namespace ActorParallel.Serialization;

/// <summary>
/// Whether what is being encoded now may run on a Host node (another machine): set by a pool with a
/// <c>HostNodeRole</c> around the encoding of its work, and flowing into the tasks that encoding
/// starts (a map's items are encoded as they are read). Handles to this machine's shared memory
/// refuse to be written while it is set.
/// </summary>
internal static class HostBoundWork
{
    private static readonly AsyncLocal<string?> Destination = new();

    /// <summary>Marks the encoding done until the scope is disposed as bound for <paramref name="destination"/>, or does nothing for <see langword="null"/>.</summary>
    public static Scope SendingTo(string? destination)
    {
        if (destination is null)
        {
            return default;
        }
        var prior = Destination.Value;
        Destination.Value = destination;
        return new Scope(prior, restore: true);
    }

    /// <summary>Whether what is being encoded now may run on a Host node.</summary>
    public static bool Active => Destination.Value is not null;

    /// <exception cref="NotShippableException">A scope is open: <paramref name="handle"/> lives in this machine's memory only.</exception>
    public static void RefuseIfHostBound(string handle, Type type, string managerEquivalent)
    {
        if (Destination.Value is { } destination)
        {
            throw new NotShippableException(
                $"Cannot send {handle} to {destination}: shared memory exists on this machine only, and a Host node is another. " +
                $"For work that runs on Host nodes use the Manager's equivalent, {managerEquivalent}.", type);
        }
    }

    public readonly struct Scope(string? prior, bool restore) : IDisposable
    {
        public void Dispose()
        {
            if (restore)
            {
                Destination.Value = prior;
            }
        }
    }
}
