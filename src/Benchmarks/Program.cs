using ActorParallel;
using ActorParallel.Benchmarks;

// Pool workers re-enter this program.
Worker.EnterIfWorker();

return await BenchmarkCommand.RunAsync(args);
