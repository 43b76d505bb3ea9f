namespace ActorParallel.Tests.Support;

/// <summary>Targets that work on shared memory from worker processes.</summary>
public static class SharedMemoryTargets
{
    public static void FillHalf(SynchronizedArray<double> array, int start, int end)
    {
        for (var i = start; i < end; i++)
        {
            array[i] = i * 0.5;
        }
    }

    /// <summary>Fails (exit code 1) unless every element is what the fillers wrote.</summary>
    public static void CheckFilled(SynchronizedArray<double> array)
    {
        for (var i = 0; i < array.Length; i++)
        {
            if (array[i] != i * 0.5)
            {
                throw new InvalidOperationException($"element {i} is {array[i]}, not {i * 0.5}");
            }
        }
    }

    public static void AddOnes(RawValue<long> counter, SynchronizedArray<double> halves, int times)
    {
        for (var i = 0; i < times; i++)
        {
            counter.Add(1);
            halves.Add(0, 0.5);
        }
    }

    /// <summary>
    /// Under the lock, a non-atomic read-modify-write of <paramref name="total"/> and a check that no
    /// other holder is inside (<paramref name="inside"/> goes 0 → 1 → 0 only under the lock).
    /// </summary>
    public static void IncrementUnderLock(SharedMemoryLock gate, RawValue<long> total, RawValue<int> inside, RawValue<int> overlaps, int times)
    {
        for (var i = 0; i < times; i++)
        {
            using (gate.Acquire())
            {
                if (inside.CompareExchange(1, 0) != 0)
                {
                    overlaps.Add(1);
                }
                var seen = total.Value;
                Thread.SpinWait(10);
                total.Value = seen + 1;
                inside.Value = 0;
            }
        }
    }

    /// <summary>Takes the lock, says so through <paramref name="holder"/> (its pid), and holds it until killed.</summary>
    public static void HoldForever(SharedMemoryLock gate, RawValue<int> holder)
    {
        gate.Acquire();
        holder.Value = Environment.ProcessId;
        Thread.Sleep(Timeout.Infinite);
    }

    /// <summary>Waits up to <paramref name="seconds"/> for the lock; writes 1 to <paramref name="got"/> if it got it.</summary>
    public static void TryTake(SharedMemoryLock gate, RawValue<int> got, int seconds)
    {
        if (gate.TryAcquire(TimeSpan.FromSeconds(seconds)))
        {
            got.Value = 1;
            gate.Release();
        }
    }

    /// <summary>Writes through a block attached by name: the name is all it is given.</summary>
    public static void WriteByName(string name, byte value)
    {
        using var block = SharedMemory.Attach(name);
        block.AsSpan().Fill(value);
    }
}
