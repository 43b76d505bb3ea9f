using ActorParallel.Hosting;
using ActorParallel.Protocol;
using ActorParallel.Tests.Support;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Tests.Hosting;

/// <summary>ActorParallel inside an application that hosts its ActorSystem with Akka.Hosting: a real host, real workers.</summary>
public sealed class HostingTests
{
    private static readonly TimeSpan Bound = RuntimeFixture.Bound;

    [Fact]
    public async Task AddActorParallel_PoolAndManagerFromDependencyInjection_MapAndSharedListWork_AndStoppingTheHostEndsWorkers()
    {
        using var host = new HostBuilder()
            .ConfigureServices(services => services.AddActorParallel("hosted", options =>
            {
                options.Runtime.WorkerStart = WorkerStart.Host;
                options.Pool = new PoolOptions { Processes = 2 };
                options.Manager = true;
            }))
            .Build();
        await host.StartAsync().WaitAsync(Bound);
        List<int> pids;
        try
        {
            var pool = host.Services.GetRequiredService<ActorParallel.Pool>();
            var manager = host.Services.GetRequiredService<Manager>();
            var runtime = host.Services.GetRequiredService<ParallelRuntime>();
            var list = manager.List<int>();

            var squares = await pool.MapAsync(PoolTargets.Square, Enumerable.Range(0, 10)).WaitAsync(Bound);
            var process = runtime.CreateProcess(SharedTargets.AppendRange, list, 0, 3);
            await process.StartAsync().WaitAsync(Bound);
            Assert.True(await process.JoinAsync(Bound));
            pids = [.. await pool.WaitForWorkersAsync().WaitAsync(Bound)];

            Assert.Equal(Enumerable.Range(0, 10).Select(x => x * x), squares);
            Assert.Equal([0, 1, 2], await list.ToListAsync().WaitAsync(Bound));
            Assert.Same(host.Services.GetRequiredService<ActorSystem>(), runtime.System);
        }
        finally
        {
            await host.StopAsync().WaitAsync(Bound);
        }
        Assert.True(await OsProcesses.AllGoneWithin(pids, TimeSpan.FromSeconds(5)), "pool workers outlived the host");
    }

    [Fact]
    public async Task AddActorParallel_TheApplicationsLogging_ReceivesWhatTheWorkersAndThePoolLog()
    {
        var logs = new CollectedLogs();
        using var host = new HostBuilder()
            .ConfigureLogging(logging => logging.ClearProviders().AddProvider(logs))
            .ConfigureServices(services => services.AddActorParallel("hosted-logs", options =>
            {
                options.Runtime.WorkerStart = WorkerStart.Host;
                options.Pool = new PoolOptions { Processes = 1 };
            }))
            .Build();
        await host.StartAsync().WaitAsync(Bound);
        try
        {
            var pool = host.Services.GetRequiredService<ActorParallel.Pool>();
            var worker = Assert.Single(await pool.WaitForWorkersAsync().WaitAsync(Bound));

            Assert.Equal(new[] { 3 }, await pool.MapAsync(Configuration.LoggingTargets.LogWarning, new[] { 3 }).WaitAsync(Bound));
            var record = await logs.WaitFor(r => r.Message.Contains("logged in a worker: 3"), Bound);

            Assert.Equal((LogLevel.Warning, "ActorParallel.Worker", $"worker {worker}: logged in a worker: 3"), (record.Level, record.Category, record.Message));
        }
        finally
        {
            await host.StopAsync().WaitAsync(Bound);
        }
    }

    [Fact]
    public async Task WithActorParallel_SupervisorAndPoolReachableThroughTheActorRegistry()
    {
        using var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("registry", builder => builder.WithActorParallel(poolProcesses: 1, workerStart: WorkerStart.Host)))
            .Build();
        await host.StartAsync().WaitAsync(Bound);
        try
        {
            var registry = host.Services.GetRequiredService<ActorRegistry>();
            var supervisor = await registry.GetAsync<ActorParallelSupervisor>().WaitAsync(Bound);
            var poolRouter = await registry.GetAsync<ActorParallelPool>().WaitAsync(Bound);
            var spec = ProcessSpec.Create(TestTargets.Nothing, []);

            var started = await supervisor.Ask<IStartProcessResponse>(new StartProcess(spec), Bound);
            var exited = await supervisor.Ask<IProcessExitResponse>(new JoinProcess(spec.Id), Bound);

            Assert.IsType<ProcessStarted>(started);
            Assert.Equal(0, Assert.IsType<ProcessExited>(exited).ExitCode);
            Assert.False(poolRouter.IsNobody());
        }
        finally
        {
            await host.StopAsync().WaitAsync(Bound);
        }
    }

    [Fact]
    public void WithActorParallel_InvalidOptions_FailAtConfigurationNamingTheProblem()
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<ArgumentException>(() =>
            services.AddAkka("invalid", builder => builder.WithActorParallel(options => options.Pool = new PoolOptions { Processes = 0 })).BuildServiceProvider().GetRequiredService<ActorSystem>());

        Assert.Equal("Processes", error.ParamName);
    }
}
