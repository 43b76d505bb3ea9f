using System.Runtime.InteropServices;
using ActorParallel.Memory;
using ActorParallel.Serialization;

namespace ActorParallel.Tests.Memory;

/// <summary>
/// A large array allocated to receive a value from a link has its pages present before it is filled:
/// filling it faults (almost) no page in. Counted on this thread only (<c>/proc/self/task/&lt;tid&gt;/stat</c>),
/// so other tests running beside it do not count.
/// </summary>
public sealed class PrefaultTests
{
    private const int Bytes = 16 << 20;

    [Fact]
    public void Allocate_LargeArray_FillingItFaultsNoPageIn()
    {
        RunOnOneThread(() =>
        {
            var array = (byte[])WireBlocks.Allocate(WireBlocks.Bytes, Bytes);
            var before = MinorFaultsOfThisThread();
            array.AsSpan().Fill(7);
            var faults = MinorFaultsOfThisThread() - before;

            // 4,096 pages; without the prefault each is a fault. A few may come from elsewhere on this thread.
            Assert.True(faults < 64, $"Filling a prefaulted 16 MiB array took {faults} page faults.");
            Assert.All(array, b => Assert.Equal(7, b));
        });
    }

    [Fact]
    public void Populate_KeepsTheContents_AndLeavesSmallArraysAlone()
    {
        var array = new byte[Bytes + 123];
        Random.Shared.NextBytes(array);
        var copy = array.ToArray();

        Prefault.Populate(array, array.Length);
        Prefault.Populate(new byte[16], 16);

        Assert.Equal(copy, array);
    }

    /// <summary>On a thread of its own, so that the count is this work's.</summary>
    private static void RunOnOneThread(Action work)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                work();
            }
            catch (Exception exception)
            {
                failure = exception;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    private static long MinorFaultsOfThisThread()
    {
        var stat = File.ReadAllText($"/proc/self/task/{GetThreadId()}/stat");
        // Field 10 (minflt) counting from 1; the fields after the command's closing parenthesis start at field 3.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[10 - 3]);
    }

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetThreadId();
}
