namespace ActorParallel.Tests.Support;

/// <summary>Targets that edit a shared list as Python code edits a list proxy.</summary>
public static class SharedListTargets
{
    /// <summary>
    /// Appends 1, 2, 3 without waiting, removes 2 (which must see the appends: program order), sets
    /// the first element, pops the last, iterates, clears, then appends <paramref name="last"/>.
    /// Throws naming the first step that went wrong.
    /// </summary>
    public static void EditLikeAPythonList(SharedList<int> list, int last)
    {
        list.Append(1);
        list.Append(2);
        list.Append(3);
        list.RemoveAsync(2).GetAwaiter().GetResult();
        list.SetAsync(0, 10).GetAwaiter().GetResult();
        Expect("pop", 3, list.PopAsync().GetAwaiter().GetResult());
        Expect("list[-1]", 10, list.GetAsync(-1).GetAwaiter().GetResult());
        var seen = Iterate(list).GetAwaiter().GetResult();
        Expect("iteration", "10", string.Join(",", seen));
        try
        {
            list.PopAsync(5).GetAwaiter().GetResult();
            throw new InvalidOperationException("pop(5) of a list of 1 did not throw");
        }
        catch (ArgumentOutOfRangeException)
        {
        }
        list.ClearAsync().GetAwaiter().GetResult();
        list.Append(last);
    }

    private static async Task<List<int>> Iterate(SharedList<int> list)
    {
        var seen = new List<int>();
        await foreach (var item in list)
        {
            seen.Add(item);
        }
        return seen;
    }

    private static void Expect<T>(string step, T expected, T actual)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            throw new InvalidOperationException($"{step}: expected {expected}, got {actual}");
        }
    }
}
