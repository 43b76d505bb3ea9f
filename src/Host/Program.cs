using ActorParallel;
using ActorParallel.Host;

// Worker mode: launched by a driver (with the ACTORPARALLEL_WORKER_* environment set and where to
// report on its stdin), this runs the worker and never returns.
Worker.EnterIfWorker();

// Node mode (see --help), or a cluster certificate for --certificate and ParallelRuntimeOptions.CertificatePath.
return await HostCommandLine.InvokeAsync(args);
