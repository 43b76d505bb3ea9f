using ActorParallel.Host;
using ActorParallel;

// Worker mode: launched by a driver (with the ACTORPARALLEL_WORKER_* environment set and where to
// report on its stdin), this runs the worker and never returns.
Worker.EnterIfWorker();

// A cluster certificate for --certificate and ParallelRuntimeOptions.CertificatePath.
if (args is ["--create-certificate", var certificatePath])
{
    var password = Environment.GetEnvironmentVariable(HostNodeOptions.PasswordVariable);
    var thumbprint = ClusterCertificate.CreateFile(certificatePath, string.IsNullOrEmpty(password) ? null : password);
    Console.WriteLine($"Wrote {Path.GetFullPath(certificatePath)} (SHA-256 {thumbprint}). Copy it to every node of the cluster, and to nobody else.");
    return 0;
}

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
