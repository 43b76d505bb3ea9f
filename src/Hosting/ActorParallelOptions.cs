namespace ActorParallel.Hosting;

/// <summary>What <c>WithActorParallel</c> sets up in an ActorSystem started by Akka.Hosting.</summary>
public sealed class ActorParallelOptions
{
    /// <summary>How the supervisor starts and ends worker processes.</summary>
    public ParallelRuntimeOptions Runtime { get; set; } = new();

    /// <summary>A pool to start with the ActorSystem, or <see langword="null"/> for none.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public PoolOptions? Pool { get; set; }

    /// <summary>Whether to start a <see cref="ActorParallel.Manager"/> (shared objects) with the ActorSystem; it needs the cluster provider.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool Manager { get; set; }
}

/// <summary><see cref="Akka.Hosting.ActorRegistry"/> key of the process supervisor (send it <c>StartProcess</c>, <c>JoinProcess</c>, ...).</summary>
public sealed class ActorParallelSupervisor
{
    private ActorParallelSupervisor()
    {
    }
}

/// <summary><see cref="Akka.Hosting.ActorRegistry"/> key of the router of the pool started by <c>WithActorParallel</c>.</summary>
public sealed class ActorParallelPool
{
    private ActorParallelPool()
    {
    }
}
