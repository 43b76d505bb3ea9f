using ActorParallel.Benchmarks;
using ActorParallel;

// Pool workers re-enter this program.
Worker.EnterIfWorker();

// The cpu_speedup_nodes workload runs Host nodes as this program too.
if (await NodesCpuSpeedup.RunNodeIfAskedAsync(args) is { } nodeExitCode)
{
    return nodeExitCode;
}

return await BenchmarkCommand.RunAsync(args);
