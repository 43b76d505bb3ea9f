using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Reflection;

namespace ActorParallel.Serialization;

/// <summary>
/// Types on the wire. A type defined in an assembly travels as that assembly's name, its module's
/// version id and the type's metadata token (with its full name in case the other side runs a
/// different build of that assembly, as a framework patch release on another machine); generic
/// instantiations and arrays are built from their parts. The receiving side then needs no
/// assembly-qualified name parsing, which in a starting worker cost ~10 ms of CPU the first time.
/// Anything else (pointers, generic parameters) travels as its assembly-qualified name.
/// </summary>
internal static class TypeNames
{
    private const byte Defined = 1, Constructed = 2, ArrayOf = 3, ByName = 4;

    private static readonly ConcurrentDictionary<string, Type> NamedTypes = new();
    private static readonly ConcurrentDictionary<string, Assembly> Assemblies = new();

    public static void Write(WireWriter writer, Type type)
    {
        if (type.IsConstructedGenericType)
        {
            writer.WriteByte(Constructed);
            Write(writer, type.GetGenericTypeDefinition());
            var arguments = type.GenericTypeArguments;
            writer.WriteCount(arguments.Length);
            foreach (var argument in arguments)
            {
                Write(writer, argument);
            }
        }
        else if (type.IsArray)
        {
            writer.WriteByte(ArrayOf);
            writer.WriteInt32(type.IsSZArray ? 0 : type.GetArrayRank());
            Write(writer, type.GetElementType()!);
        }
        else if (type.IsGenericParameter)
        {
            throw new NotShippableException($"Cannot ship the open generic parameter {type.Name}: only closed types travel.", type);
        }
        else if (type.HasElementType || type.Assembly.IsDynamic || type.FullName is null)
        {
            writer.WriteByte(ByName);
            writer.WriteString(type.AssemblyQualifiedName);
        }
        else
        {
            writer.WriteByte(Defined);
            writer.WriteString(type.Assembly.FullName);
            writer.WriteGuid(type.Module.ModuleVersionId);
            writer.WriteInt32(type.MetadataToken);
            writer.WriteString(type.FullName);
        }
    }

    public static Type Read(WireReader reader)
    {
        var tag = reader.ReadByte();
        switch (tag)
        {
            case Defined:
                return ReadDefined(reader);
            case Constructed:
                var definition = Read(reader);
                var arguments = new Type[reader.ReadCount()];
                for (var index = 0; index < arguments.Length; index++)
                {
                    arguments[index] = Read(reader);
                }
                return definition.MakeGenericType(arguments);
            case ArrayOf:
                var rank = reader.ReadInt32();
                var element = Read(reader);
                return rank == 0 ? element.MakeArrayType() : element.MakeArrayType(rank);
            case ByName:
                return Resolve(reader.ReadRequiredString());
            default:
                throw new WireFormatException($"Unknown type encoding {tag}.");
        }
    }

    /// <summary>An assembly by its full name: one already loaded if there is one, else loaded now.</summary>
    public static Assembly LoadAssembly(string fullName) =>
        Assemblies.GetOrAdd(fullName, static name =>
            Array.Find(AppDomain.CurrentDomain.GetAssemblies(), assembly => assembly.FullName == name) ?? Assembly.Load(name));

    private static Type ReadDefined(WireReader reader)
    {
        var assemblyName = reader.ReadRequiredString();
        var moduleId = reader.ReadGuid();
        var token = reader.ReadInt32();
        var fullName = reader.ReadRequiredString();
        // No cache of our own: the runtime keeps resolved tokens, and a dictionary keyed by
        // (module, token) would itself be JIT-compiled in every starting worker (~1 ms).
        Assembly assembly;
        try
        {
            assembly = LoadAssembly(assemblyName);
        }
        catch (Exception exception) when (exception is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            throw new WireFormatException($"Type '{fullName}' is not loadable in this process: its assembly {assemblyName} is not ({exception.Message}).");
        }
        var module = Array.Find(assembly.GetModules(), m => m.ModuleVersionId == moduleId);
        // Another build of the assembly (a framework patch release on another machine): find the type by name.
        return module?.ResolveType(token) ?? assembly.GetType(fullName, throwOnError: false)
            ?? throw new WireFormatException($"Type '{fullName}' is not in {assemblyName} in this process: is the same build deployed on both sides?");
    }

