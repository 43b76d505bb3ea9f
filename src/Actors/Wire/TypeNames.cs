using System.Collections.Concurrent;
using System.Reflection;

namespace ActorParallel.Wire;

/// <summary>Resolves assembly-qualified type names received from another process, with a cache.</summary>
internal static class TypeNames
{
    private static readonly ConcurrentDictionary<string, Type> Cache = new();

    public static Type Resolve(string assemblyQualifiedName) =>
        Cache.GetOrAdd(assemblyQualifiedName, static name =>
            Type.GetType(name, static assemblyName => Assembly.Load(assemblyName), typeResolver: null, throwOnError: false)
            ?? throw new WireFormatException($"Type '{name}' is not loadable in this process: is the same build deployed on both sides?"));
}
