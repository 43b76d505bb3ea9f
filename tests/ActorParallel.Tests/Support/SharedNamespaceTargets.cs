namespace ActorParallel.Tests.Support;

/// <summary>Targets that use a shared namespace as Python code uses <c>manager.Namespace()</c>.</summary>
public static class SharedNamespaceTargets
{
    /// <summary>Reads <c>ns.factor</c>, sets <c>ns.result</c> to twice it and <c>ns.who</c>, deletes <c>ns.scratch</c>.</summary>
    public static void DoubleTheFactor(SharedNamespace ns)
    {
        var factor = ns.GetAsync<int>("factor").GetAwaiter().GetResult();
        ns.SetAsync("result", factor * 2).GetAwaiter().GetResult();
        ns.SetAsync("who", $"worker {Environment.ProcessId}").GetAwaiter().GetResult();
        if (!ns.RemoveAsync("scratch").GetAwaiter().GetResult())
        {
            throw new InvalidOperationException("ns.scratch was not there to delete");
        }
    }
}
