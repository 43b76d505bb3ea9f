using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using MessagePack;

namespace ActorParallel.Serialization;

/// <summary>
/// Encodes user values (arguments, results, captured variables) for the wire. Common primitives
/// and their arrays get a one-byte tag and raw bytes; delegates travel as
/// <see cref="FunctionReference"/>; compiler-generated closures travel field by field; any other
/// type goes through MessagePack's typeless contractless format (public members, type name kept).
/// Values that hold process-local resources are refused with <see cref="NotShippableException"/>.
/// </summary>
internal static class ValueCodec
{
    private const byte Null = 0, False = 1, True = 2, Int32 = 3, Int64 = 4, Double = 5, String = 6, Bytes = 7,
        Int32Array = 8, Int64Array = 9, DoubleArray = 10, ObjectArray = 11, Function = 12, Closure = 13,
        Packed = 14, Single = 15, StringArray = 16, SharedHandle = 17, Typed = 18;

    /// <summary>
    /// MessagePack's typeless options, made on first use: making them compiles regular expressions
    /// with Reflection.Emit (~50 ms of a process's CPU), which a worker whose values all have tags
    /// never needs.
    /// </summary>
    private static MessagePackSerializerOptions PackOptions => Pack.Options;
    private static readonly ConcurrentDictionary<Type, FieldInfo[]> ClosureFields = new();
    private static readonly ConcurrentDictionary<Type, ClosureShape> ClosureShapes = new();

    public static byte[] Encode(object? value, string what)
    {
        var writer = new WireWriter();
        Write(writer, value, what);
        return writer.ToArray();
    }

    public static object? Decode(byte[] bytes) => Read(new WireReader(bytes));

    /// <summary>
    /// One value as an array of one object, as <c>ChunkCodec.EncodeItems</c> writes a chunk of a single
    /// item of a type that travels by reference: <paramref name="what"/> names the value itself in errors.
    /// </summary>
    /// <exception cref="NotShippableException">The value cannot travel.</exception>
    public static Encoded EncodeAsArrayOfOne(object? value, string what)
    {
        var writer = new WireWriter(collectBlocks: true);
        WriteObjectArrayHeader(writer, 1);
        Write(writer, value, what);
        return writer.ToEncoded();
    }

    /// <summary>The start of an <c>object[]</c> of <paramref name="count"/> values, each then written by <see cref="Write"/>.</summary>
    public static void WriteObjectArrayHeader(WireWriter writer, int count)
    {
        writer.WriteByte(ObjectArray);
        writer.WriteCount(count);
    }

    /// <summary>Writes one value; <paramref name="what"/> names it in errors ("argument 1", "captured variable 'x'").</summary>
    /// <exception cref="NotShippableException">The value cannot travel, or it nests deeper than <see cref="WireDepth.MaxLevels"/>.</exception>
    public static void Write(WireWriter writer, object? value, string what)
    {
        if (!WireDepth.TryEnter())
        {
            throw WireDepth.TooDeep(what, value?.GetType(), null);
        }
        try
        {
            WriteValue(writer, value, what);
        }
        finally
        {
            WireDepth.Exit();
        }
    }

    private static void WriteValue(WireWriter writer, object? value, string what)
    {
        switch (value)
        {
            case null:
                writer.WriteByte(Null);
                return;
            case bool b:
                writer.WriteByte(b ? True : False);
                return;
            case int i:
                writer.WriteByte(Int32);
                writer.WriteInt32(i);
                return;
            case long l:
                writer.WriteByte(Int64);
                writer.WriteInt64(l);
                return;
            case double d:
                writer.WriteByte(Double);
                writer.WriteDouble(d);
                return;
            case float f:
                writer.WriteByte(Single);
                writer.WriteInt32(BitConverter.SingleToInt32Bits(f));
                return;
            case string s:
                writer.WriteByte(String);
                writer.WriteString(s);
                return;
            case byte[] bytes:
                writer.WriteByte(Bytes);
                writer.WriteArray(bytes);
                return;
            case int[] ints:
                writer.WriteByte(Int32Array);
                writer.WriteArray(ints);
                return;
            case long[] longs:
                writer.WriteByte(Int64Array);
                writer.WriteArray(longs);
                return;
            case double[] doubles:
                writer.WriteByte(DoubleArray);
                writer.WriteArray(doubles);
                return;
            case string[] strings:
                writer.WriteByte(StringArray);
                writer.WriteCount(strings.Length);
                foreach (var s in strings)
                {
                    writer.WriteString(s);
                }
                return;
            case object?[] items when value.GetType() == typeof(object[]):
                writer.WriteByte(ObjectArray);
                writer.WriteCount(items.Length);
                for (var index = 0; index < items.Length; index++)
                {
                    Write(writer, items[index], $"element {index} of {what}");
                }
                return;
            case Delegate function:
                writer.WriteByte(Function);
                FunctionReference.Write(writer, function, what);
                return;
            case Serialization.ISharedObject shared:
                writer.WriteByte(SharedHandle);
                shared.WriteHandle(writer);
                return;
        }

        var type = value.GetType();
        ShippableTypes.RefuseProcessLocal(type, what);
        if (type.IsArray)
        {
            ShippableTypes.RefuseProcessLocal(type.GetElementType()!, $"the elements of {what}");
        }
        if (IsCompilerGenerated(type))
        {
            WriteClosure(writer, value, type, what);
            return;
        }
        if (TypedCodecs.Has(type))
        {
            // Tuples, arrays and plain records: the type's name, then the typed form (no MessagePack).
            writer.WriteByte(Typed);
            TypeNames.Write(writer, type);
            try
            {
                TypedCodecs.Boxed(type).Write(writer, value);
            }
            catch (TypedFormRefusalException mismatch)
            {
                throw mismatch.Refusal(what);
            }
            return;
        }
        WritePacked(writer, value, type, what);
    }

