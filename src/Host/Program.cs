using ActorParallel;

// Worker mode: launched by a driver, this runs the worker and never returns.
Worker.EnterIfWorker();

Console.Error.WriteLine(
    """
    ActorParallel.Host: the worker-process executable of ActorParallel.
    A driver launches it (WorkerStart.Host) with the ACTORPARALLEL_WORKER_* environment set and
    writes where to report on its stdin;
    it loads the driver's assemblies from the driver's folder and runs what the driver deploys.
    Run directly, it has nothing to do.
    """);
return 2;
