using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Samples;

/// <summary>The sample contract: other checks call these exact commands and read this exact output.</summary>
public sealed class ProcessesSampleTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Processes_PrintsWorkerLineFromEachOfFiveProcessesAndExitsZero()
    {
        using var sample = new ChildProgram("ActorParallel.Samples", "processes");

        var exitCode = await sample.WaitForExit(Bound);

        Assert.Equal(0, exitCode);
        var workerLines = sample.Lines.Where(l => l.StartsWith("Worker: ", StringComparison.Ordinal)).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 5).Select(n => $"Worker: {n}"), workerLines);
        Assert.DoesNotContain(sample.Lines, l => l.StartsWith("stderr:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SharedList_PrintsEachOfFiveNumbersOnceOnOneLine()
    {
        using var sample = new ChildProgram("ActorParallel.Samples", "shared-list");

        Assert.Equal(0, await sample.WaitForExit(Bound));
        var line = Assert.Single(sample.Lines, l => l.StartsWith('['));
        var numbers = line.Trim('[', ']').Split(", ").Select(int.Parse).Order();
        Assert.Equal(Enumerable.Range(0, 5), numbers);
        Assert.DoesNotContain(sample.Lines, l => l.StartsWith("stderr:", StringComparison.Ordinal));
    }
}
