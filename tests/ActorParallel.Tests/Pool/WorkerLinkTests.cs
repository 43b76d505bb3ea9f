using System.Net.Sockets;
using System.Text;
using ActorParallel.Configuration;
using ActorParallel.Protocol;
using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Pool;

/// <summary>How the driver reaches its local workers: the direct link (default) and remoting.</summary>
public sealed class WorkerLinkTests : RuntimeFixture
{
    [Fact]
    public async Task DirectLink_PoolFunctionUsingASharedList_StartsNoActorSystemInTheWorker()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1 });
        await using var manager = await Manager.StartAsync(Runtime);
        var list = manager.List<int>();

        var systems = await pool.MapAsync(x =>
        {
            list.Append(x);
            return NodeTransport.SystemsStarted;
        }, Enumerable.Range(0, 50), chunkSize: 5).WaitAsync(Bound);

        Assert.All(systems, count => Assert.Equal(0, count));
        // Results come back only after the appends that produced them are stored.
        Assert.Equal(Enumerable.Range(0, 50), (await list.ToListAsync().WaitAsync(Bound)).Order());
    }

    [Fact]
    public async Task RemotingLink_WhenChosen_ServesFromAWorkerActorSystem_AndSharedObjectsGoOverRemoting()
    {
        await using var runtime = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, WorkerLink = WorkerLink.Remoting });
        await using var pool = runtime.CreatePool(new PoolOptions { Processes = 2 });
        await using var manager = await Manager.StartAsync(runtime);
        var list = manager.List<int>();
        var total = manager.Value<long>();

        var systems = await pool.MapAsync(x =>
        {
            list.Append(x);
            total.Add(x);
            return NodeTransport.SystemsStarted;
        }, Enumerable.Range(0, 200), chunkSize: 10).WaitAsync(Bound);
        var squares = await pool.MapAsync(PoolTargets.Square, Enumerable.Range(0, 1_000)).WaitAsync(Bound);

        Assert.All(systems, count => Assert.Equal(1, count));
        Assert.Equal(Enumerable.Range(0, 1_000).Select(PoolTargets.Square), squares);
        Assert.Equal(Enumerable.Range(0, 200), (await list.ToListAsync().WaitAsync(Bound)).Order());
        Assert.Equal(Enumerable.Range(0, 200).Sum(), await total.GetAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task RemotingLink_ChunksHeldByAWorkerInACallThatBlocks_AreTakenBackForTheIdleOne()
    {
        await using var runtime = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, WorkerLink = WorkerLink.Remoting });
        await using var pool = runtime.CreatePool(new PoolOptions { Processes = 2 });
        await pool.WaitForWorkersAsync().WaitAsync(Bound);
        var (blocked, blockedPid) = await BlockAWorker(pool);

        var pids = await pool.MapAsync(PoolTargets.Pid, Enumerable.Range(0, 40), chunkSize: 1).WaitAsync(Bound);

        Assert.DoesNotContain(blockedPid, pids);
        Assert.False(blocked.IsCompleted);
    }

    [Fact]
    public async Task DirectLink_ProcessTargetUsingEveryKindOfSharedObject_StartsNoActorSystem()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var list = manager.List<string>();
        var value = manager.Value<long>(10);
        var dict = manager.Dict<string, int>();
        var gate = manager.Lock();
        var evidence = ScratchFile("systems");

        var process = Create(SharedTargets.UseEveryKind, list, value, dict, gate, evidence);
        await StartAndJoinAll([process]);

        Assert.Equal(0, process.ExitCode);
        Assert.Equal("0", await File.ReadAllTextAsync(evidence));
        Assert.Equal(["a", "b"], await list.ToListAsync().WaitAsync(Bound));
        Assert.Equal(10 + 5 + 2, await value.GetAsync().WaitAsync(Bound));
        Assert.Equal(new Dictionary<string, int> { ["k"] = 1 }, await dict.ToDictionaryAsync().WaitAsync(Bound));
        // The worker released the lock it took; the driver can take it now.
        await using (await gate.AcquireAsync().WaitAsync(Bound))
        {
        }
    }

    [Fact]
    public async Task DirectLink_ProcessTargetRunsWithoutAnActorSystem_RemotingOneWithIt()
    {
        var direct = Create(TestTargets.WriteWhetherSystemRuns, ScratchFile("direct"));
        await using var remotingRuntime = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, WorkerLink = WorkerLink.Remoting });
        var remoting = remotingRuntime.CreateProcess(TestTargets.WriteWhetherSystemRuns, ScratchFile("remoting"));

        await StartAndJoinAll([direct, remoting]);

        Assert.Equal(0, direct.ExitCode);
        Assert.Equal(0, remoting.ExitCode);
        Assert.Equal("False", await File.ReadAllTextAsync(ScratchFile("direct")));
        Assert.Equal("True", await File.ReadAllTextAsync(ScratchFile("remoting")));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task DirectLink_SocketFolderIsOwnerOnly()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        Assert.Equal(2, (await pool.WaitForWorkersAsync().WaitAsync(Bound)).Count);

        var folder = Path.Combine(Path.GetTempPath(), $"actorparallel-{Environment.ProcessId}");
        Assert.True(Directory.Exists(folder), $"no socket folder {folder}");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
    }

    [Fact]
    public async Task AcceptAsync_DropsAConnectionWithoutTheToken_AndTakesTheOneThatPresentsIt()
    {
        var (listener, path) = DirectLink.Listen();
        var accepting = DirectLink.AcceptAsync(listener, path, "right-token", CancellationToken.None);

        using var impostor = await Connect(path, "wrong-token");
        using var worker = await Connect(path, "right-token");
        using var accepted = await accepting.WaitAsync(Bound);
        worker.Send("w"u8.ToArray());
        var received = new byte[1];
        Assert.Equal(1, await accepted.ReceiveAsync(received.AsMemory()).AsTask().WaitAsync(Bound));

        Assert.Equal((byte)'w', received[0]);
        Assert.False(File.Exists(path), "the socket file outlived the accept");
        // The impostor's connection was closed: a read on it ends.
        Assert.Equal(0, await impostor.ReceiveAsync(new byte[1].AsMemory()).AsTask().WaitAsync(Bound));
    }

    [Fact]
    public void Options_UnknownWorkerLink_IsRefusedNamingTheOption()
    {
        var error = Assert.Throws<ArgumentException>(() => ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerLink = (WorkerLink)7 }));

        Assert.Contains("WorkerLink", error.Message);
    }

    private static async Task<Socket> Connect(string path, string token)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        using var stream = new NetworkStream(socket, ownsSocket: false);
        DirectLink.WriteRaw(stream, Encoding.ASCII.GetBytes(token));
        return socket;
    }
}
