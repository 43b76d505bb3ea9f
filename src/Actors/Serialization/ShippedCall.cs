using System.Reflection;

namespace ActorParallel.Serialization;

/// <summary>A target delegate with its arguments, encoded once on the caller's side and run in a worker.</summary>
internal static class ShippedCall
{
    /// <summary>
    /// Checks the arguments against the target's parameters and encodes both, so that a call that
    /// cannot run or cannot travel fails here, in the caller, with an error that says why. With
    /// <paramref name="collectBlocks"/>, arrays of primitives of 32 KiB or more are not copied: the
    /// call holds them by reference (<see cref="Encoded.Blocks"/>), and they are read when it is sent.
    /// </summary>
    public static Encoded Encode(Delegate target, object?[] args, bool collectBlocks = false)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(args);
        args = CheckArguments(target, args);
        var writer = new WireWriter(collectBlocks: collectBlocks);
        ValueCodec.Write(writer, target, $"target {Describe(target.Method)}");
        writer.WriteCount(args.Length);
        for (var index = 0; index < args.Length; index++)
        {
            ValueCodec.Write(writer, args[index], $"argument {index + 1} of {Describe(target.Method)}");
        }
        return writer.ToEncoded();
    }

    /// <summary>Decodes a call and runs it; an async target is awaited. Returns the target's result.</summary>
    public static object? Invoke(Encoded call)
    {
        var reader = new WireReader(call);
        var target = ValueCodec.Read(reader) as Delegate
            ?? throw new WireFormatException("A call must start with its target delegate.");
        var args = new object?[reader.ReadCount()];
        for (var index = 0; index < args.Length; index++)
        {
            args[index] = ValueCodec.Read(reader);
        }
        object? result;
        try
        {
            result = target.DynamicInvoke(args);
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception.InnerException).Throw();
            throw;
        }
        if (result is Task task)
        {
            task.GetAwaiter().GetResult();
            var resultProperty = task.GetType().GetProperty(nameof(Task<object>.Result));
            result = task.GetType().IsGenericType && resultProperty is not null ? resultProperty.GetValue(task) : null;
        }
        return result;
    }

    /// <summary>The arguments, checked against the target's parameters, with the default values of optional ones not given (as Python's call fills them).</summary>
    private static object?[] CheckArguments(Delegate target, object?[] args)
    {
        var parameters = target.Method.GetParameters();
        // A static method closed over its first argument (an extension method delegate) takes one fewer.
        var offset = target.Method.IsStatic && target.Target is not null ? 1 : 0;
        var expected = parameters.Length - offset;
        var optional = parameters.Skip(offset).Reverse().TakeWhile(p => p.HasDefaultValue).Count();
        if (args.Length > expected || args.Length < expected - optional)
        {
            var takes = optional == 0 ? Count(expected, "argument") : $"{expected - optional} to {Count(expected, "argument")} ({optional} optional)";
            throw new ArgumentException(
                $"Target {Describe(target.Method)} takes {takes}, but {args.Length} {(args.Length == 1 ? "was" : "were")} given.", nameof(args));
        }
        if (args.Length < expected)
        {
            // "= default" of a struct reads as null: the struct's default value is meant.
            args = [.. args, .. parameters.Skip(offset + args.Length).Select(p => p.DefaultValue is null && p.ParameterType.IsValueType
                ? Activator.CreateInstance(p.ParameterType)
                : p.DefaultValue)];
        }
        for (var index = 0; index < args.Length; index++)
        {
            var parameter = parameters[index + offset];
            var type = parameter.ParameterType;
            var arg = args[index];
            var fits = arg is null
                ? !type.IsValueType || Nullable.GetUnderlyingType(type) is not null
                : type.IsInstanceOfType(arg);
            if (!fits)
            {
                throw new ArgumentException(
                    $"Argument {index + 1} ('{parameter.Name}') of {Describe(target.Method)} must be {TypeNames.WithArticle(TypeNames.Readable(type))}, but {(arg is null ? "null" : TypeNames.WithArticle(TypeNames.Readable(arg.GetType())))} was given.", nameof(args));
            }
        }
        return args;
    }

    internal static string Describe(MethodInfo method) =>
        method.DeclaringType is { } type ? $"{type.Name}.{method.Name}" : method.Name;

    private static string Count(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
