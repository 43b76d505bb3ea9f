using ActorParallel;

// A driver for tests that must kill or stop a parent from outside: it starts worker processes that
// never end, prints "worker <pid>" for each and "ready", then waits to be killed (or, with
// "terminate-system", ends its own ActorSystem without killing anything itself and waits; or, with
// "pool", starts a pool of that many workers on the default runtime and keeps a long map running;
// with "nodes", the same with one more worker on a Host node the test starts; with "map" or
// "map-handled", a program that maps on a pool of that many workers until it is done, as a user's
// would, for tests that send it Ctrl-C or SIGTERM - "map-handled" has a Ctrl-C handler of its own;
// with "stderr", one process that writes that many lines to its stderr and fails fast; with "shm",
// three shared-memory blocks, printed as "segment <id>", mapped by that many workers that wait; with
// "exit-joins", "exit-daemon", "exit-daemon-first", "exit-signalled", "exit-throws" or "exit-starting",
// a program that ends with processes still running or starting).
Worker.EnterIfWorker();

var count = args.Length > 0 ? int.Parse(args[0]) : 3;
var mode = args.Length > 1 ? args[1] : "wait";
if (mode == "nodes")
{
    // A driver whose pool also runs a worker on one Host node: the test starts the node with the seed printed here.
    var driver = ParallelRuntime.Default;
    Console.WriteLine($"seed {await driver.AcceptHostNodesAsync()}");
    await driver.WaitForHostNodesAsync(1, TimeSpan.FromSeconds(60));
    var pool = driver.CreatePool(new PoolOptions { Processes = count, HostNodeRole = ParallelRuntime.HostNodeRole });
    _ = pool.MapAsync(SlowIdentity, Enumerable.Range(0, 1_000_000), chunkSize: 1);
    foreach (var pid in await pool.WaitForWorkersAsync())
    {
        Console.WriteLine($"worker {pid}");
    }
    Console.WriteLine("ready");
    await Task.Delay(Timeout.Infinite);
}
if (mode is "map" or "map-handled")
{
    if (mode == "map-handled")
    {
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            Console.WriteLine("handled");
        };
    }
    await using var mapping = new Pool(count);
    foreach (var pid in await mapping.WaitForWorkersAsync())
    {
        Console.WriteLine($"worker {pid}");
    }
    Console.WriteLine("ready");
    var results = await mapping.MapAsync(PrintedSlowIdentity, Enumerable.Range(0, mode == "map" ? 400 : 40), chunkSize: 1);
    Console.WriteLine($"done {results.Sum()}");
    return;
}
if (mode == "pool")
{
    var pool = new Pool(count);
    _ = pool.MapAsync(SlowIdentity, Enumerable.Range(0, 1_000_000), chunkSize: 1);
    var pids = await pool.WaitForWorkersAsync();
    foreach (var pid in pids)
    {
        Console.WriteLine($"worker {pid}");
    }
    Console.WriteLine("ready");
    await Task.Delay(Timeout.Infinite);
}

if (mode == "shm")
{
    // Three blocks mapped here and in every worker; the test SIGKILLs this program and looks for them.
    var block = new SharedMemory(1 << 20);
    var array = new SynchronizedArray<double>(100_000);
    var value = new RawValue<long>();
    var attached = new RawValue<int>();
    foreach (var name in new[] { block.Name, array.Name, value.Name })
    {
        Console.WriteLine($"segment {name[(name.LastIndexOf('_') + 1)..]}");
    }
    for (var i = 0; i < count; i++)
    {
        var process = new WorkerProcess(MapAndWait, block, array, value, attached);
        await process.StartAsync();
        Console.WriteLine($"worker {process.Pid}");
    }
    while (attached.Value < count)
    {
        await Task.Delay(5);
    }
    Console.WriteLine("ready");
    await Task.Delay(Timeout.Infinite);
}

