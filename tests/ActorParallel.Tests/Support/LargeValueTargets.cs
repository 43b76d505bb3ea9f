namespace ActorParallel.Tests.Support;

/// <summary>Pool functions and targets over large values: each result depends on every byte of its input.</summary>
public static class LargeValueTargets
{
    /// <summary><paramref name="length"/> bytes that differ from position to position and from seed to seed.</summary>
    public static byte[] Pattern(int length, int seed)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(length);
        // A seeded Random gives the same bytes in every process of this build (a gigabyte in about a second).
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A new array of every byte inverted.</summary>
    public static byte[] Invert(byte[] bytes)
    {
        var inverted = GC.AllocateUninitializedArray<byte>(bytes.Length);
        for (var index = 0; index < bytes.Length; index++)
        {
            inverted[index] = (byte)~bytes[index];
        }
        return inverted;
    }

    /// <summary>The pattern of <paramref name="size"/> with seed 7, made in the worker.</summary>
    public static byte[] MakePattern(int size) => Pattern(size, 7);

    /// <summary>A position-weighted sum of the bytes (a byte moved or changed changes it).</summary>
    public static long Checksum(byte[] bytes)
    {
        long sum = 0;
        for (var index = 0; index < bytes.Length; index++)
        {
            sum = unchecked((sum * 31) + bytes[index] + index);
        }
        return sum;
    }

    /// <summary>Sums doubles (an unmanaged array that travels out of band).</summary>
    public static double Sum(double[] values) => values.Sum();

    private static byte[]? s_reused;

    /// <summary>Fills the one 64 KiB array this process keeps with <paramref name="item"/> and returns it: the same array every call.</summary>
    public static byte[] FillReusedArray(int item)
    {
        s_reused ??= new byte[64 * 1024];
        Array.Fill(s_reused, (byte)item);
        return s_reused;
    }

    /// <summary>A process target that writes the checksum of its argument to <paramref name="path"/>.</summary>
    public static void WriteChecksum(byte[] bytes, string path) => File.WriteAllText(path, Checksum(bytes).ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// Appends a 16 MiB pattern to <paramref name="list"/> and sets one in <paramref name="dict"/> under "big",
    /// from a worker, then reads both back there: the checksums of what it read.
    /// </summary>
    public static (long List, long Dict) StoreLarge(SharedList<byte[]> list, SharedDict<string, byte[]> dict, int seed)
    {
        list.AppendAsync(Pattern(16 << 20, seed)).GetAwaiter().GetResult();
        dict.SetAsync("big", Pattern(16 << 20, seed + 1)).GetAwaiter().GetResult();
        var fromList = list.GetAsync(0).GetAwaiter().GetResult();
        var fromDict = dict.TryGetAsync("big").GetAwaiter().GetResult().Value!;
        return (Checksum(fromList), Checksum(fromDict));
    }

    /// <summary>A process target that puts the pattern of <paramref name="mebibytes"/> MiB (seeded with that number) on <paramref name="queue"/>.</summary>
    public static void PutPattern(SharedQueue<byte[]> queue, int mebibytes) => queue.Put(Pattern(mebibytes << 20, mebibytes));

    /// <summary>A record whose text is copied into the message and whose data travels out of band.</summary>
    public static Document Reverse(Document document) => new(new string(document.Text.Reverse().ToArray()), Invert(document.Data));
}

/// <summary>A document: a large text (copied into the message) and large data (out of band on the direct link).</summary>
public sealed record Document(string Text, byte[] Data);
