using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Processes;

/// <summary>
/// Ctrl-C and SIGTERM end a program that is mapping on a pool as they end any .NET program (exit
/// 128 + the signal), with no worker left behind; a program with a Ctrl-C handler of its own decides
/// alone. Each test runs a real driver program (ActorParallel.Tests.Parent) and signals it from outside.
/// </summary>
public sealed class ProgramSignalTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(OsProcesses.SigInt)]
    [InlineData(OsProcesses.SigTerm)]
    public async Task Signal_ProgramMappingWithoutHandler_ExitsPromptlyWithNoWorkerLeft(int signal)
    {
        using var program = ChildProgram.WithDefaultSignals("ActorParallel.Tests.Parent", "2", "map");
        var workers = await WorkersWhileMapping(program);

        Assert.True(OsProcesses.Signal(program.Pid, signal), "the program should be alive to signal");

        var exitCode = await ExitCodeWithin(program, TimeSpan.FromSeconds(10), $"its exit after signal {signal}");
        Assert.Equal(128 + signal, exitCode);
        Assert.True(await OsProcesses.AllGoneWithin(workers, TimeSpan.FromSeconds(5)), $"workers still alive 5 s after signal {signal} ended their driver");
    }

    [Fact]
    public async Task Sigint_ProgramWithItsOwnCancelKeyPressHandler_KeepsMappingAndExitsZero()
    {
        using var program = ChildProgram.WithDefaultSignals("ActorParallel.Tests.Parent", "2", "map-handled");
        var workers = await WorkersWhileMapping(program);

        Assert.True(OsProcesses.Signal(program.Pid, OsProcesses.SigInt), "the program should be alive to signal");
        await program.WaitForLine("handled", Bound);

        var exitCode = await ExitCodeWithin(program, Bound, "the end of its map after its own handler cancelled Ctrl-C");
        Assert.True(exitCode == 0, $"exit code {exitCode}; the program's own handler cancelled Ctrl-C, so its map should have finished. Output:\n{string.Join('\n', program.Lines)}");
        Assert.Contains($"done {Enumerable.Range(0, 40).Sum()}", program.Lines);
        Assert.True(await OsProcesses.AllGoneWithin(workers, TimeSpan.FromSeconds(10)), "workers still alive after the program disposed its pool and exited");
    }

    private static async Task<int> ExitCodeWithin(ChildProgram program, TimeSpan bound, string phase)
    {
        try
        {
            return await program.WaitForExit(bound);
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"waited {bound.TotalSeconds} s for {phase}: the program still runs. Output:\n{string.Join('\n', program.Lines)}");
        }
    }

    /// <summary>Waits until the map is under way; returns every child of the program then (its workers), tracked for cleanup.</summary>
    private static async Task<List<int>> WorkersWhileMapping(ChildProgram program)
    {
        await program.WaitForLine("ready", Bound);
        await program.WaitForLine("item 2", Bound);
        var workers = program.Lines.Where(l => l.StartsWith("worker ", StringComparison.Ordinal))
            .Select(l => int.Parse(l["worker ".Length..]))
            .Union(OsProcesses.ChildrenOf(program.Pid))
            .ToList();
        workers.ForEach(program.Track);
        Assert.NotEmpty(workers);
        return workers;
    }
}
