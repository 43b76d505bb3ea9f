using ActorParallel.Benchmarks;
using ActorParallel;

// Pool workers re-enter this program.
Worker.EnterIfWorker();

// The whole-program rows run the seed examples as this program too, each measured by this program.
if (WholePrograms.MeasureIfAsked(args) is { } measureExitCode)
{
    return measureExitCode;
}
if (await WholePrograms.RunSeedProgramIfAskedAsync(args) is { } seedExitCode)
{
    return seedExitCode;
}

// The cpu_speedup_nodes workload runs Host nodes as this program too.
if (await NodesCpuSpeedup.RunNodeIfAskedAsync(args) is { } nodeExitCode)
{
    return nodeExitCode;
}

return await BenchmarkCommand.RunAsync(args);
