using System.ComponentModel.DataAnnotations;
using ActorParallel.Configuration;
using Polly;
using Polly.Retry;

namespace ActorParallel;

/// <summary>
/// How one call's items are run: a deadline per item and a retry policy, overriding the pool's
/// <see cref="PoolOptions.ItemTimeout"/> and <see cref="PoolOptions.ItemRetry"/> for that call
/// (<c>MapAsync</c>, <c>StarMapAsync</c>, <c>IMap</c>, <c>IMapUnordered</c>, <c>ApplyAsync</c>). A
/// property left <see langword="null"/> takes the pool's. (Python's <c>multiprocessing</c> has neither;
/// <c>pebble</c>'s <c>schedule(..., timeout=)</c> and <c>map(..., timeout=)</c> are the model.)
/// </summary>
public sealed class ItemOptions
{
    /// <summary>
    /// How long one item may run in its worker. An item still running at its deadline has its worker
    /// process killed (only that one) and replaced; the item fails with <see cref="ItemTimeoutException"/>,
    /// or runs again if <see cref="Retry"/> says so. Other items the killed worker held run again elsewhere,
    /// without blame. The clock starts when the worker starts the item, not when it was submitted.
    /// <see cref="Timeout.InfiniteTimeSpan"/> sets no deadline for this call even if the pool has one.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the pool's <see cref="PoolOptions.ItemTimeout"/>.</value>
    public TimeSpan? Timeout { get; set; }

    /// <summary>
    /// Runs a chunk again when the function throws on one of its items (or an item's deadline passes),
    /// as this Polly v8 retry strategy decides: <see cref="RetryStrategyOptions{TResult}.MaxRetryAttempts"/>,
    /// which exceptions (<see cref="RetryStrategyOptions{TResult}.ShouldHandle"/>), and the backoff between
    /// tries; Polly's defaults for what is not set (3 retries, 2 seconds apart, every exception but
    /// <see cref="OperationCanceledException"/>). Every item has exactly one result. A retry runs the failed
    /// item's whole chunk again (with a chunk size of 1, just the item), so side effects of the chunk's
    /// other items may happen twice. See <see cref="PoolOptions.ItemRetry"/> for the rest.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the pool's <see cref="PoolOptions.ItemRetry"/>.</value>
    public RetryStrategyOptions? Retry { get; set; }

    /// <summary>This call's settings over the pool's; validated.</summary>
    internal static ItemSettings Resolve(ItemOptions? call, ItemSettings pool)
    {
        if (call is null)
        {
            return pool;
        }
        var problems = new OptionProblems(nameof(ItemOptions));
        CheckTimeout(problems, nameof(Timeout), call.Timeout);
        var retry = BuildRetry(problems, nameof(Retry), call.Retry);
        problems.ThrowIfAny();
        var timeout = call.Timeout is { } given ? (given == System.Threading.Timeout.InfiniteTimeSpan ? null : given) : pool.Timeout;
        return pool with { Timeout = timeout, Retry = retry ?? pool.Retry };
    }

    /// <summary>A deadline is positive, or <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for none.</summary>
    internal static void CheckTimeout(OptionProblems problems, string option, TimeSpan? timeout)
    {
        if (timeout is { } value && value <= TimeSpan.Zero && value != System.Threading.Timeout.InfiniteTimeSpan)
        {
            problems.Add(option, $"{option} must be positive, Timeout.InfiniteTimeSpan or null (was {value}).");
        }
    }

    /// <summary>
    /// The retry strategy as a pipeline, built now: later changes to the options object do not reach
    /// calls already made (the pool's is built when the pool is). A strategy Polly refuses (e.g.
    /// <see cref="RetryStrategyOptions{TResult}.MaxRetryAttempts"/> below 1) is a problem named after <paramref name="option"/>.
    /// </summary>
    internal static ResiliencePipeline? BuildRetry(OptionProblems problems, string option, RetryStrategyOptions? retry)
    {
        if (retry is null)
        {
            return null;
        }
        try
        {
            return new ResiliencePipelineBuilder().AddRetry(retry).Build();
        }
        catch (ValidationException invalid)
        {
            problems.Add(option, $"{option} is not a valid retry strategy: {string.Join(" ", invalid.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))}");
            return null;
        }
    }
}

/// <summary>What applies to a call's items once the pool's defaults and the call's options are combined.</summary>
/// <param name="Timeout">The deadline per item; <see langword="null"/> for none.</param>
/// <param name="Retry">The retry policy, built; <see langword="null"/> for none.</param>
/// <param name="MaxValueBytes">The largest an item or a result may encode to (<see cref="PoolOptions.MaxValueBytes"/>); <see langword="null"/> for no cap.</param>
internal sealed record ItemSettings(TimeSpan? Timeout, ResiliencePipeline? Retry, long? MaxValueBytes = null)
{
    public static readonly ItemSettings None = new(null, null);
}
