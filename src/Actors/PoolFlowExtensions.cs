using ActorParallel.Driver;
using Akka;
using Akka.Streams.Dsl;

namespace ActorParallel;

/// <summary>
/// A pool as an Akka.Streams <see cref="Flow{TIn,TOut,TMat}"/>, for code that lives in actor systems:
/// <c>Source.From(items).Via(pool.AsFlow(f)).RunWith(sink, materializer)</c>. Akka.Streams is loaded
/// only by a program that calls these methods.
/// </summary>
public static class PoolFlowExtensions
{
    /// <summary>
    /// A flow that applies <paramref name="function"/> to every element in the pool's worker processes
    /// and emits the results in the order of the elements (as <c>SelectAsync</c> does, and Python's
    /// <c>imap</c>). Elements travel in chunks of up to <see cref="PoolFlowOptions.ChunkSize"/> through the
    /// same path as <c>IMap</c>'s; the flow is demand-driven and holds at most
    /// <see cref="PoolFlowOptions.MaxItemsInFlight"/> elements (default 16 chunks per worker process), so a slow
    /// downstream holds the pool back instead of letting results pile up.
    /// <para>
    /// <b>Failure.</b> An element on which the function throws fails the stream, after the results of
    /// the elements before it (as Python's <c>imap</c> raises at the failing position; a chunk fails whole,
    /// so the results of its other elements are not emitted), with the exception <c>MapAsync</c> would throw: the remote exception's type rebuilt where it can be, with a
    /// <see cref="RemoteException"/> (remote type, message, stack, <see cref="RemoteException.ItemIndex"/>:
    /// the element's position in the stream) inside, else a <see cref="RemoteException"/>. The stream's
    /// supervision attribute (<c>ActorAttributes.CreateSupervisionStrategy</c>) is honoured as
    /// <c>SelectAsync</c> honours it: with <see cref="Akka.Streams.Supervision.Directive.Resume"/> or
    /// <see cref="Akka.Streams.Supervision.Directive.Restart"/> the failed element is dropped and the stream goes on. The
    /// pool runs elements in chunks and a chunk fails whole, so to tell which elements failed the flow
    /// then runs that chunk's elements again one at a time: an element of a failed chunk may run twice
    /// (with <see cref="PoolFlowOptions.ChunkSize"/> 1, none does). Errors that are not the function's
    /// (the pool terminated, an element that cannot be shipped) fail the stream whatever the decider says.
    /// </para>
    /// <para>
    /// <b>Cancellation.</b> When the downstream cancels (or the upstream fails), the flow's work still in
    /// the pool is cancelled as a cancelled <c>MapAsync</c>'s is: dispatch stops, and a worker still
    /// running an element after <see cref="PoolOptions.CancellationGracePeriod"/> is killed and replaced.
    /// The pool stays usable. Each materialization is a map of its own, so the flow may be materialized
    /// any number of times, also at once.
    /// </para>
    /// </summary>
    /// <typeparam name="TIn">The element type.</typeparam>
    /// <typeparam name="TOut">The result type.</typeparam>
    /// <param name="pool">The pool that runs the function.</param>
    /// <param name="function">A static method, lambda or closure over shippable values.</param>
    /// <param name="options">Chunk size, back-pressure bound and per-element options; <see langword="null"/> for the defaults.</param>
    /// <returns>A flow of results, one per element, in element order; its materialized value is <see cref="NotUsed"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="pool"/> or <paramref name="function"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is invalid: every problem in one message, <see cref="ArgumentException.ParamName"/> the option at fault.</exception>
    public static Flow<TIn, TOut, NotUsed> AsFlow<TIn, TOut>(this Pool pool, Func<TIn, TOut> function, PoolFlowOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Create<TIn, TOut>(pool, function, options);
    }

    /// <summary>
    /// As <see cref="AsFlow{TIn,TOut}(Pool,Func{TIn,TOut},PoolFlowOptions?)"/>, for a function that stops when
    /// asked: its token is cancelled in the worker as soon as the stream is cancelled, and its worker is
    /// killed only if it has not returned after <see cref="PoolOptions.CancellationGracePeriod"/>.
    /// </summary>
    /// <typeparam name="TIn">The element type.</typeparam>
    /// <typeparam name="TOut">The result type.</typeparam>
    /// <param name="pool">The pool that runs the function.</param>
    /// <param name="function">A function of an element and a token that is cancelled when the stream is.</param>
    /// <param name="options">Chunk size, back-pressure bound and per-element options; <see langword="null"/> for the defaults.</param>
    /// <returns>A flow of results, one per element, in element order; its materialized value is <see cref="NotUsed"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="pool"/> or <paramref name="function"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is invalid: every problem in one message, <see cref="ArgumentException.ParamName"/> the option at fault.</exception>
    public static Flow<TIn, TOut, NotUsed> AsFlow<TIn, TOut>(this Pool pool, Func<TIn, CancellationToken, TOut> function, PoolFlowOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Create<TIn, TOut>(pool, function, options);
    }

    private static Flow<TIn, TOut, NotUsed> Create<TIn, TOut>(Pool pool, Delegate function, PoolFlowOptions? options)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var validated = (options ?? new PoolFlowOptions()).Validated(pool.Processes);
        return Flow.FromGraph(new PoolFlowStage<TIn, TOut>(pool, function, validated));
    }
}
