using System.Runtime.CompilerServices;
using MessagePack.Formatters;
using MessagePack;

namespace ActorParallel.Serialization;

/// <summary>
/// Bounds how deep a value may nest on the wire, in every process that encodes or decodes one:
/// encoders and decoders recurse on the stack, and a deep enough value (a linked chain of 100,000
/// records) would overflow it and end the process. Each nested value (an element of an object
/// array, a closure's captured variable, a member MessagePack writes) is one level; beyond
/// <see cref="MaxLevels"/>, or when the thread's stack runs low first, encoding fails with a
/// <see cref="NotShippableException"/> naming the value, its type and the depth.
/// </summary>
internal static class WireDepth
{
    /// <summary>The deepest a value may nest: 1,000 levels (a linked chain of up to ~1,000 records travels).</summary>
    public const int MaxLevels = 1_000;

    [ThreadStatic]
    private static int t_depth;

    /// <summary>The nesting level of the value being encoded or decoded on this thread.</summary>
    public static int Current => t_depth;

    /// <summary>Enters one level; <see langword="false"/> (and no level entered) when that would go too deep.</summary>
    public static bool TryEnter()
    {
        if (t_depth >= MaxLevels || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            return false;
        }
        t_depth++;
        return true;
    }

    public static void Exit() => t_depth--;

    /// <summary>The refusal of a value that nests too deep; <paramref name="what"/> is shortened if a deep path made it long.</summary>
    public static NotShippableException TooDeep(string what, Type? type, Type? deepest, Exception? inner = null)
    {
        var shown = what.Length <= 200 ? what : $"{what[..120]}...{what[^60..]}";
        var at = deepest is null || deepest == type ? string.Empty : $", {TypeNames.WithArticle(TypeNames.Readable(deepest))} at that depth";
        return new NotShippableException(
            $"Cannot ship {shown} of type {TypeNames.Readable(type)}: it nests deeper than {MaxLevels:N0} levels{at}, which would overflow the stack " +
            "of the process that reads or writes it. Ship a deep structure flattened (a linked chain as an array or a list of its values).",
            deepest ?? type,
            inner);
    }

    /// <summary>Options for MessagePack that count its nesting here, both ways.</summary>
    public static MessagePackSerializerOptions Guard(MessagePackSerializerOptions options) =>
        options.WithResolver(new GuardResolver(options.Resolver))
            .WithSecurity(options.Security.WithMaximumObjectGraphDepth(MaxLevels * 4));

    /// <summary>Thrown inside MessagePack, where the value's name is not known; <see cref="ValueCodec"/> names it.</summary>
    internal sealed class TooDeepException(Type type) : Exception($"{TypeNames.WithArticle(TypeNames.Readable(type))} nests deeper than {MaxLevels:N0} levels.")
    {
        public Type Type { get; } = type;
    }

    private sealed class GuardResolver(IFormatterResolver inner) : IFormatterResolver
    {
        public IMessagePackFormatter<T>? GetFormatter<T>() => Cache<T>.For(inner);

        private static class Cache<T>
        {
            private static IMessagePackFormatter<T>? s_guarded;
            private static IFormatterResolver? s_resolver;

            public static IMessagePackFormatter<T>? For(IFormatterResolver resolver)
            {
                if (ReferenceEquals(Volatile.Read(ref s_resolver), resolver))
                {
                    return s_guarded;
                }
                var guarded = resolver.GetFormatter<T>() is { } formatter ? new GuardFormatter<T>(formatter) : null;
                s_guarded = guarded;
                Volatile.Write(ref s_resolver, resolver);
                return guarded;
            }
        }
    }

    private sealed class GuardFormatter<T>(IMessagePackFormatter<T> inner) : IMessagePackFormatter<T>
    {
        public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
        {
            if (!TryEnter())
            {
                throw new TooDeepException(value?.GetType() ?? typeof(T));
            }
            try
            {
                inner.Serialize(ref writer, value, options);
            }
            finally
            {
                Exit();
            }
        }

        public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            if (!TryEnter())
            {
                throw new TooDeepException(typeof(T));
            }
            try
            {
                return inner.Deserialize(ref reader, options);
            }
            finally
            {
                Exit();
            }
        }
    }
}
