using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Samples;

/// <summary>The queue sample's contract: its exact output line.</summary>
public sealed class QueueSampleTests
{
    [Fact]
    public async Task Queue_OneProducerTwoConsumers_PrintsConsumedAndSumExactly()
    {
        using var sample = new ChildProgram("ActorParallel.Samples", "queue");

        Assert.Equal(0, await sample.WaitForExit(TimeSpan.FromSeconds(120)));
        Assert.Contains("consumed=100000 sum=4999950000", sample.Lines);
        Assert.DoesNotContain(sample.Lines, l => l.StartsWith("stderr:", StringComparison.Ordinal));
    }
}
