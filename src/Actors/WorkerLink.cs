namespace ActorParallel;

/// <summary>How the driver talks to its local worker processes (see <see cref="ParallelRuntimeOptions.WorkerLink"/>).</summary>
public enum WorkerLink
{
    /// <summary>
    /// A Unix domain socket per worker, in a folder only this user can open, carrying ActorParallel's
    /// protocol in its binary wire format. A worker is up in about a fifth of the CPU time and half
    /// the memory of one running an ActorSystem; a process target or pool function that uses a shared
    /// object starts one in its worker on first use.
    /// </summary>
    Direct,

    /// <summary>A worker actor remote-deployed into each worker process's ActorSystem, over Akka.Remote.</summary>
    Remoting,
}
