using System.Collections.Concurrent;

namespace ActorParallel.Workers;

/// <summary>
/// A set of map ids that threads read and write at once. Over the framework's concurrent dictionary with
/// boxed keys: it is precompiled for reference types only, and a set over <see cref="long"/> would be
/// JIT-compiled in every worker as it starts (~10 methods, the first map's end needs it).
/// </summary>
internal sealed class MapIds
{
    private readonly ConcurrentDictionary<object, object?> _ids = new();

    public bool Contains(long mapId) => !_ids.IsEmpty && _ids.ContainsKey(mapId);

    public void Add(long mapId) => _ids.TryAdd(mapId, null);
}
