namespace ActorParallel;

/// <summary>
/// The base of every exception ActorParallel throws of its own: a worker's failure raised again in
/// the caller (<see cref="RemoteException"/>), a worker lost too often (<see cref="WorkerLostException"/>),
/// a value that cannot travel (<see cref="NotShippableException"/>, <see cref="MessageTooLargeException"/>)
/// or bytes that are not a message of this build (<see cref="WireFormatException"/>). One
/// <c>catch (ActorParallelException)</c> takes all of them, as Polly's <c>ExecutionRejectedException</c>
/// does for its strategies. Errors of .NET's own kinds keep their types: bad arguments
/// (<see cref="ArgumentException"/>), use after dispose (<see cref="ObjectDisposedException"/>),
/// waits that ran out (<see cref="TimeoutException"/>), cancellation (<see cref="OperationCanceledException"/>).
/// </summary>
public abstract class ActorParallelException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause, if any.</param>
    protected ActorParallelException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
