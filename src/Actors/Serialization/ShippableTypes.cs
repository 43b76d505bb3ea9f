using System.Collections.Concurrent;
using System.Reflection;

namespace ActorParallel.Serialization;

/// <summary>
/// What can never leave this process, found before anything is encoded: types bound to it (pointers,
/// streams, handles, tasks), user types whose state MessagePack would drop (private fields), and types
/// holding either among their public members. Each refusal names the value, the member and its type.
/// </summary>
internal static class ShippableTypes
{
    /// <summary>Refuses, before any value exists, an element type whose values could never travel.</summary>
    public static void CheckShippableType(Type type, string what) => RefuseProcessLocal(type, what);

    public static void RefuseProcessLocal(Type type, string what)
    {
        if (ProcessLocalReason(type) is { } reason)
        {
            throw new NotShippableException(
                $"Cannot ship {what} of type {TypeNames.Readable(type)} to another process: {reason}.{ClosureHint(what)}", type);
        }
    }

    /// <summary>
    /// For a value a lambda's closure holds: why a lambda may carry a variable it never uses (C# gives the
    /// lambdas of one scope one closure object), and what to do about it; empty for any other value.
    /// </summary>
    public static string ClosureHint(string what) => what.Contains(FunctionReference.ClosureOf, StringComparison.Ordinal)
        ? " A C# lambda shares one closure object with the other lambdas of its scope and carries every variable they capture:"
            + " capture only what it needs, e.g. by calling a static method that takes those values as arguments."
        : string.Empty;

    /// <summary>Why values of <paramref name="type"/> can never leave this process, or <see langword="null"/>.</summary>
    public static string? ProcessLocalReason(Type type) =>
        type.IsPrimitive || type == typeof(string) ? null : ProcessLocalReasons.GetOrAdd(type, FindProcessLocalReason);

