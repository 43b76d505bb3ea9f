using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Hosting;

/// <summary>
/// ActorParallel in an application that hosts its ActorSystem with Akka.Hosting:
/// <c>services.AddAkka("name", b => b.WithActorParallel(...))</c> attaches the process supervisor
/// (and optionally a pool and a manager) to that system when it starts, and registers the
/// supervisor and the pool's router in the <see cref="ActorRegistry"/> for code that lives in actors.
/// ActorParallel's messages go to the application's <see cref="ILoggerFactory"/> (unless
/// <see cref="ParallelRuntimeOptions.LoggerFactory"/> names another); Akka's own go where Akka.Hosting's
/// <c>ConfigureLoggers</c> sends them (<c>l =&gt; l.AddLoggerFactory()</c> for the same factory).
/// <c>services.AddActorParallel(...)</c> does the same and also makes the runtime, pool and manager
/// resolvable from dependency injection.
/// </summary>
public static class ActorParallelHosting
{
    /// <summary>Attaches ActorParallel with a pool of <paramref name="poolProcesses"/> workers (none if <see langword="null"/>).</summary>
    /// <param name="builder">The Akka.Hosting builder.</param>
    /// <param name="poolProcesses">Worker processes of the pool to start, or <see langword="null"/> for no pool.</param>
    /// <param name="manager">Whether to start a manager for shared objects.</param>
    /// <param name="workerStart">Which executable workers run.</param>
    /// <returns>The builder.</returns>
    public static AkkaConfigurationBuilder WithActorParallel(this AkkaConfigurationBuilder builder, int? poolProcesses = null, bool manager = false, WorkerStart workerStart = WorkerStart.Auto) =>
        builder.WithActorParallel(new ActorParallelOptions
        {
            Runtime = new ParallelRuntimeOptions { WorkerStart = workerStart },
            Pool = poolProcesses is { } processes ? new PoolOptions { Processes = processes } : null,
            Manager = manager,
        });

    /// <summary>Attaches ActorParallel, configured by <paramref name="configure"/>.</summary>
    /// <param name="builder">The Akka.Hosting builder.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The builder.</returns>
    public static AkkaConfigurationBuilder WithActorParallel(this AkkaConfigurationBuilder builder, Action<ActorParallelOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new ActorParallelOptions();
        configure(options);
        return builder.WithActorParallel(options);
    }

    /// <summary>Attaches ActorParallel with <paramref name="options"/>.</summary>
    /// <param name="builder">The Akka.Hosting builder.</param>
    /// <param name="options">The options; validated now, so a mistake fails at configuration, not at start.</param>
    /// <returns>The builder.</returns>
    public static AkkaConfigurationBuilder WithActorParallel(this AkkaConfigurationBuilder builder, ActorParallelOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var runtimeOptions = options.Runtime.Validated();
        var poolOptions = options.Pool?.Validated();
        var startManager = options.Manager;
        // Our defaults go under whatever the application configured (its remoting settings win).
        builder.AddHocon(ParallelRuntime.AkkaConfiguration, HoconAddMode.Append);
        builder.AddStartup(async (system, registry) =>
        {
            // The library's messages go to the application's logging unless the options name a factory.
            runtimeOptions.LoggerFactory ??= DependencyResolver.For(system).Resolver.GetService<ILoggerFactory>();
            var runtime = ParallelRuntime.Attach(system, runtimeOptions);
            registry.Register<ActorParallelSupervisor>(runtime.Supervisor);
            var pool = poolOptions is null ? null : runtime.CreatePool(poolOptions);
            if (pool is not null)
            {
                registry.Register<ActorParallelPool>(pool.Router);
            }
            var manager = startManager ? await Manager.StartAsync(runtime).ConfigureAwait(false) : null;
            ActorParallelExtension.For(system).Set(new ActorParallelServices(runtime, pool, manager));
        });
        return builder;
    }

    /// <summary>
    /// Hosts an ActorSystem named <paramref name="actorSystemName"/> with ActorParallel attached, and
    /// registers <see cref="ParallelRuntime"/>, <see cref="Pool"/> (when <see cref="ActorParallelOptions.Pool"/>
    /// is set) and <see cref="Manager"/> (when <see cref="ActorParallelOptions.Manager"/> is set) as singletons.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="actorSystemName">The ActorSystem's name.</param>
    /// <param name="configure">Sets ActorParallel's options.</param>
    /// <param name="akka">Further Akka.Hosting configuration, or <see langword="null"/>.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddActorParallel(
        this IServiceCollection services,
        string actorSystemName,
        Action<ActorParallelOptions> configure,
        Action<AkkaConfigurationBuilder, IServiceProvider>? akka = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new ActorParallelOptions();
        configure(options);
        services.AddAkka(actorSystemName, (builder, provider) =>
        {
            builder.WithActorParallel(options);
            akka?.Invoke(builder, provider);
        });
        return services.AddActorParallelServices();
    }

    /// <summary>
    /// Registers <see cref="ParallelRuntime"/>, <see cref="Pool"/> and <see cref="Manager"/> as singletons
    /// taken from the hosted ActorSystem, for applications that call
    /// <c>AddAkka(name, b =&gt; b.WithActorParallel(...))</c> themselves (<see cref="AddActorParallel"/> does it for you).
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddActorParallelServices(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(provider => Started(provider).Runtime);
        services.AddSingleton(provider => Started(provider).Pool
            ?? throw new InvalidOperationException("No pool was configured: set ActorParallelOptions.Pool in WithActorParallel or AddActorParallel."));
        services.AddSingleton(provider => Started(provider).Manager
            ?? throw new InvalidOperationException("No manager was configured: set ActorParallelOptions.Manager in WithActorParallel or AddActorParallel."));
        return services;
    }

    private static ActorParallelServices Started(IServiceProvider provider) =>
        ActorParallelExtension.For(provider.GetRequiredService<ActorSystem>()).Services
        ?? throw new InvalidOperationException("ActorParallel is not started yet: resolve it after the host has started.");
}
