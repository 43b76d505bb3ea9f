using ActorParallel.Protocol;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ActorParallel.Hosting.Tests;

/// <summary>
/// <c>WithActorParallel</c> in an ActorSystem that Akka.Hosting.TestKit hosts: the supervisor and the
/// pool from the ActorRegistry and from DI, driven by the TestKit's own TestActor; real worker processes.
/// </summary>
public sealed class HostingTestKitTests(ITestOutputHelper output) : Akka.Hosting.TestKit.TestKit("hosting-testkit", output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    protected override void ConfigureServices(Microsoft.Extensions.Hosting.HostBuilderContext context, IServiceCollection services)
    {
        base.ConfigureServices(context, services);
        services.AddActorParallelServices();
    }

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) =>
        builder.WithActorParallel(options =>
        {
            options.Runtime.WorkerStart = WorkerStart.Host;
            options.Pool = new PoolOptions { Processes = 1 };
        });

    [Fact]
    public async Task Supervisor_FromTheRegistry_StartsAndJoinsAProcess_ForTheTestActor()
    {
        var cancel = TestContext.Current.CancellationToken;
        var supervisor = await ActorRegistry.GetAsync<ActorParallelSupervisor>(cancel);
        var marker = Path.Combine(Path.GetTempPath(), $"actorparallel-testkit-{Guid.NewGuid():N}");
        var spec = ProcessSpec.Create(Targets.WriteMarker, [marker]);

        supervisor.Tell(new StartProcess(spec), TestActor);
        var started = ExpectMsg<ProcessStarted>(Bound, cancellationToken: cancel);
        supervisor.Tell(new JoinProcess(spec.Id), TestActor);
        var exited = ExpectMsg<ProcessExited>(Bound, cancellationToken: cancel);

        Assert.True(started.Pid > 0);
        Assert.Equal(0, exited.ExitCode);
        Assert.True(File.Exists(marker), "the worker process did not run its target");
        File.Delete(marker);
    }

    [Fact]
    public async Task Pool_FromDependencyInjection_MapsInWorkerProcesses_AndItsRouterIsInTheRegistry()
    {
        var pool = Host.Services.GetRequiredService<ActorParallel.Pool>();
        var cancel = TestContext.Current.CancellationToken;
        var router = await ActorRegistry.GetAsync<ActorParallelPool>(cancel);

        var squares = await pool.MapAsync(Targets.Square, Enumerable.Range(0, 20), cancellationToken: cancel).WaitAsync(Bound, cancel);
        var pids = await pool.MapAsync(Targets.Pid, Enumerable.Range(0, 4), cancellationToken: cancel).WaitAsync(Bound, cancel);

        Assert.Equal(Enumerable.Range(0, 20).Select(x => x * x), squares);
        Assert.DoesNotContain(Environment.ProcessId, pids);
        Assert.False(router.IsNobody());
    }
}

/// <summary>Targets that worker processes run.</summary>
public static class Targets
{
    public static int Square(int x) => x * x;

    public static int Pid(int _) => Environment.ProcessId;

    public static void WriteMarker(string path) => File.WriteAllText(path, "ran");
}