    /// <exception cref="WireFormatException">The bytes are not a value of this build, or it nests deeper than <see cref="WireDepth.MaxLevels"/>.</exception>
    public static object? Read(WireReader reader)
    {
        if (!WireDepth.TryEnter())
        {
            throw new WireFormatException($"A value arrived that nests deeper than {WireDepth.MaxLevels:N0} levels: the other side runs a different build.");
        }
        try
        {
            return ReadValue(reader);
        }
        catch (Exception exception) when (Deepest(exception) is { } deep)
        {
            throw new WireFormatException($"A value arrived with {TypeNames.WithArticle(TypeNames.Readable(deep.Type))} that nests deeper than {WireDepth.MaxLevels:N0} levels: the other side runs a different build.");
        }
        finally
        {
            WireDepth.Exit();
        }
    }

    private static object? ReadValue(WireReader reader)
    {
        var tag = reader.ReadByte();
        switch (tag)
        {
            case Null: return null;
            case False: return false;
            case True: return true;
            case Int32: return reader.ReadInt32();
            case Int64: return reader.ReadInt64();
            case Double: return reader.ReadDouble();
            case Single: return BitConverter.Int32BitsToSingle(reader.ReadInt32());
            case String: return reader.ReadString() ?? string.Empty;
            case Bytes: return reader.ReadArray<byte>();
            case Int32Array: return reader.ReadArray<int>();
            case Int64Array: return reader.ReadArray<long>();
            case DoubleArray: return reader.ReadArray<double>();
            case StringArray:
            {
                var strings = new string?[reader.ReadCount()];
                for (var index = 0; index < strings.Length; index++)
                {
                    strings[index] = reader.ReadString();
                }
                return strings;
            }
            case ObjectArray:
            {
                var items = new object?[reader.ReadCount()];
                for (var index = 0; index < items.Length; index++)
                {
                    items[index] = Read(reader);
                }
                return items;
            }
            case Function: return FunctionReference.Read(reader);
            case Closure: return ReadClosure(reader);
            case SharedHandle: return Serialization.SharedObjects.Read(reader);
            case Typed:
            {
                var type = TypeNames.Read(reader);
                if (!TypedCodecs.Has(type))
                {
                    throw new WireFormatException($"A value of {TypeNames.Readable(type)} arrived in the typed form, which it has none of here: the other side runs a different build.");
                }
                return TypedCodecs.Boxed(type).Read(reader);
            }
            case Packed:
            {
                var packed = new MessagePackReader(reader.ReadRawMemory(reader.ReadCount()));
                return MessagePackSerializer.Typeless.Deserialize(ref packed, PackOptions);
            }
            default:
                throw new WireFormatException($"Unknown value tag {tag}.");
        }
    }

