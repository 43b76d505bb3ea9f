using System.Collections.Concurrent;
using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace ActorParallel.Serialization;

/// <summary>
/// How a plain data type travels in the typed form (<see cref="TypedCodec{T}"/>): a record or class
/// whose whole state is public auto-properties of typed-codec types, rebuilt through the public
/// constructor whose parameters name those properties, then the properties that remain: through their
/// setters, or, for a get-only one (<c>public List&lt;string&gt; Lines { get; } = new();</c>), its
/// backing field - as it was in the sender, not as the constructor leaves it.
/// Read and written by reflection: ~170 ns an item, against MessagePack's ~200 ms of code
/// generation on a process's first value of a new type (measured; a pool's first map of records
/// paid it in the driver and in every worker). Types that do not fit go to MessagePack as before.
/// </summary>
internal sealed class RecordShape
{
    private static readonly ConcurrentDictionary<Type, RecordShape?> Shapes = new();

    [ThreadStatic]
    private static HashSet<Type>? t_visiting;

    private readonly ConstructorInfo? _constructor;
    private readonly Property[] _byConstructor;
    private readonly Property[] _bySetter;

    private RecordShape(ConstructorInfo? constructor, Property[] byConstructor, Property[] bySetter)
    {
        _constructor = constructor;
        _byConstructor = byConstructor;
        _bySetter = bySetter;
    }

    /// <summary>The shape of <paramref name="type"/>, or <see langword="null"/> when it is not plain data of typed-codec types.</summary>
    public static RecordShape? For(Type type)
    {
        if (Shapes.TryGetValue(type, out var known))
        {
            return known;
        }
        var visiting = t_visiting ??= [];
        if (!visiting.Add(type))
        {
            // A type that contains itself: its depth is unbounded, leave it to MessagePack.
            return null;
        }
        try
        {
            return Shapes.GetOrAdd(type, Describe(type));
        }
        finally
        {
            visiting.Remove(type);
        }
    }

    /// <summary>Writes the value's properties (a presence flag first for a class); a derived type's value throws <see cref="TypedFormMismatchException"/>.</summary>
    public void Write<T>(WireWriter writer, T value)
    {
        if (!typeof(T).IsValueType)
        {
            writer.WriteBool(value is not null);
            if (value is null)
            {
                return;
            }
            if (value.GetType() != typeof(T))
            {
                // What the derived type adds would be lost.
                throw new TypedFormMismatchException(typeof(T), value.GetType());
            }
        }
        foreach (var property in _byConstructor)
        {
            property.Write(writer, ValueOf<T>(property, value));
        }
        foreach (var property in _bySetter)
        {
            property.Write(writer, ValueOf<T>(property, value));
        }
    }

    private static object? ValueOf<T>(Property property, T value)
    {
        try
        {
            return property.Info.GetValue(value);
        }
        catch (TargetInvocationException invocation) when (invocation.InnerException is { } thrown)
        {
            throw new PropertyReadFailedException(typeof(T), property.Info.Name, thrown);
        }
    }

    public T Read<T>(WireReader reader)
    {
        if (!typeof(T).IsValueType && !reader.ReadBool())
        {
            return default!;
        }
        var arguments = new object?[_byConstructor.Length];
        for (var index = 0; index < arguments.Length; index++)
        {
            arguments[index] = _byConstructor[index].Read(reader);
        }
        var instance = _constructor is null ? Activator.CreateInstance(typeof(T))! : _constructor.Invoke(arguments);
        foreach (var property in _bySetter)
        {
            var value = property.Read(reader);
            if (property.Backing is { } backing)
            {
                backing.SetValue(instance, value);
            }
            else
            {
                property.Info.SetValue(instance, value);
            }
        }
        return (T)instance;
    }