    private static Type Resolve(string assemblyQualifiedName) =>
        NamedTypes.GetOrAdd(assemblyQualifiedName, static name =>
            Type.GetType(name, static assemblyName => Assembly.Load(assemblyName), typeResolver: null, throwOnError: false)
            ?? throw new WireFormatException($"Type '{name}' is not loadable in this process: is the same build deployed on both sides?"));

    /// <summary>
    /// A type as C# writes it, for messages: keywords for the built-in types, the types of .NET's own
    /// <c>System</c> namespaces by their name alone, other types with their namespace, generic arguments in
    /// angle brackets and tuples in parentheses (<c>List&lt;MyApp.Order&gt;</c>, <c>(int, string)</c>; not
    /// the <c>List`1[[MyApp.Order, MyApp, Version=…]]</c> of <see cref="Type.FullName"/>), nested types after a dot.
    /// </summary>
    public static string Readable(Type? type)
    {
        if (type is null)
        {
            return "null";
        }
        if (Keywords.TryGetValue(type, out var keyword))
        {
            return keyword;
        }
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Readable(underlying) + "?";
        }
        if (type.IsArray)
        {
            return $"{Readable(type.GetElementType())}[{new string(',', type.GetArrayRank() - 1)}]";
        }
        if (type.IsGenericParameter)
        {
            return type.Name;
        }
        var arguments = type.IsGenericType ? type.GetGenericArguments() : [];
        if (type.IsConstructedGenericType && type.FullName?.StartsWith("System.ValueTuple`", StringComparison.Ordinal) == true && arguments.Length < 8)
        {
            return $"({string.Join(", ", arguments.Select(Readable))})";
        }
        var name = type.Name;
        var tick = name.IndexOf('`');
        if (tick >= 0)
        {
            name = name[..tick];
        }
        string outer;
        var inherited = 0;
        if (type.IsNested)
        {
            // A type nested in a generic one shares its arguments: Outer<int>.Inner is Inner with [int].
            var declaring = type.DeclaringType!;
            inherited = declaring.IsGenericTypeDefinition ? declaring.GetGenericArguments().Length : 0;
            if (inherited > 0 && type.IsConstructedGenericType)
            {
                declaring = declaring.MakeGenericType(arguments[..inherited]);
            }
            outer = Readable(declaring) + ".";
        }
        else
        {
            outer = type.Namespace is { Length: > 0 } ns && ns != "System" && !ns.StartsWith("System.", StringComparison.Ordinal) ? ns + "." : string.Empty;
        }
        var own = arguments[inherited..];
        return own.Length == 0 ? outer + name : $"{outer}{name}<{string.Join(", ", own.Select(Readable))}>";
    }

    private static readonly FrozenDictionary<Type, string> Keywords = new Dictionary<Type, string>
    {
        [typeof(bool)] = "bool", [typeof(byte)] = "byte", [typeof(sbyte)] = "sbyte", [typeof(char)] = "char",
        [typeof(short)] = "short", [typeof(ushort)] = "ushort", [typeof(int)] = "int", [typeof(uint)] = "uint",
        [typeof(long)] = "long", [typeof(ulong)] = "ulong", [typeof(float)] = "float", [typeof(double)] = "double",
        [typeof(decimal)] = "decimal", [typeof(string)] = "string", [typeof(object)] = "object", [typeof(nint)] = "nint",
        [typeof(nuint)] = "nuint", [typeof(void)] = "void",
    }.ToFrozenDictionary();

    /// <summary>"a" or "an" before <paramref name="noun"/>, by its first letter.</summary>
    public static string WithArticle(string noun) =>
        (StartsWithVowelSound(noun) ? "an " : "a ") + noun;

    /// <summary>By the first letter, except words read with a consonant first: "a User", "a Unicode…", "a Euro…", "a One…".</summary>
    private static bool StartsWithVowelSound(string noun) =>
        noun.Length > 0 && "AEIOUaeiou".Contains(noun[0])
        && !ConsonantSounding.Any(prefix => noun.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    private static readonly string[] ConsonantSounding = ["Uni", "Use", "Usa", "Usi", "Usu", "Uti", "Uri", "Ure", "Uro", "Eu", "One"];
}
