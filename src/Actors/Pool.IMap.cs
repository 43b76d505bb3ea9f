using System.Runtime.CompilerServices;
using ActorParallel.Driver;
using ActorParallel.Protocol;

namespace ActorParallel;

/// <summary>The pool's lazy streams: Python's <c>imap</c> and <c>imap_unordered</c>.</summary>
public sealed partial class Pool
{
    /// <summary>
    /// Streams results in input order as they are ready (Python's <c>imap</c>). Lazy: the input is read
    /// only as chunks are dispatched, and results not yet consumed are bounded, so an endless input
    /// keeps memory flat. A failure - the function throwing on an item, or the input's enumerator
    /// throwing - is thrown where it stands in the sequence: every result of the chunks before it is
    /// yielded first, as Python's <c>imap</c> raises at the failing position (a chunk fails whole).
    /// With a retry policy (<see cref="ItemOptions.Retry"/>, <see cref="PoolOptions.ItemRetry"/>), a chunk
    /// that fails runs again while later chunks go on; the results after it wait for its outcome, and
    /// only an error that is not retried, or whose retries ran out, is thrown at its position.
    /// </summary>
    /// <typeparam name="TIn">The item type.</typeparam>
    /// <typeparam name="TOut">The result type.</typeparam>
    /// <param name="function">A static method, lambda or closure over shippable values.</param>
    /// <param name="items">The input, possibly endless.</param>
    /// <param name="chunkSize">Items per task; at least 1. Python's default is 1.</param>
    /// <param name="itemOptions">This call's deadline per item and retry policy; <see langword="null"/> for the pool's.</param>
    /// <param name="cancellationToken">Stops the stream (as does leaving the enumeration) and its pending retries; a worker still running
    /// its item after <see cref="PoolOptions.CancellationGracePeriod"/> is killed and replaced.</param>
    /// <returns>The results, in input order.</returns>
    /// <exception cref="Exception">Thrown by the enumeration at the failing item's position: as <c>MapAsync</c>
    /// (the function's exception, <see cref="RemoteException"/>, <see cref="ItemTimeoutException"/>, <see cref="WorkerLostException"/>),
    /// or the input's own enumerator's exception.</exception>
    public IAsyncEnumerable<TOut> IMap<TIn, TOut>(Func<TIn, TOut> function, IEnumerable<TIn> items, int chunkSize = 1, ItemOptions? itemOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        return Stream<TIn, TOut>(function, chunkSize, ordered: true, itemOptions, (feeder, token) => feeder.RunAsync(items, token), cancellationToken);
    }

    /// <summary>As <see cref="IMap{TIn,TOut}(Func{TIn,TOut},IEnumerable{TIn},int,ItemOptions?,CancellationToken)"/>, for a function whose token is cancelled in the worker when the stream stops.</summary>
    /// <typeparam name="TIn">The item type.</typeparam>
    /// <typeparam name="TOut">The result type.</typeparam>
    /// <param name="function">A function of an item and a token that is cancelled when the stream stops.</param>
    /// <param name="items">The input, possibly endless.</param>
    /// <param name="chunkSize">Items per task; at least 1.</param>
    /// <param name="itemOptions">This call's deadline per item and retry policy; <see langword="null"/> for the pool's.</param>
    /// <param name="cancellationToken">Stops the stream.</param>
    /// <returns>The results, in input order.</returns>
    public IAsyncEnumerable<TOut> IMap<TIn, TOut>(Func<TIn, CancellationToken, TOut> function, IEnumerable<TIn> items, int chunkSize = 1, ItemOptions? itemOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        return Stream<TIn, TOut>(function, chunkSize, ordered: true, itemOptions, (feeder, token) => feeder.RunAsync(items, token), cancellationToken);
    }

    /// <summary>As <see cref="IMap{TIn,TOut}(Func{TIn,TOut},IEnumerable{TIn},int,ItemOptions?,CancellationToken)"/>, over an asynchronous input.</summary>
    /// <typeparam name="TIn">The item type.</typeparam>
    /// <typeparam name="TOut">The result type.</typeparam>
    /// <param name="function">The function.</param>
    /// <param name="items">The input, possibly endless.</param>
    /// <param name="chunkSize">Items per task; at least 1.</param>
    /// <param name="itemOptions">This call's deadline per item and retry policy; <see langword="null"/> for the pool's.</param>
    /// <param name="cancellationToken">Stops the stream.</param>
    /// <returns>The results, in input order.</returns>
    public IAsyncEnumerable<TOut> IMap<TIn, TOut>(Func<TIn, TOut> function, IAsyncEnumerable<TIn> items, int chunkSize = 1, ItemOptions? itemOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        return Stream<TIn, TOut>(function, chunkSize, ordered: true, itemOptions, (feeder, token) => feeder.RunAsync(items, token), cancellationToken);
    }

    /// <summary>Streams results in the order they finish (Python's <c>imap_unordered</c>); lazy and bounded as <c>IMap</c>.</summary>
    /// <typeparam name="TIn">The item type.</typeparam>
    /// <typeparam name="TOut">The result type.</typeparam>
    /// <param name="function">The function.</param>
    /// <param name="items">The input, possibly endless.</param>
    /// <param name="chunkSize">Items per task; at least 1.</param>
    /// <param name="itemOptions">This call's deadline per item and retry policy; <see langword="null"/> for the pool's.</param>
    /// <param name="cancellationToken">Stops the stream.</param>
    /// <returns>The results, in completion order.</returns>
    public IAsyncEnumerable<TOut> IMapUnordered<TIn, TOut>(Func<TIn, TOut> function, IEnumerable<TIn> items, int chunkSize = 1, ItemOptions? itemOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        return Stream<TIn, TOut>(function, chunkSize, ordered: false, itemOptions, (feeder, token) => feeder.RunAsync(items, token), cancellationToken);
    }

    private async IAsyncEnumerable<TOut> Stream<TIn, TOut>(
        Delegate function,
        int chunkSize,
        bool ordered,
        ItemOptions? itemOptions,
        Func<MapFeeder<TIn>, CancellationToken, Task> feed,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var run = Start(function, chunkSize, ordered, null, null, itemOptions, feed, cancellationToken);
        while (await run.NextAsync(cancellationToken).ConfigureAwait(false) is { } done)
        {
            foreach (var segment in done.Segments)
            {
                foreach (var result in ChunkCodec.DecodeItems<TOut>(segment.Items))
                {
                    yield return result;
                }
            }
        }
    }
}
