using ActorParallel.Samples;
using ActorParallel;

// Workers re-enter this program: in a worker process this line runs the worker and never returns.
Worker.EnterIfWorker();

return await SampleRunner.RunAsync(args);
