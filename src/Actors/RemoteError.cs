using ActorParallel.Serialization;

namespace ActorParallel;

/// <summary>An exception raised in another process, as data: type, message, stack and inner error.</summary>
/// <param name="Type">The full name of the exception type in the remote process.</param>
/// <param name="Message">The exception's message.</param>
/// <param name="StackTrace">The remote stack trace, as the remote process printed it.</param>
/// <param name="Inner">The inner exception, if any.</param>
public sealed record RemoteError(string Type, string Message, string StackTrace, RemoteError? Inner)
{
    /// <summary>The most inner errors kept; deeper ones are cut (a chain built by hand can be endless).</summary>
    internal const int MaxInnerDepth = 32;

    /// <summary>The most characters kept of a message or a stack trace, so that the error always fits one message.</summary>
    internal const int MaxTextLength = 64 * 1024;

    /// <summary>
    /// Captures an exception, unwrapping reflection's <see cref="System.Reflection.TargetInvocationException"/>.
    /// Never throws: a <see cref="Exception.Message"/> or <see cref="Exception.StackTrace"/> whose getter
    /// throws is replaced by a note naming the exception's type and what its getter threw.
    /// </summary>
    /// <param name="exception">The exception to capture.</param>
    /// <returns>The captured error.</returns>
    public static RemoteError From(Exception exception) => From(exception, 0);

    private static RemoteError From(Exception exception, int depth)
    {
        while (exception is System.Reflection.TargetInvocationException { InnerException: { } inner })
        {
            exception = inner;
        }
        if (exception is AggregateException { InnerExceptions: [var thrown] } && WasThrown(thrown))
        {
            // A task's wrapper around the one exception that was thrown: that exception is the error. One
            // the code made and threw itself, whose inner exception was never thrown, stays as it is.
            exception = thrown;
        }
        var type = exception.GetType().FullName ?? exception.GetType().Name;
        var message = Read(exception, static e => e.Message, type, "message");
        var stack = Read(exception, static e => e.StackTrace, type, "stack trace");
        var cause = exception.InnerException;
        RemoteError? innerError = cause is null ? null
            : depth >= MaxInnerDepth ? new RemoteError(cause.GetType().FullName ?? cause.GetType().Name, $"(further inner exceptions cut after {MaxInnerDepth})", string.Empty, null)
            : From(cause, depth + 1);
        return new RemoteError(type, message, stack, innerError);
    }

    /// <summary>Whether the exception was thrown (it has a stack trace), read without letting an override's failure escape.</summary>
    private static bool WasThrown(Exception exception)
    {
        try
        {
            return exception.StackTrace is not null;
        }
        catch (Exception)
        {
            return true;
        }
    }

    /// <summary>Reads one of the exception's texts, which user code may override to throw.</summary>
    private static string Read(Exception exception, Func<Exception, string?> getter, string type, string what)
    {
        string? text;
        try
        {
            text = getter(exception);
        }
        catch (Exception failure)
        {
            string reason;
            try
            {
                reason = $"{failure.GetType().FullName}: {failure.Message}";
            }
            catch (Exception)
            {
                reason = failure.GetType().FullName ?? failure.GetType().Name;
            }
            text = $"({type}; its {what} could not be read: {reason})";
        }
        text ??= string.Empty;
        return text.Length <= MaxTextLength ? text : $"{text[..MaxTextLength]}... ({text.Length - MaxTextLength:N0} more characters cut)";
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

    internal static RemoteError ReadFrom(WireReader reader) => ReadFrom(reader, 0);

    private static RemoteError ReadFrom(WireReader reader, int depth)
    {
        var type = reader.ReadString() ?? string.Empty;
        var message = reader.ReadString() ?? string.Empty;
        var stack = reader.ReadString() ?? string.Empty;
        var inner = reader.ReadBool() ? ReadInner(reader, depth) : null;
        return new RemoteError(type, message, stack, inner);
    }

    private static RemoteError ReadInner(WireReader reader, int depth) =>
        depth <= MaxInnerDepth
            ? ReadFrom(reader, depth + 1)
            : throw new WireFormatException($"A remote error nests more than {MaxInnerDepth + 1} inner errors: the other side runs a different build.");
}
