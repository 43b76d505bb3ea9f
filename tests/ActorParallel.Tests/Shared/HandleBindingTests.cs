using ActorParallel.Serialization;
using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Shared;

/// <summary>A shared handle decoded in the driver binds to the Manager that made it, not to whichever Manager started last in the process.</summary>
public sealed class HandleBindingTests
{
    private static readonly TimeSpan Bound = RuntimeFixture.Bound;

    [Fact]
    public async Task Decode_HandleOfTheFirstManagerAfterASecondRuntimeEnded_StillReachesItsManager()
    {
        await using var first = ParallelRuntime.Create(Options("first"));
        var second = ParallelRuntime.Create(Options("second"));
        try
        {
            await using var manager = await Manager.StartAsync(first).WaitAsync(Bound);
            var list = manager.List<int>();
            await using (await Manager.StartAsync(second).WaitAsync(Bound))
            {
            }
            var copy = (SharedList<int>)ValueCodec.Decode(ValueCodec.Encode(list, "the list"))!;
            await second.DisposeAsync().AsTask().WaitAsync(Bound);

            await copy.AppendAsync(7).WaitAsync(Bound);

            Assert.Equal([7], await list.ToListAsync().WaitAsync(Bound));
        }
        finally
        {
            await second.DisposeAsync().AsTask().WaitAsync(Bound);
        }
    }

    private static ParallelRuntimeOptions Options(string name) =>
        new() { WorkerStart = WorkerStart.Host, SystemName = $"binding-{name}-{Guid.NewGuid():N}" };
}