    private static RecordShape? Describe(Type type)
    {
        if (type.IsPrimitive || type.IsEnum || type.IsArray || type.IsPointer || type.IsByRef || type.IsAbstract || type.IsInterface
            || type.ContainsGenericParameters || type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false)
            || (type.Namespace?.StartsWith("System", StringComparison.Ordinal) ?? false)
            || typeof(IEnumerable).IsAssignableFrom(type) || typeof(Delegate).IsAssignableFrom(type)
            || typeof(IDisposable).IsAssignableFrom(type) || typeof(MarshalByRefObject).IsAssignableFrom(type))
        {
            return null;
        }
        var readable = type.GetProperties(BindingFlags.Instance | BindingFlags.Public)
            .Where(p => p.GetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0)
            .ToList();
        if (readable.DistinctBy(p => p.Name).Count() != readable.Count)
        {
            // A property hidden by another of the same name ('new'): ambiguous, leave it to MessagePack.
            return null;
        }
        var properties = readable.ToDictionary(p => p.Name);
        // The whole state must be public auto-properties: any other field would not travel.
        var state = new List<PropertyInfo>();
        var backingFields = new Dictionary<PropertyInfo, FieldInfo>();
        for (var current = type; current is not null && current != typeof(object) && current != typeof(ValueType); current = current.BaseType)
        {
            foreach (var field in current.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                var owner = field.Name.StartsWith('<') && field.Name.EndsWith(">k__BackingField", StringComparison.Ordinal)
                    ? field.Name[1..field.Name.IndexOf('>')]
                    : null;
                if (owner is null || !properties.TryGetValue(owner, out var property) || property.PropertyType != field.FieldType)
                {
                    return null;
                }
                state.Add(property);
                backingFields[property] = field;
            }
        }
        var constructor = type.GetConstructors()
            .OrderByDescending(c => c.GetParameters().Length)
            .FirstOrDefault(c => c.GetParameters().All(parameter =>
                properties.Values.Any(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase) && p.PropertyType == parameter.ParameterType)));
        if (constructor is null && !type.IsValueType)
        {
            return null;
        }
        var byConstructor = constructor?.GetParameters()
            .Select(parameter => properties.Values.First(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase)))
            .ToArray() ?? [];
        var bySetter = state.Except(byConstructor).ToArray();
        if (byConstructor.Concat(bySetter).Any(p => !TypedCodecs.Has(p.PropertyType)))
        {
            return null;
        }
        return new RecordShape(constructor, [.. byConstructor.Select(p => Property.Of(p, null))],
            [.. bySetter.Select(p => Property.Of(p, p.SetMethod is { IsPublic: true } ? null : backingFields[p]))]);
    }

    /// <summary>One property, the typed codec of its type, boxed, and the backing field a get-only one is restored through.</summary>
    private sealed record Property(PropertyInfo Info, Action<WireWriter, object?> Write, Func<WireReader, object?> Read, FieldInfo? Backing)
    {
        public static Property Of(PropertyInfo info, FieldInfo? backing)
        {
            var (write, read) = TypedCodecs.Boxed(info.PropertyType);
            return new Property(info, write, read, backing);
        }
    }
}

/// <summary>The typed form could not write a value: <see cref="Refusal"/> is the caller's error, once it is known what the value was.</summary>
internal abstract class TypedFormRefusalException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The error for the caller, naming the value by <paramref name="what"/> ("item 3 of the map").</summary>
    public abstract NotShippableException Refusal(string what);
}

/// <summary>A property's getter threw while the typed form read it.</summary>
internal sealed class PropertyReadFailedException(Type type, string property, Exception thrown)
    : TypedFormRefusalException($"Reading property '{property}' of {TypeNames.Readable(type)} threw.", thrown)
{
    public override NotShippableException Refusal(string what) => new(
        $"Cannot ship {what}: reading its property '{property}' ({TypeNames.Readable(type)}) threw {InnerException!.GetType().Name}: {InnerException.Message.TrimEnd('.')}. " +
        "A value is read when it is sent: one that other code changes meanwhile must be copied first.",
        type,
        InnerException);
}

/// <summary>A value of a type derived from its declared one met the typed form, which would lose what the derived type adds.</summary>
internal sealed class TypedFormMismatchException(Type declared, Type actual)
    : TypedFormRefusalException($"{TypeNames.WithArticle(TypeNames.Readable(actual))} stands where {TypeNames.WithArticle(TypeNames.Readable(declared))} is declared.")
{
    /// <summary>The error for the caller: no form would carry what the derived type adds (MessagePack, too, writes a member by its declared type).</summary>
    public override NotShippableException Refusal(string what) => new(
        $"Cannot ship {what}: it holds {TypeNames.WithArticle(TypeNames.Readable(actual))} where {TypeNames.WithArticle(TypeNames.Readable(declared))} is declared, and only {declared.Name}'s properties would travel. " +
        $"Declare that member or element as {actual.Name} or object, or make {declared.Name} sealed.",
        actual);
}
