using ActorParallel.Memory;
using ActorParallel.Serialization;

namespace ActorParallel.Tests.Memory;

/// <summary>Handles through the value codec within one process: they decode to objects over the same pages, and the block is shared, counted and freed.</summary>
public sealed class MemoryHandleTests
{
    [Fact]
    public void Decode_EachKindOfHandle_MapsTheSamePages()
    {
        using var block = new SharedMemory(64);
        using var raw = new RawArray<int>([1, 2, 3]);
        using var synchronized = new SynchronizedArray<double>(2);
        using var value = new RawValue<long>(5);
        using var counter = new SynchronizedValue<double>(0.5);
        using var gate = new SharedMemoryLock();

        var decoded = (object?[])ValueCodec.Decode(ValueCodec.Encode(new object?[] { block, raw, synchronized, value, counter, gate }, "handles"))!;
        using var block2 = (SharedMemory)decoded[0]!;
        using var raw2 = (RawArray<int>)decoded[1]!;
        using var synchronized2 = (SynchronizedArray<double>)decoded[2]!;
        using var value2 = (RawValue<long>)decoded[3]!;
        using var counter2 = (SynchronizedValue<double>)decoded[4]!;
        using var gate2 = (SharedMemoryLock)decoded[5]!;
        block2.AsSpan()[63] = 9;
        raw2[2] = 30;
        synchronized2[1] = 1.5;
        value2.Add(2);
        counter2.Add(0.25);

        Assert.Equal(9, block.AsSpan()[63]);
        Assert.Equal([1, 2, 30], raw.ToArray());
        Assert.Equal(1.5, synchronized[1]);
        Assert.Equal(7, value.Value);
        Assert.Equal(0.75, counter.Value);
        Assert.Equal(gate.Name, gate2.Name);
        using (gate2.Acquire())
        {
            Assert.True(gate.TryAcquire(TimeSpan.Zero), "the lock is recursive on the thread that holds it");
            gate.Release();
        }
    }

    [Fact]
    public void Handle_InsideATuple_IsRefusedNamingWhereHandlesTravel()
    {
        using var array = new RawArray<double>(4);

        var error = Assert.Throws<NotShippableException>(() => ValueCodec.Encode((array, 3), "argument 1"));

        Assert.Contains("ActorParallel.RawArray<double> is a handle to shared memory, which travels as an argument, a captured variable or an element of an object[]", error.Message);
    }

    [Fact]
    public void Dispose_LastHolderInThisProcess_UnmapsTheBlock()
    {
        var array = new SynchronizedArray<double>(16);
        var marker = MemorySegmentName(array.Name);
        var decoded = (SynchronizedArray<double>)ValueCodec.Decode(ValueCodec.Encode(array, "array"))!;

        array.Dispose();
        var mappedWhileDecodedLives = File.ReadAllText("/proc/self/maps").Contains(marker, StringComparison.Ordinal);
        decoded.Dispose();
        var mappedAfter = File.ReadAllText("/proc/self/maps").Contains(marker, StringComparison.Ordinal);

        Assert.True(mappedWhileDecodedLives);
        Assert.False(mappedAfter);
        Assert.Throws<ObjectDisposedException>(() => array[0]);
    }

    [Fact]
    public void Finalizer_HandleDroppedWithoutDispose_UnmapsTheBlock()
    {
        var marker = DropAnArray();

        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.DoesNotContain(marker, File.ReadAllText("/proc/self/maps"));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static string DropAnArray()
    {
        var array = new RawArray<byte>(100);
        var marker = MemorySegmentName(array.Name);
        Assert.Contains(marker, File.ReadAllText("/proc/self/maps"));
        return marker;
    }

    private static string MemorySegmentName(string name) => MemorySegment.FileName(Guid.ParseExact(name[(name.LastIndexOf('_') + 1)..], "N"));
}
