using System.Collections.Concurrent;
using System.Reflection;

namespace ActorParallel;

/// <summary>
/// An exception thrown in a worker process, raised again in the caller. <see cref="RemoteType"/>
/// and <see cref="RemoteStackTrace"/> say what was thrown where.
/// </summary>
/// <remarks>
/// <para>
/// Where the remote exception's type can be rebuilt faithfully in the caller's process, the caller
/// gets an instance of that type instead (as Orleans rethrows a grain's exception, and Ray's task
/// errors are instances of the user's type), so that <c>catch (InvalidOperationException)</c> around
/// <c>ApplyAsync</c>, <c>MapAsync</c> or <c>IMap</c> catches a remote <see cref="InvalidOperationException"/>,
/// and <c>WorkerProcess.Exception</c> is one. The rule, checked in this order:
/// </para>
/// <list type="number">
/// <item>the type, by its full name, is found in an assembly loaded in the caller's process (exactly one such type);</item>
/// <item>it is a public, non-abstract, non-generic class derived from <see cref="Exception"/>, and not an
/// <see cref="OperationCanceledException"/> (which would read as the caller's own cancellation), an
/// <see cref="AggregateException"/> or a <see cref="RemoteException"/>;</item>
/// <item>it has a public constructor taking <c>(string message, Exception innerException)</c>;</item>
/// <item>the instance it builds from the remote message reports exactly that message.</item>
/// </list>
/// <para>
/// A <see cref="MessageTooLargeException"/> or <see cref="NotShippableException"/> raised in a worker (a
/// result over <c>PoolOptions.MaxValueBytes</c>, one that cannot be shipped) is rebuilt with where it
/// happened first: "Item 3 of the map: the result encodes to …".
/// </para>
/// <para>
/// The rebuilt exception carries the remote message; its <see cref="Exception.InnerException"/> is this
/// <see cref="RemoteException"/>, with the remote stack (<see cref="RemoteStackTrace"/>), where it happened
/// and the <see cref="ItemIndex"/>, which is also in the rebuilt exception's <see cref="Exception.Data"/>
/// under <see cref="ItemIndexKey"/>. Only the type and message are rebuilt: other properties of the
/// remote exception (an <see cref="ArgumentException.ParamName"/>, an <see cref="Exception.HResult"/>, a
/// custom exception's own properties) are not carried. Everything else arrives as <see cref="RemoteException"/>.
/// Errors of the pool itself (<see cref="WorkerLostException"/>, cancellation, timeouts) are never wrapped.
/// </para>
/// </remarks>
public sealed class RemoteException : ActorParallelException
{
    /// <summary>The key in a rebuilt exception's <see cref="Exception.Data"/> that holds the <see cref="ItemIndex"/> (an <see cref="int"/>), when there is one.</summary>
    public const string ItemIndexKey = "ActorParallel.ItemIndex";

    private static readonly ConcurrentDictionary<string, ConstructorInfo> Rebuilders = new(StringComparer.Ordinal);

    /// <summary>Creates the exception from a captured remote error.</summary>
    /// <param name="error">The error as it crossed the wire.</param>
    /// <param name="context">Where it happened, e.g. "Process 'Process-1' (pid 1234)"; may be empty.</param>
    public RemoteException(RemoteError error, string context = "")
        : base(FormatMessage(error, context), error.Inner is null ? null : new RemoteException(error.Inner))
    {
        Error = error;
        _context = context;
    }

    private readonly string _context;

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

    /// <summary>
    /// The exception the caller gets for this remote error: an instance of <see cref="RemoteType"/> when
    /// it can be rebuilt by the rule in this class's remarks (its inner exception this one), otherwise this one.
    /// </summary>
    /// <returns>The rebuilt exception, or this <see cref="RemoteException"/>.</returns>
    internal Exception Rebuild()
    {
        if (RebuilderFor(Error.Type) is not { } constructor)
        {
            return this;
        }
        try
        {
            var message = RebuiltMessage(constructor.DeclaringType!);
            var rebuilt = (Exception)constructor.Invoke([message, this]);
            if (!string.Equals(rebuilt.Message, message, StringComparison.Ordinal) || !ReferenceEquals(rebuilt.InnerException, this))
            {
                // The type makes a message of its own, or drops the inner exception: not faithful.
                return this;
            }
            if (ItemIndex is { } index)
            {
                rebuilt.Data[ItemIndexKey] = index;
            }
            return rebuilt;
        }
        catch (Exception)
        {
            // Its constructor or its Message threw: what it was is in this exception.
            return this;
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{base.ToString()}{Environment.NewLine}--- remote stack ---{Environment.NewLine}{Error.StackTrace}";

    /// <summary>
    /// The remote message; this library's own errors raised around the user's function (a result over the
    /// cap, a result that cannot be shipped) are worded to be read after where they happened, which only the
    /// caller knows (e.g. "Item 3 of the map: the result encodes to …").
    /// </summary>
    private string RebuiltMessage(Type type)
    {
        if (type != typeof(MessageTooLargeException) && type != typeof(NotShippableException) || string.IsNullOrEmpty(_context) || Error.Message.Length < 2)
        {
            return Error.Message;
        }
        var message = Error.Message;
        var first = char.IsUpper(message[0]) && char.IsLower(message[1]) ? char.ToLowerInvariant(message[0]) : message[0];
        return $"{_context}: {first}{message[1..]}";
    }

    private static string FormatMessage(RemoteError error, string context) =>
        string.IsNullOrEmpty(context)
            ? $"{error.Type}: {error.Message}"
            : $"{context} failed with {error.Type}: {error.Message}";

    /// <summary>The (string, Exception) constructor of the named type, if the type may be rebuilt; found types are remembered.</summary>
    private static ConstructorInfo? RebuilderFor(string typeName)
    {
        if (Rebuilders.TryGetValue(typeName, out var known))
        {
            return known;
        }
        Type? found = null;
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            Type? type;
            try
            {
                type = assembly.GetType(typeName, throwOnError: false);
            }
            catch (Exception exception) when (exception is ArgumentException or IOException or BadImageFormatException or TypeLoadException)
            {
                continue;
            }
            if (type is null)
            {
                continue;
            }
            if (found is not null && found != type)
            {
                // Two loaded types of that name: which one was thrown is not known.
                return null;
            }
            found = type;
        }
        if (found is null || !found.IsVisible || found.IsAbstract || found.ContainsGenericParameters || !typeof(Exception).IsAssignableFrom(found)
            || typeof(OperationCanceledException).IsAssignableFrom(found) || typeof(AggregateException).IsAssignableFrom(found)
            || found == typeof(RemoteException))
        {
            return null;
        }
        var constructor = found.GetConstructor([typeof(string), typeof(Exception)]);
        return constructor is null ? null : Rebuilders.GetOrAdd(typeName, constructor);
    }
}