    /// <summary>LINQ's operators' and iterator methods' enumerables: types of System.Linq, or made by the compiler.</summary>
    private static bool IsLazyQuery(Type type) =>
        typeof(System.Collections.IEnumerable).IsAssignableFrom(type)
        && (type.Namespace == "System.Linq" || type.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute), inherit: false));

    /// <summary>Each type's answer to <see cref="ProcessLocalReason"/>, found once (a stream of calls asks it per value).</summary>
    private static readonly ConcurrentDictionary<Type, string?> ProcessLocalReasons = new();

    private static string? FindProcessLocalReason(Type type)
    {
        return type switch
        {
            // Shared objects (Manager handles, shared memory) travel as handles, though some are IDisposable.
            _ when typeof(ISharedObject).IsAssignableFrom(type) => null,
            _ when type.IsPointer || type == typeof(IntPtr) || type == typeof(UIntPtr) => "it is a raw pointer into this process's memory",
            _ when typeof(MarshalByRefObject).IsAssignableFrom(type) => "it is bound to this process (MarshalByRefObject: streams, handles)",
            _ when typeof(Task).IsAssignableFrom(type) => "a Task runs in this process only; await it and ship its result",
            _ when typeof(Thread).IsAssignableFrom(type) => "a Thread exists in this process only",
            _ when typeof(MemberInfo).IsAssignableFrom(type) || typeof(Assembly).IsAssignableFrom(type) => "reflection objects are process-local; ship a delegate instead",
            _ when typeof(Akka.Actor.IActorRef).IsAssignableFrom(type) => "actor references travel inside Akka messages, not as call arguments",
            _ when IsLazyQuery(type) => "it is a lazy query (LINQ or an iterator method), whose items are computed in this process when it is enumerated; ship .ToList() or .ToArray() of it",
            _ when typeof(IDisposable).IsAssignableFrom(type) || typeof(IAsyncDisposable).IsAssignableFrom(type) => "it owns a resource of this process (it is IDisposable)",
            _ => null,
        };
    }

    private static readonly ConcurrentDictionary<Type, string?> HiddenState = new();

    /// <summary>
    /// MessagePack's contractless format carries public fields and properties only. A user type that
    /// keeps state in a private field would arrive without it: refuse it here, naming the field. A field
    /// that a public constructor sets from a public member's value, or a public setter sets, is restored
    /// (MessagePack calls the constructor whose parameters all name public members, then the setters):
    /// <c>class C(int value) { private readonly int _value = value; public int Value => _value; }</c> and
    /// <c>class D { private int _x; public int X { get => _x; set => _x = value; } }</c> travel. Types of the runtime itself
    /// (collections and the like) have formatters of their own.
    /// </summary>
    public static void RefuseHiddenState(Type type, string what)
    {
        if (HiddenFieldOf(type) is { } field)
        {
            throw new NotShippableException(
                $"Cannot ship {what} of type {TypeNames.Readable(type)}: it keeps state in the non-public field '{field}', which would not travel. " +
                "Expose that state as public properties (a record does), or ship the data instead of the object.", type);
        }
    }

    /// <summary>The first non-public field of <paramref name="type"/> that would not travel, if any (remembered per type).</summary>
    private static string? HiddenFieldOf(Type type) =>
        HiddenState.GetOrAdd(type, static t =>
        {
            if (t.IsPrimitive || t.IsEnum || t.Assembly == typeof(object).Assembly || typeof(System.Collections.IEnumerable).IsAssignableFrom(t)
                || (t.Namespace?.StartsWith("System", StringComparison.Ordinal) ?? false))
            {
                return null;
            }
            var publicProperties = t.GetProperties(BindingFlags.Instance | BindingFlags.Public).Select(p => p.Name).ToHashSet();
            var covered = SetByConstructor(t, publicProperties);
            for (var current = t; current is not null && current != typeof(object); current = current.BaseType)
            {
                foreach (var f in current.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    var backingOf = f.Name.StartsWith('<') ? f.Name[1..f.Name.IndexOf('>')] : null;
                    if ((backingOf is null || !publicProperties.Contains(backingOf)) && !covered.Contains(backingOf ?? BareName(f.Name)))
                    {
                        return f.Name;
                    }
                }
            }
            return null;
        });

    /// <summary>
    /// The names through which MessagePack restores state: the parameters of the public constructors whose
    /// parameters all name public members (matched ignoring case), and the public properties it sets after
    /// (a public setter, as <c>private int _x; public int X { get => _x; set => _x = value; }</c> has).
    /// </summary>
    private static HashSet<string> SetByConstructor(Type type, HashSet<string> publicProperties)
    {
        var members = new HashSet<string>(publicProperties, StringComparer.OrdinalIgnoreCase);
        members.UnionWith(type.GetFields(BindingFlags.Instance | BindingFlags.Public).Select(f => f.Name));
        var covered = new HashSet<string>(
            type.GetProperties(BindingFlags.Instance | BindingFlags.Public).Where(p => p.GetMethod is { IsPublic: true } && p.SetMethod is { IsPublic: true }).Select(p => p.Name),
            StringComparer.OrdinalIgnoreCase);
        foreach (var constructor in type.GetConstructors())
        {
            var parameters = constructor.GetParameters();
            if (parameters.All(p => p.Name is { } name && members.Contains(name)))
            {
                covered.UnionWith(parameters.Select(p => p.Name!));
            }
        }
        return covered;
    }

    /// <summary>A field's name without the usual prefixes: <c>_value</c> and <c>m_value</c> are <c>value</c>.</summary>
    private static string BareName(string field) =>
        field.StartsWith("m_", StringComparison.Ordinal) ? field[2..] : field.TrimStart('_');

    private static readonly ConcurrentDictionary<Type, Type?> HiddenStateInside = new();

    /// <summary>
    /// <see cref="RefuseHiddenState"/> for the element types inside <paramref name="type"/>: an array's,
    /// a <c>List&lt;T&gt;</c>'s or a <c>Dictionary&lt;TKey, TValue&gt;</c>'s (generic arguments), at any
    /// depth; MessagePack would fail on such an element with an error that names neither it nor its field.
    /// </summary>
    public static void RefuseHiddenStateInside(Type type, string what)
    {
        if (HiddenStateInside.GetOrAdd(type, static t => FindHiddenStateInside(t, 0)) is { } element)
        {
            var name = TypeNames.Readable(element);
            throw new NotShippableException(
                $"Cannot ship {what} ({TypeNames.Readable(type)}): {name} values in it keep state in the non-public field '{HiddenFieldOf(element)}', " +
                "which would not travel. Expose that state as public properties (a record does), or ship the data instead of the object.", element);
        }
    }

    private static Type? FindHiddenStateInside(Type type, int depth)
    {
        if (depth > 8)
        {
            return null;
        }
        var inside = type.IsArray ? [type.GetElementType()!] : type.IsGenericType ? type.GetGenericArguments() : [];
        foreach (var element in inside)
        {
            if (HiddenFieldOf(element) is not null)
            {
                return element;
            }
            if (FindHiddenStateInside(element, depth + 1) is { } deeper)
            {
                return deeper;
            }
        }
        return null;
    }

    private static readonly ConcurrentDictionary<Type, string?> ProcessLocalMembers = new();

    /// <summary>
    /// Refuses a type whose public properties or fields (what MessagePack would write), at any depth
    /// of the declared types, include one bound to this process (a stream, a handle, a task), naming
    /// the member, its type and why; MessagePack's own error would name neither.
    /// </summary>
    public static void RefuseProcessLocalMembers(Type type, string what)
    {
        var found = ProcessLocalMembers.GetOrAdd(type, static t => FindProcessLocalMember(t, [], 0));
        if (found is not null)
        {
            throw new NotShippableException($"Cannot ship {what} of type {TypeNames.Readable(type)}: {found}.", type);
        }
    }

    /// <summary>
    /// A get-only auto-property that MessagePack (which sets what has a setter or a constructor
    /// parameter) would leave as the constructor makes it; <see langword="null"/> when there is none.
    /// The typed form restores such properties (<see cref="RecordShape"/>): only types it cannot carry get here.
    /// </summary>
    private static string? GetOnlyProperty(Type type)
    {
        var parameters = type.GetConstructors().SelectMany(c => c.GetParameters()).Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return type.GetProperties(BindingFlags.Instance | BindingFlags.Public)
            .Where(p => p.GetIndexParameters().Length == 0 && p.SetMethod is not { IsPublic: true } && !parameters.Contains(p.Name)
                && p.DeclaringType?.GetField($"<{p.Name}>k__BackingField", BindingFlags.Instance | BindingFlags.NonPublic) is not null)
            .Select(p => p.Name)
            .FirstOrDefault();
    }

    private static string? FindProcessLocalMember(Type type, HashSet<Type> seen, int depth)
    {
        if (typeof(ILocalMemoryHandle).IsAssignableFrom(type))
        {
            return $"{TypeNames.Readable(type)} is a handle to shared memory, which travels as an argument, a captured variable or an element of an object[], not inside another value";
        }
        if (depth > 8 || type.IsPrimitive || type.IsEnum || type == typeof(string) || !seen.Add(type))
        {
            return null;
        }
        if (type.IsArray)
        {
            return FindProcessLocalMember(type.GetElementType()!, seen, depth + 1) is { } inElements ? $"its elements: {inElements}" : null;
        }
        if (type.IsGenericType && (type.Namespace?.StartsWith("System", StringComparison.Ordinal) ?? false))
        {
            // A collection or tuple of the runtime: what it holds is its type arguments.
            foreach (var argument in type.GetGenericArguments())
            {
                if (ProcessLocalReason(argument) is { } reason)
                {
                    return $"it holds {TypeNames.Readable(argument)}, which cannot travel: {reason}";
                }
                if (FindProcessLocalMember(argument, seen, depth + 1) is { } inside)
                {
                    return $"its {argument.Name}: {inside}";
                }
            }
            return null;
        }
        if (type.Namespace?.StartsWith("System", StringComparison.Ordinal) ?? false)
        {
            return null;
        }
        if (GetOnlyProperty(type) is { } getOnly)
        {
            return $"its property '{getOnly}' has neither a setter nor a constructor parameter, so it would arrive as the constructor leaves it, not as it was; "
                + $"give it a setter or init accessor, or a constructor parameter named '{char.ToLowerInvariant(getOnly[0])}{getOnly[1..]}'";
        }
        var members = type.GetProperties(BindingFlags.Instance | BindingFlags.Public)
            .Where(p => p.GetIndexParameters().Length == 0)
            .Select(p => (Kind: "property", p.Name, Type: p.PropertyType))
            .Concat(type.GetFields(BindingFlags.Instance | BindingFlags.Public).Select(f => (Kind: "field", f.Name, Type: f.FieldType)));
        foreach (var (kind, name, memberType) in members)
        {
            if (ProcessLocalReason(memberType) is { } reason)
            {
                return $"its {kind} '{name}' is of type {TypeNames.Readable(memberType)}, which cannot travel: {reason}";
            }
            if (FindProcessLocalMember(memberType, seen, depth + 1) is { } inside)
            {
                return $"its {kind} '{name}' ({memberType.Name}): {inside}";
            }
        }
        return null;
    }
}
