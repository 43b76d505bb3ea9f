using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Samples;

/// <summary>The shared-array sample's contract: this exact command prints these exact lines.</summary>
public sealed class SharedArraySampleTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task SharedArray_TwoProcessesFillHalvesThenAPoolSumsSlices_PrintsBothSums()
    {
        using var sample = new ChildProgram("ActorParallel.Samples", "shared-array");

        Assert.Equal(0, await sample.WaitForExit(Bound));
        Assert.Equal(["sum=249999750000", "pool sum=249999750000"], sample.Lines);
    }
}
