using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace ActorParallel.Memory;

/// <summary>What may live in shared memory: unmanaged values that mean the same in every process (no addresses).</summary>
internal static class ElementTypes
{
    private static readonly ConcurrentDictionary<Type, string?> Refusals = new();

    /// <exception cref="NotSupportedException"><typeparamref name="T"/> holds an address, which means nothing in another process.</exception>
    public static void Check<T>(string owner)
        where T : unmanaged
    {
        if (Refusals.GetOrAdd(typeof(T), static type => FindAddress(type, type.Name, 0)) is { } where)
        {
            throw new NotSupportedException(
                $"{owner} cannot hold elements of type {Serialization.TypeNames.Readable(typeof(T))}: {where} is an address in one process's memory, meaningless in another. " +
                "Share an index or an offset instead.");
        }
    }

    /// <summary>Bytes of <paramref name="length"/> elements, refused past what one mapping may hold.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    public static long Bytes<T>(int length, string parameter)
        where T : unmanaged
    {
        if (length < 0)
        {
            throw new ArgumentOutOfRangeException(parameter, length, $"The length must be 0 or more (was {length}).");
        }
        return (long)length * Unsafe.SizeOf<T>();
    }

    private static string? FindAddress(Type type, string path, int depth)
    {
        if (type == typeof(nint) || type == typeof(nuint) || type.IsPointer || type.IsFunctionPointer)
        {
            return path;
        }
        if (type.IsPrimitive || type.IsEnum || depth > 8)
        {
            return null;
        }
        foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            if (FindAddress(field.FieldType, $"{path}.{field.Name}", depth + 1) is { } found)
            {
                return found;
            }
        }
        return null;
    }
}
