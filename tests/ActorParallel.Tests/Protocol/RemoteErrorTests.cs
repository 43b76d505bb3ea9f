namespace ActorParallel.Tests.Protocol;

/// <summary>
/// What a worker's exception becomes on the wire: a task's wrapper gives way to the exception that was
/// thrown; an <see cref="AggregateException"/> the code made and threw itself keeps its message and stack.
/// </summary>
public sealed class RemoteErrorTests
{
    [Fact]
    public void From_AggregateExceptionThrownByTheCode_KeepsItsTypeMessageStackAndInner()
    {
        var error = Capture(() => throw new AggregateException("agg", new IOException("io inside")));

        Assert.Equal(typeof(AggregateException).FullName, error.Type);
        Assert.Contains("agg", error.Message);
        Assert.Contains(nameof(From_AggregateExceptionThrownByTheCode_KeepsItsTypeMessageStackAndInner), error.StackTrace);
        Assert.Equal(typeof(IOException).FullName, error.Inner?.Type);
        Assert.Equal("io inside", error.Inner?.Message);
    }

    [Fact]
    public void From_TaskWrapperAroundAThrownException_IsThatException()
    {
        var error = Capture(() => Task.Run(() => Fail("io in a task")).Wait());

        Assert.Equal(typeof(IOException).FullName, error.Type);
        Assert.Equal("io in a task", error.Message);
        Assert.Contains(nameof(Fail), error.StackTrace);
    }

    private static void Fail(string message) => throw new IOException(message);

    private static RemoteError Capture(Action action)
    {
        try
        {
            action();
        }
        catch (Exception exception)
        {
            return RemoteError.From(exception);
        }
        throw new InvalidOperationException("nothing was thrown");
    }
}
