namespace ActorParallel;

/// <summary>
/// The process this code runs in, as Python's <c>multiprocessing.current_process()</c> describes it:
/// in the user's program <c>MainProcess</c>; in a worker process, the name its driver gave it (a
/// <see cref="WorkerProcess.Name"/> such as <c>Process-3</c> in a process target, or
/// <c>&lt;pool name&gt;-worker-N</c> in a pool function). Read it with <see cref="WorkerProcess.Current"/>.
/// </summary>
public sealed class CurrentProcess
{
    /// <summary>The name of a program's own process, as in Python.</summary>
    public const string MainProcessName = "MainProcess";

    private static volatile CurrentProcess? s_worker;
    private static readonly CurrentProcess Main = new(MainProcessName, isWorker: false);

    private CurrentProcess(string name, bool isWorker)
    {
        Name = name;
        IsWorker = isWorker;
        Pid = Environment.ProcessId;
    }

    /// <summary>This process: <see cref="MainProcessName"/> unless it is a worker.</summary>
    internal static CurrentProcess Get() => s_worker ?? Main;

    /// <summary>
    /// <c>MainProcess</c> in the user's program; in a worker, the name its driver gave it (Python's
    /// <c>current_process().name</c>).
    /// </summary>
    public string Name { get; }

    /// <summary>The OS process id (Python's <c>current_process().pid</c>).</summary>
    public int Pid { get; }

    /// <summary>
    /// Whether this is a worker process started by ActorParallel (a process target's or a pool's),
    /// rather than the user's own program (Python: <c>parent_process() is not None</c>).
    /// </summary>
    public bool IsWorker { get; }

    /// <summary>Called once in a worker, when its driver has said who it is.</summary>
    internal static void EnterWorker(string name) => s_worker = new CurrentProcess(name, isWorker: true);

    /// <inheritdoc />
    public override string ToString() => $"<CurrentProcess name='{Name}' pid={Pid}{(IsWorker ? " worker" : string.Empty)}>";
}
