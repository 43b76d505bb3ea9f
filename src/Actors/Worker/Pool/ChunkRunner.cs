using ActorParallel.Protocol;
using ActorParallel.Serialization;

namespace ActorParallel.Workers;

/// <summary>
/// Runs a map's function over the items of a chunk with a direct typed call (no reflection per
/// item): the function is a <c>Func&lt;TIn, TOut&gt;</c> and a chunk's items arrive as <c>TIn[]</c>.
/// </summary>
internal abstract class ChunkRunner
{
    /// <summary>
    /// A runner for a <c>Func&lt;TIn, TOut&gt;</c>, or for a <c>Func&lt;TIn, CancellationToken, TOut&gt;</c>
    /// that is given <paramref name="cancellation"/> (cancelled when its map is given up).
    /// </summary>
    /// <exception cref="WireFormatException">The delegate is of neither shape.</exception>
    public static ChunkRunner Create(Delegate function, CancellationToken cancellation)
    {
        var type = function.GetType();
        var definition = type.IsGenericType ? type.GetGenericTypeDefinition() : null;
        if (definition == typeof(Func<,>))
        {
            return (ChunkRunner)Activator.CreateInstance(typeof(ChunkRunner<,>).MakeGenericType(type.GetGenericArguments()), function)!;
        }
        if (TakesToken(function))
        {
            var arguments = type.GetGenericArguments();
            return (ChunkRunner)Activator.CreateInstance(typeof(ChunkRunner<,>).MakeGenericType(arguments[0], arguments[2]), function, cancellation)!;
        }
        throw new WireFormatException($"A map function must be a Func<TIn, TOut> or a Func<TIn, CancellationToken, TOut>, not {type.Name}.");
    }

    /// <summary>Whether <paramref name="function"/> is a <c>Func&lt;TIn, CancellationToken, TOut&gt;</c>.</summary>
    public static bool TakesToken(Delegate function)
    {
        var type = function.GetType();
        return type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Func<,,>) && type.GetGenericArguments()[1] == typeof(CancellationToken);
    }

    /// <summary>
    /// Decodes the items, runs the function on each and encodes the results in as many segments as it
    /// takes for each to stay under <paramref name="maxBytes"/>, appending them to <paramref name="output"/>.
    /// With a <paramref name="deadline"/>, the watchdog is told when each item starts and ends. A result
    /// larger than one message travels alone; one larger than <paramref name="maxResultBytes"/> fails its item.
    /// </summary>
    /// <exception cref="ChunkItemException">The function threw on an item, or one result alone is over <paramref name="maxResultBytes"/>.</exception>
    public abstract void Run(ChunkPayload chunk, int maxBytes, ICollection<ChunkPayload> output, ItemDeadline? deadline = null, long? maxResultBytes = null);
}

/// <summary>The watchdog to tell of each item's start and end, the map it belongs to and its deadline.</summary>
internal sealed record ItemDeadline(ItemWatchdog Watchdog, long MapId, TimeSpan Timeout);

internal sealed class ChunkRunner<TIn, TOut> : ChunkRunner
{
    private readonly Func<TIn, TOut> _function;

    public ChunkRunner(Func<TIn, TOut> function) => _function = function;

    public ChunkRunner(Func<TIn, CancellationToken, TOut> function, CancellationToken cancellation) =>
        _function = item => function(item, cancellation);

    public override void Run(ChunkPayload chunk, int maxBytes, ICollection<ChunkPayload> output, ItemDeadline? deadline = null, long? maxResultBytes = null)
    {
        var inputs = ChunkCodec.DecodeItems<TIn>(chunk.Items);
        var results = new TOut[inputs.Length];
        var index = 0;
        try
        {
            if (deadline is null)
            {
                for (; index < inputs.Length; index++)
                {
                    results[index] = _function(inputs[index]);
                }
            }
            else
            {
                for (; index < inputs.Length; index++)
                {
                    deadline.Watchdog.Begin(deadline.MapId, chunk.Seq, index, deadline.Timeout);
                    try
                    {
                        results[index] = _function(inputs[index]);
                    }
                    finally
                    {
                        deadline.Watchdog.End();
                    }
                }
            }
        }
        catch (Exception exception)
        {
            throw new ChunkItemException(index, exception);
        }
        EncodeSegments(chunk.Seq, results, 0, results.Length, maxBytes, maxResultBytes, output);
    }

    private static void EncodeSegments(int seq, TOut[] results, int offset, int count, int maxBytes, long? maxResultBytes, ICollection<ChunkPayload> output)
    {
        Encoded bytes;
        try
        {
            bytes = ChunkCodec.EncodeItems(offset == 0 && count == results.Length ? results : results[offset..(offset + count)], "the results travelling back to the driver");
        }
        catch (NotShippableException)
        {
            // The caller is told which item's result: each is tried alone (a rare path).
            for (var index = offset; index < offset + count; index++)
            {
                try
                {
                    ValueCodec.Encode(results[index], "the result");
                    ChunkCodec.EncodeItems(results[index..(index + 1)], "the result", static _ => "the result");
                }
                catch (NotShippableException refused)
                {
                    throw new ChunkItemException(index, refused);
                }
            }
            throw;
        }
        if (count == 1 && bytes.Size > maxResultBytes)
        {
            throw new ChunkItemException(offset, new MessageTooLargeException(
                $"The result encodes to {bytes.Size:N0} bytes, over the pool's cap of {maxResultBytes:N0} bytes (PoolOptions.MaxValueBytes)."));
        }
        if ((bytes.Size <= maxBytes && !(bytes.Size > maxResultBytes)) || count == 1)
        {
            // A result larger than a message on its own travels alone, in segments.
            output.Add(new ChunkPayload(seq, offset, count, bytes));
            return;
        }
        var half = count / 2;
        EncodeSegments(seq, results, offset, half, maxBytes, maxResultBytes, output);
        EncodeSegments(seq, results, offset + half, count - half, maxBytes, maxResultBytes, output);
    }
}

/// <summary>The function threw on item <see cref="ItemIndex"/> of a chunk (its message is not read here: a message getter may throw).</summary>
internal sealed class ChunkItemException(int itemIndex, Exception inner) : Exception($"Item {itemIndex} of the chunk failed.", inner)
{
    public int ItemIndex { get; } = itemIndex;
}