if (mode is "exit-joins" or "exit-daemon" or "exit-signalled" or "exit-throws")
{
    // Main returns with a process still running, which writes "done" to the file named by the third
    // argument after a second ("exit-joins") or a minute: one that is no daemon is waited for, a
    // daemon is terminated; "exit-signalled" waits for the test's SIGTERM instead of returning, and
    // "exit-throws" ends with an exception that nothing catches.
    var process = new WorkerProcess(WriteDoneLater, args[2], mode is "exit-joins" or "exit-throws" ? 1_000 : 60_000) { Daemon = mode == "exit-daemon" };
    await process.StartAsync();
    Console.WriteLine($"worker {process.Pid}");
    Console.WriteLine("ready");
    if (mode == "exit-signalled")
    {
        await Task.Delay(Timeout.Infinite);
    }
    if (mode == "exit-throws")
    {
        throw new InvalidOperationException("the program's own failure");
    }
    return;
}

if (mode == "exit-starting")
{
    // Main returns while the start of a process that writes "done" to the file named by the third
    // argument after a second is still on its way (StartAsync not awaited).
    var starting = new WorkerProcess(WriteDoneLater, args[2], 1_000);
    _ = starting.StartAsync();
    Console.WriteLine("ready");
    return;
}

if (mode == "exit-daemon-first")
{
    // Main returns with a daemon and a process that writes to the file named by the third argument
    // whether the daemon was gone before it finished (as Python's exit terminates daemons first).
    var daemon = new WorkerProcess(WriteDoneLater, args[2] + ".daemon", 60_000) { Daemon = true };
    await daemon.StartAsync();
    var waiter = new WorkerProcess(WriteWhetherGone, args[2], daemon.Pid!.Value);
    await waiter.StartAsync();
    Console.WriteLine($"worker {daemon.Pid}");
    Console.WriteLine($"worker {waiter.Pid}");
    Console.WriteLine("ready");
    return;
}

if (mode == "stderr")
{
    // A worker that writes lines to its stderr and fails fast: its lines must reach this program's
    // stderr (as a Python child's do), and its exit cause is printed.
    var writer = new WorkerProcess(WriteToStderrThenFailFast, count);
    await writer.StartAsync();
    await writer.JoinAsync();
    Console.WriteLine($"cause {writer.ExitCause?.Kind}: {writer.ExitCause?.Detail}");
    return;
}

var runtime = ParallelRuntime.Default;
for (var i = 0; i < count; i++)
{
    var process = runtime.CreateProcess(SleepForever);
    await process.StartAsync();
    Console.WriteLine($"worker {process.Pid}");
}
Console.WriteLine("ready");
if (mode == "terminate-system")
{
    await runtime.System.Terminate();
    Console.WriteLine("system terminated");
}
await Task.Delay(Timeout.Infinite);

static void SleepForever() => Thread.Sleep(Timeout.Infinite);

// Waits (10 s at most) for the process to be gone (or a zombie), then says whether it was.
static void WriteWhetherGone(string path, int pid)
{
    static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
    var until = DateTime.UtcNow.AddSeconds(10);
    while (Alive(pid) && DateTime.UtcNow < until)
    {
        Thread.Sleep(20);
    }
    File.WriteAllText(path, Alive(pid) ? "daemon alive" : "daemon gone");
}

static void WriteDoneLater(string path, int milliseconds)
{
    Thread.Sleep(milliseconds);
    File.WriteAllText(path, "done");
}

static void MapAndWait(SharedMemory block, SynchronizedArray<double> array, RawValue<long> value, RawValue<int> attached)
{
    block.AsSpan()[0] = 1;
    array[0] = 1;
    value.Value = 1;
    attached.Add(1);
    Thread.Sleep(Timeout.Infinite);
}

static void WriteToStderrThenFailFast(int lines)
{
    for (var i = 0; i < lines; i++)
    {
        Console.Error.WriteLine($"worker line {i}");
    }
    Environment.FailFast("after its lines");
}

// Runs in a worker, whose console is the driver's: the test sees each item start.
static int PrintedSlowIdentity(int x)
{
    Console.WriteLine($"item {x}");
    Thread.Sleep(200);
    return x;
}

static int SlowIdentity(int x)
{
    Thread.Sleep(10);
    return x;
}
