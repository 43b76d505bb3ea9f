using System.Collections.Concurrent;
using System.Reflection;

namespace ActorParallel.Serialization;

/// <summary>
/// Ships a delegate by reference to its code, not by value: the method travels as assembly, module
/// version id and metadata token (so both sides must run the same build, which is checked), plus
/// generic arguments, the delegate type and the target object (a closure's captured variables are
/// encoded field by field by <see cref="ValueCodec"/>). Static methods, lambdas with or without
/// captures, and instance methods of shippable objects all travel; multicast delegates do not.
/// </summary>
internal static class FunctionReference
{
    /// <summary>The encoded reference to each delegate type and method shipped from this process: everything but the target.</summary>
    /// <remarks>Keyed by a record class, not a tuple: the framework's concurrent dictionary is precompiled for reference-type keys only (a tuple key's is JIT-compiled in every process at start).</remarks>
    private static readonly ConcurrentDictionary<HeaderKey, byte[]> Headers = new();

    /// <summary>Methods resolved from (module, token) in this process, for non-generic methods (a stream of calls repeats them).</summary>
    private static readonly ConcurrentDictionary<MethodKey, MethodInfo> Methods = new();

    public static void Write(WireWriter writer, Delegate function, string what)
    {
        if (!function.HasSingleTarget)
        {
            throw new NotShippableException($"Cannot ship {what}: a multicast delegate ({function.GetInvocationList().Length} targets) has no single result.", function.GetType());
        }
        var key = new HeaderKey(function.GetType(), function.Method);
        if (!Headers.TryGetValue(key, out var header))
        {
            header = Headers.GetOrAdd(key, Header(function, what));
        }
        writer.WriteRaw(header);
        ValueCodec.Write(writer, function.Target, function.Target is null ? what : TargetOf(function, what));
    }

    private static byte[] Header(Delegate function, string what)
    {
        var method = function.Method;
        var declaring = method.DeclaringType;
        if (method is not { Module: { } module } || declaring is null || method.GetType().Name.Contains("Dynamic", StringComparison.Ordinal))
        {
            throw new NotShippableException($"Cannot ship {what}: method {method.Name} was generated at run time and has no metadata token.", function.GetType());
        }
        if (module.Assembly.IsDynamic || string.IsNullOrEmpty(module.Assembly.Location))
        {
            throw new NotShippableException($"Cannot ship {what}: its assembly {module.Assembly.GetName().Name} has no file the worker can load.", function.GetType());
        }
        var writer = new WireWriter();
        TypeNames.Write(writer, function.GetType());
        writer.WriteString(module.Assembly.FullName);
        writer.WriteGuid(module.ModuleVersionId);
        writer.WriteInt32(method.MetadataToken);
        WriteTypes(writer, declaring.IsGenericType ? declaring.GenericTypeArguments : Type.EmptyTypes);
        WriteTypes(writer, method.IsGenericMethod ? method.GetGenericArguments() : Type.EmptyTypes);
        return writer.ToArray();
    }

    public static Delegate Read(WireReader reader)
    {
        var delegateType = TypeNames.Read(reader);
        var assemblyName = reader.ReadRequiredString();
        var moduleId = reader.ReadGuid();
        var token = reader.ReadInt32();
        var typeArguments = ReadTypes(reader);
        var methodArguments = ReadTypes(reader);
        var target = ValueCodec.Read(reader);

        var generic = typeArguments.Length > 0 || methodArguments.Length > 0;
        if (generic || !Methods.TryGetValue(new MethodKey(moduleId, token), out var method))
        {
            var assembly = TypeNames.LoadAssembly(assemblyName);
            var module = Array.Find(assembly.GetModules(), m => m.ModuleVersionId == moduleId)
                ?? throw new WireFormatException($"Assembly {assemblyName} in this process is a different build from the caller's (module version ids differ): rebuild and deploy both sides together.");
            method = module.ResolveMethod(token) as MethodInfo
                ?? throw new WireFormatException($"Token {token:X8} of {assemblyName} is not a method.");
            if (!generic)
            {
                Methods[new MethodKey(moduleId, token)] = method;
            }
        }
        if (typeArguments.Length > 0)
        {
            var closedType = method.DeclaringType!.MakeGenericType(typeArguments);
            method = (MethodInfo)MethodBase.GetMethodFromHandle(method.MethodHandle, closedType.TypeHandle)!;
        }
        if (methodArguments.Length > 0)
        {
            method = method.MakeGenericMethod(methodArguments);
        }
        return method.IsStatic && target is null
            ? method.CreateDelegate(delegateType)
            : method.CreateDelegate(delegateType, target);
    }

    private static void WriteTypes(WireWriter writer, Type[] types)
    {
        writer.WriteCount(types.Length);
        foreach (var type in types)
        {
            TypeNames.Write(writer, type);
        }
    }

    private static Type[] ReadTypes(WireReader reader)
    {
        var count = reader.ReadCount();
        if (count == 0)
        {
            return Type.EmptyTypes;
        }
        var types = new Type[count];
        for (var index = 0; index < count; index++)
        {
            types[index] = TypeNames.Read(reader);
        }
        return types;
    }

    private sealed record HeaderKey(Type Delegate, MethodInfo Method);

    private sealed record MethodKey(Guid Module, int Token);

    /// <summary>How errors name the object a function is bound to: a lambda's closure, or the instance of a method.</summary>
    private static string TargetOf(Delegate function, string what)
    {
        var type = function.Target!.GetType();
        return type.Name.Contains("DisplayClass", StringComparison.Ordinal)
            ? $"{ClosureOf}{what}"
            : $"'this' ({TypeNames.WithArticle(TypeNames.Readable(type))}) that {what} is bound to";
    }

    /// <summary>How errors begin naming a lambda's closure (<see cref="ShippableTypes.ClosureHint"/> looks for it).</summary>
    public const string ClosureOf = "the closure of ";
}
