namespace ActorParallel.Tests.Support;

/// <summary>Targets that use the objects of a Manager the driver has disposed.</summary>
public static class DisposedManagerTargets
{
    /// <summary>
    /// Every operation of every kind on a disposed manager's objects, each of which must throw
    /// <see cref="ObjectDisposedException"/> naming <paramref name="manager"/>; then an append to a
    /// live manager's list, which must work. Throws naming the first operation that did otherwise.
    /// </summary>
    public static void EveryOperationFails(
        SharedList<int> list, SharedValue<long> value, SharedDict<string, int> dict, SharedArray<int> array, SharedLock gate,
        string manager, SharedList<int> live)
    {
        var operations = Operations(list, value, dict, array, gate);
        foreach (var (name, run) in operations)
        {
            try
            {
                run().GetAwaiter().GetResult();
            }
            catch (ObjectDisposedException error) when (error.Message.Contains(manager, StringComparison.Ordinal))
            {
                continue;
            }
            catch (Exception other)
            {
                throw new InvalidOperationException($"{name} threw {other.GetType().Name} instead of ObjectDisposedException naming {manager}: {other.Message}", other);
            }
            throw new InvalidOperationException($"{name} did not throw, although its manager {manager} is disposed.");
        }
        live.AppendAsync(42).GetAwaiter().GetResult();
    }

    /// <summary>Every operation of every kind on these objects, by name: what a disposed manager must refuse.</summary>
    public static IReadOnlyList<(string Name, Func<Task> Run)> Operations(
        SharedList<int> list, SharedValue<long> value, SharedDict<string, int> dict, SharedArray<int> array, SharedLock gate) =>
    [
        ("list.AppendAsync", () => list.AppendAsync(1)),
        ("list.Append", () => { list.Append(2); return Task.CompletedTask; }),
        ("list.ExtendAsync", () => list.ExtendAsync([3, 4])),
        ("list.FlushAsync", () => list.FlushAsync()),
        ("list.ToListAsync", () => list.ToListAsync()),
        ("list.CountAsync", () => list.CountAsync()),
        ("value.AddAsync", () => value.AddAsync(1)),
        ("value.Add", () => { value.Add(1); return Task.CompletedTask; }),
        ("value.GetAsync", () => value.GetAsync()),
        ("value.SetAsync", () => value.SetAsync(5)),
        ("dict.SetAsync", () => dict.SetAsync("k", 1)),
        ("dict.TryGetAsync", () => dict.TryGetAsync("k")),
        ("dict.RemoveAsync", () => dict.RemoveAsync("k")),
        ("dict.ToDictionaryAsync", () => dict.ToDictionaryAsync()),
        ("dict.CountAsync", () => dict.CountAsync()),
        ("array.SetAsync", () => array.SetAsync(0, 1)),
        ("array.GetAsync", () => array.GetAsync(0)),
        ("array.ToArrayAsync", () => array.ToArrayAsync()),
        ("gate.AcquireAsync", () => gate.AcquireAsync()),
    ];
}
