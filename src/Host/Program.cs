using ActorParallel;
using ActorParallel.Host;

// Worker mode: launched by a driver (with the ACTORPARALLEL_WORKER_* environment set and where to
// report on its stdin), this runs the worker and never returns.
Worker.EnterIfWorker();

// Node mode: a worker node that joins a driver's cluster (see --help).
var (options, error, help) = HostNodeOptions.Parse(args);
if (help)
{
    Console.WriteLine(HostNodeOptions.Usage);
    return 0;
}
if (options is null)
{
    Console.Error.WriteLine($"ActorParallel.Host: {error}");
    Console.Error.WriteLine("Run ActorParallel.Host --help for the options.");
    return 2;
}
return await HostNode.RunAsync(options);
