using ActorParallel.Protocol;
using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Samples;

/// <summary>
/// The README's samples command, run as a user runs it: every sample, in one process with its workers
/// and Host nodes. A run that worked prints no ERROR or WARNING line (from the library, from Akka, from
/// a worker or a node). It runs alone (<see cref="Faults.FaultsCollection"/>): two Host nodes and a dozen
/// workers on two cores, beside another collection's processes, starve the nodes' failure detectors.
/// </summary>
[Collection(Faults.FaultsCollection.Name)]
public sealed class SamplesOutputTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(240);

    /// <summary>Whether <paramref name="line"/> is an error or a warning as ActorParallel's console log (and Akka's) prints them.</summary>
    public static bool IsProblem(string line) =>
        line.Contains("[ERROR]", StringComparison.Ordinal) || line.Contains("[WARNING]", StringComparison.Ordinal) || line.Contains("[CRITICAL]", StringComparison.Ordinal);

    [Fact]
    public async Task AllSamples_RunThatWorked_PrintsNoErrorOrWarning()
    {
        using var samples = new ChildProgram("ActorParallel.Samples");

        var exitCode = await samples.WaitForExit(Bound);

        var output = string.Join('\n', samples.Lines);
        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{output}");
        Assert.Contains("== remote-nodes", samples.Lines);
        Assert.Contains("node exit codes: 0, 0", samples.Lines);
        Assert.False(samples.Lines.Any(IsProblem), $"errors or warnings:\n{string.Join('\n', samples.Lines.Where(IsProblem))}");
        // A worker's log records reach its driver's log, never the console as they are.
        Assert.DoesNotContain(samples.Lines, line => line.Contains(WorkerLogLine.Prefix.Trim(), StringComparison.Ordinal));
    }
}
