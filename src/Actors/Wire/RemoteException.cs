namespace ActorParallel.Wire;

/// <summary>
/// An exception thrown in a worker process, raised again in the caller. <see cref="RemoteType"/>
/// and <see cref="RemoteStackTrace"/> say what was thrown where.
/// </summary>
public sealed class RemoteException : Exception
{
    /// <summary>Creates the exception from a captured remote error.</summary>
    /// <param name="error">The error as it crossed the wire.</param>
    /// <param name="context">Where it happened, e.g. "Process 'Process-1' (pid 1234)"; may be empty.</param>
    public RemoteException(RemoteError error, string context = "")
        : base(FormatMessage(error, context), error.Inner is null ? null : new RemoteException(error.Inner))
    {
        Error = error;
    }

    /// <summary>The captured error.</summary>
    public RemoteError Error { get; }

    /// <summary>The full name of the exception type thrown in the worker.</summary>
    public string RemoteType => Error.Type;

    /// <summary>The message of the exception thrown in the worker.</summary>
    public string RemoteMessage => Error.Message;

    /// <summary>In a map, the index in the input of the item whose call threw; otherwise <see langword="null"/>.</summary>
    public int? ItemIndex { get; init; }

    /// <summary>The stack trace in the worker process.</summary>
    public string RemoteStackTrace => Error.StackTrace;

    /// <inheritdoc />
    public override string ToString() =>
        $"{base.ToString()}{Environment.NewLine}--- remote stack ---{Environment.NewLine}{Error.StackTrace}";

    private static string FormatMessage(RemoteError error, string context) =>
        string.IsNullOrEmpty(context)
            ? $"{error.Type}: {error.Message}"
            : $"{context} failed with {error.Type}: {error.Message}";
}