    private static bool IsCompilerGenerated(Type type) =>
        !type.IsPrimitive && type != typeof(string) && CompilerGenerated.GetOrAdd(type, static t => t.Name.Contains('<') && t.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false) ? t : NotGenerated) != NotGenerated;

    /// <summary>What <see cref="CompilerGenerated"/> holds for a type that is not: a reference, so that the framework's precompiled dictionary serves (one over <see cref="bool"/> values is JIT-compiled in every process).</summary>
    private static readonly Type NotGenerated = typeof(void);

    /// <summary>Whether each type is compiler-generated (a closure), found once: a stream of calls asks it per value.</summary>
    private static readonly ConcurrentDictionary<Type, Type> CompilerGenerated = new();

    private static void WriteClosure(WireWriter writer, object value, Type type, string what)
    {
        if (type.IsValueType || type.ContainsGenericParameters)
        {
            throw new NotShippableException($"Cannot ship {what}: compiler-generated type {TypeNames.Readable(type)} is not a closure.", type);
        }
        var fields = ClosureFields.GetOrAdd(type, static t => t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic));
        // Name a captured resource of this process (a stream, a handle) before anything subtler.
        foreach (var field in fields)
        {
            if (field.GetValue(value) is { } captured && captured is not Delegate && !IsCompilerGenerated(captured.GetType()))
            {
                ShippableTypes.RefuseProcessLocal(captured.GetType(), DescribeCapture(field.Name, what));
            }
        }
        var shape = ClosureShapes.GetOrAdd(type, static (t, f) => new ClosureShape(t, f), fields);
        writer.WriteRaw(shape.Header);
        for (var index = 0; index < fields.Length; index++)
        {
            var field = fields[index];
            writer.WriteRaw(shape.Names[index]);
            // A lambda made in a loop over this closure's variables is cached by the compiler in a field
            // of the closure ("<>9__N"): a delegate whose target is this closure, so the closure would
            // contain itself. It is only a cache (the code makes the delegate again when the field is
            // null): it travels empty.
            var captured = IsDelegateCache(field) ? null : field.GetValue(value);
            Write(writer, captured, DescribeCapture(field.Name, what));
        }
    }

    private static bool IsDelegateCache(FieldInfo field) =>
        field.Name.StartsWith("<>9__", StringComparison.Ordinal) && typeof(Delegate).IsAssignableFrom(field.FieldType);

    private static object ReadClosure(WireReader reader)
    {
        var type = TypeNames.Read(reader);
        var fields = ClosureFields.GetOrAdd(type, static t => t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic));
        var instance = RuntimeHelpers.GetUninitializedObject(type);
        var count = reader.ReadCount();
        for (var index = 0; index < count; index++)
        {
            var name = reader.ReadRequiredString();
            var value = Read(reader);
            // The sender's fields come in the order of this build's: look by position first.
            var field = index < fields.Length && fields[index].Name == name ? fields[index] : Array.Find(fields, f => f.Name == name)
                ?? throw new WireFormatException($"Closure {TypeNames.Readable(type)} has no field '{name}': the worker runs a different build.");
            field.SetValue(instance, value);
        }
        return instance;
    }

    /// <summary>
    /// What every instance of a closure type writes the same: its tag, type and field count, and each
    /// field's name, encoded once (a stream of calls ships the same closure type many times).
    /// </summary>
    private sealed class ClosureShape
    {
        public ClosureShape(Type type, FieldInfo[] fields)
        {
            var header = new WireWriter();
            header.WriteByte(Closure);
            TypeNames.Write(header, type);
            header.WriteCount(fields.Length);
            Header = header.ToArray();
            Names = Array.ConvertAll(fields, field =>
            {
                var name = new WireWriter();
                name.WriteString(field.Name);
                return name.ToArray();
            });
        }

        public byte[] Header { get; }

        public byte[][] Names { get; }
    }

    private static string DescribeCapture(string fieldName, string what) => fieldName switch
    {
        "<>4__this" => $"'this' captured by {what}",
        _ when fieldName.StartsWith("CS$<>", StringComparison.Ordinal) => $"an enclosing scope captured by {what}",
        _ => $"captured variable '{fieldName}' of {what}",
    };

    private static void WritePacked(WireWriter writer, object value, Type type, string what)
    {
        ShippableTypes.RefuseHiddenState(type, what);
        ShippableTypes.RefuseProcessLocalMembers(type, what);
        ShippableTypes.RefuseHiddenStateInside(type, what);
        byte[] packed;
        try
        {
            packed = MessagePackSerializer.Typeless.Serialize(value, PackOptions);
        }
        catch (Exception exception) when (Deepest(exception) is { } deep)
        {
            throw WireDepth.TooDeep(what, type, deep.Type, exception);
        }
        catch (Exception exception)
        {
            throw new NotShippableException(
                $"Cannot ship {what} of type {TypeNames.Readable(type)} to another process: {exception.GetBaseException().Message}{ShippableTypes.ClosureHint(what)}", type, exception);
        }
        writer.WriteByte(Packed);
        writer.WriteBytes(packed);
    }

    /// <summary>MessagePack's depth refusal, wherever in its own exceptions it is wrapped.</summary>
    private static WireDepth.TooDeepException? Deepest(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is WireDepth.TooDeepException deep)
            {
                return deep;
            }
        }
        return null;
    }

    private static class Pack
    {
        public static readonly MessagePackSerializerOptions Options = WireDepth.Guard(MessagePackSerializer.Typeless.DefaultOptions);
    }
}
