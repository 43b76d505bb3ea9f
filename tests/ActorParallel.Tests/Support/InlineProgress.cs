namespace ActorParallel.Tests.Support;

/// <summary>Reports progress on the thread that reports it (Progress&lt;T&gt; would post to the thread pool, later).</summary>
public sealed class InlineProgress(Action<MapProgress> report) : IProgress<MapProgress>
{
    public void Report(MapProgress value) => report(value);
}
