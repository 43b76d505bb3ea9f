using System.Runtime.CompilerServices;

namespace ActorParallel.Memory;

/// <summary>Lock-free operations on a value in shared memory: hardware atomics, which work across processes as within one.</summary>
internal static unsafe class Atomics
{
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not int, long or double.</exception>
    public static T Add<T>(T* location, T delta, string owner)
        where T : unmanaged
    {
        if (typeof(T) == typeof(int))
        {
            var sum = Interlocked.Add(ref *(int*)location, Unsafe.As<T, int>(ref delta));
            return Unsafe.As<int, T>(ref sum);
        }
        if (typeof(T) == typeof(long))
        {
            var sum = Interlocked.Add(ref *(long*)location, Unsafe.As<T, long>(ref delta));
            return Unsafe.As<long, T>(ref sum);
        }
        if (typeof(T) == typeof(double))
        {
            var bits = (long*)location;
            var addend = Unsafe.As<T, double>(ref delta);
            var seen = Volatile.Read(ref *bits);
            while (true)
            {
                var sum = BitConverter.Int64BitsToDouble(seen) + addend;
                var prior = Interlocked.CompareExchange(ref *bits, BitConverter.DoubleToInt64Bits(sum), seen);
                if (prior == seen)
                {
                    return Unsafe.As<double, T>(ref sum);
                }
                seen = prior;
            }
        }
        throw Unsupported<T>(owner, "Add");
    }

    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not int, long or double.</exception>
    public static T CompareExchange<T>(T* location, T value, T comparand, string owner)
        where T : unmanaged
    {
        if (typeof(T) == typeof(int))
        {
            var prior = Interlocked.CompareExchange(ref *(int*)location, Unsafe.As<T, int>(ref value), Unsafe.As<T, int>(ref comparand));
            return Unsafe.As<int, T>(ref prior);
        }
        if (typeof(T) == typeof(long))
        {
            var prior = Interlocked.CompareExchange(ref *(long*)location, Unsafe.As<T, long>(ref value), Unsafe.As<T, long>(ref comparand));
            return Unsafe.As<long, T>(ref prior);
        }
        if (typeof(T) == typeof(double))
        {
            var prior = Interlocked.CompareExchange(ref *(double*)location, Unsafe.As<T, double>(ref value), Unsafe.As<T, double>(ref comparand));
            return Unsafe.As<double, T>(ref prior);
        }
        throw Unsupported<T>(owner, "CompareExchange");
    }

    /// <summary>A load that is not cached in a register or moved before earlier loads: another process may have written it.</summary>
    public static T Read<T>(T* location)
        where T : unmanaged
    {
        if (typeof(T) == typeof(int))
        {
            var value = Volatile.Read(ref *(int*)location);
            return Unsafe.As<int, T>(ref value);
        }
        if (typeof(T) == typeof(long))
        {
            var value = Volatile.Read(ref *(long*)location);
            return Unsafe.As<long, T>(ref value);
        }
        if (typeof(T) == typeof(double))
        {
            var value = Volatile.Read(ref *(double*)location);
            return Unsafe.As<double, T>(ref value);
        }
        var read = *location;
        Interlocked.MemoryBarrier();
        return read;
    }

    /// <summary>A store that is not delayed past later stores.</summary>
    public static void Write<T>(T* location, T value)
        where T : unmanaged
    {
        if (typeof(T) == typeof(int))
        {
            Volatile.Write(ref *(int*)location, Unsafe.As<T, int>(ref value));
        }
        else if (typeof(T) == typeof(long))
        {
            Volatile.Write(ref *(long*)location, Unsafe.As<T, long>(ref value));
        }
        else if (typeof(T) == typeof(double))
        {
            Volatile.Write(ref *(double*)location, Unsafe.As<T, double>(ref value));
        }
        else
        {
            Interlocked.MemoryBarrier();
            *location = value;
        }
    }

    private static NotSupportedException Unsupported<T>(string owner, string operation) =>
        new($"{owner}: atomic {operation} is for int, long and double; {Serialization.TypeNames.Readable(typeof(T))} has none. Hold GetLock() (or a SharedMemoryLock) around the update instead.");
}
