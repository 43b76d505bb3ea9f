namespace ActorParallel.Wire;

/// <summary>An exception raised in another process, as data: type, message, stack and inner error.</summary>
/// <param name="Type">The full name of the exception type in the remote process.</param>
/// <param name="Message">The exception's message.</param>
/// <param name="StackTrace">The remote stack trace, as the remote process printed it.</param>
/// <param name="Inner">The inner exception, if any.</param>
public sealed record RemoteError(string Type, string Message, string StackTrace, RemoteError? Inner)
{
    /// <summary>Captures an exception, unwrapping reflection's <see cref="System.Reflection.TargetInvocationException"/>.</summary>
    /// <param name="exception">The exception to capture.</param>
    /// <returns>The captured error.</returns>
    public static RemoteError From(Exception exception)
    {
        while (exception is System.Reflection.TargetInvocationException { InnerException: { } inner })
        {
            exception = inner;
        }
        if (exception is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            exception = aggregate.InnerExceptions[0];
        }
        return new RemoteError(
            exception.GetType().FullName ?? exception.GetType().Name,
            exception.Message,
            exception.StackTrace ?? string.Empty,
            exception.InnerException is null ? null : From(exception.InnerException));
    }

    /// <summary>Formats the error as a traceback: type, message, then the stack.</summary>
    /// <returns>The text a console shows for this error.</returns>
    public override string ToString()
    {
        var text = $"{Type}: {Message}{Environment.NewLine}{StackTrace}";
        return Inner is null ? text : $"{text}{Environment.NewLine} ---> {Inner}";
    }

    internal void WriteTo(WireWriter writer)
    {
        writer.WriteString(Type);
        writer.WriteString(Message);
        writer.WriteString(StackTrace);
        writer.WriteBool(Inner is not null);
        Inner?.WriteTo(writer);
    }

    internal static RemoteError ReadFrom(WireReader reader)
    {
        var type = reader.ReadString() ?? string.Empty;
        var message = reader.ReadString() ?? string.Empty;
        var stack = reader.ReadString() ?? string.Empty;
        var inner = reader.ReadBool() ? ReadFrom(reader) : null;
        return new RemoteError(type, message, stack, inner);
    }
}
