using Akka.Actor;

namespace ActorParallel.Hosting;

/// <summary>What <c>WithActorParallel</c> started in one ActorSystem.</summary>
/// <param name="Runtime">The attached runtime (supervisor).</param>
/// <param name="Pool">The pool, if one was configured.</param>
/// <param name="Manager">The manager, if one was configured.</param>
public sealed record ActorParallelServices(ParallelRuntime Runtime, Pool? Pool, Manager? Manager);

/// <summary>The ActorSystem extension that holds what <c>WithActorParallel</c> started in that system.</summary>
public sealed class ActorParallelExtension : ExtensionIdProvider<ActorParallelExtension.Holder>
{
    /// <summary>The holder of <paramref name="system"/>.</summary>
    /// <param name="system">The ActorSystem.</param>
    /// <returns>Its holder; <see cref="Holder.Services"/> is <see langword="null"/> until the system has started ActorParallel.</returns>
    public static Holder For(ActorSystem system) => system.WithExtension<Holder, ActorParallelExtension>();

    /// <inheritdoc />
    public override Holder CreateExtension(ExtendedActorSystem system) => new();

    /// <summary>Per-system slot for <see cref="ActorParallelServices"/>.</summary>
    public sealed class Holder : IExtension
    {
        private ActorParallelServices? _services;

        /// <summary>What was started, or <see langword="null"/> before start.</summary>
        public ActorParallelServices? Services => Volatile.Read(ref _services);

        internal void Set(ActorParallelServices services) => Volatile.Write(ref _services, services);
    }
}
