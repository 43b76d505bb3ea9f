namespace ActorParallel;

/// <summary>Which executable a worker process runs.</summary>
public enum WorkerStart
{
    /// <summary>
    /// <see cref="Self"/> when <c>Main</c> has called <see cref="Worker.EnterIfWorker"/>
    /// and no <see cref="ParallelRuntimeOptions.WorkerHostPath"/> is set; otherwise <see cref="Host"/>.
    /// </summary>
    Auto,

    /// <summary>This program, re-entered in worker mode (needs <see cref="Worker.EnterIfWorker"/> in <c>Main</c>).</summary>
    Self,

    /// <summary>The <c>ActorParallel.Host</c> executable, which loads this application's assemblies from its folder.</summary>
    Host,
}
