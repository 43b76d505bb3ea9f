using System.Reflection;

namespace ActorParallel.Serialization;

/// <summary>
/// Writes and reads values of a type both sides know statically, without tags or type names: a
/// chunk's items and results, whose type the driver and the worker's runner both have. Covers
/// primitives, strings, arrays and tuples of those, and plain records and classes made of them
/// (<see cref="RecordShape"/>), built from generic methods and reflection (no code is emitted).
/// Other types have no codec here (<see cref="Write"/> is <see langword="null"/>) and go through
/// <see cref="ValueCodec"/>, which uses MessagePack for them: its first use costs a process
/// 100-200 ms of code generation. Measured on a warm pool of 2, first map → second: tuples 210 → 3 ms
/// before, 32 ms now; records 285-325 ms before, 35-47 ms now (500k records: 460-577 → 340-372 ms).
/// </summary>
internal static class TypedCodec<T>
{
    public static readonly Action<WireWriter, T>? Write;
    public static readonly Func<WireReader, T>? Read;

    static TypedCodec()
    {
        if (TypedCodecs.Create(typeof(T)) is var (write, read))
        {
            Write = (Action<WireWriter, T>)write;
            Read = (Func<WireReader, T>)read;
        }
    }
}

/// <summary>The codecs of <see cref="TypedCodec{T}"/>, made once per type.</summary>
internal static class TypedCodecs
{
    private static readonly Dictionary<Type, (Delegate Write, Delegate Read)> Primitives = new()
    {
        [typeof(bool)] = (new Action<WireWriter, bool>((w, v) => w.WriteBool(v)), new Func<WireReader, bool>(r => r.ReadBool())),
        [typeof(byte)] = (new Action<WireWriter, byte>((w, v) => w.WriteByte(v)), new Func<WireReader, byte>(r => r.ReadByte())),
        [typeof(short)] = (new Action<WireWriter, short>((w, v) => w.WriteInt32(v)), new Func<WireReader, short>(r => checked((short)r.ReadInt32()))),
        [typeof(char)] = (new Action<WireWriter, char>((w, v) => w.WriteInt32(v)), new Func<WireReader, char>(r => checked((char)r.ReadInt32()))),
        [typeof(int)] = (new Action<WireWriter, int>((w, v) => w.WriteInt32(v)), new Func<WireReader, int>(r => r.ReadInt32())),
        [typeof(long)] = (new Action<WireWriter, long>((w, v) => w.WriteInt64(v)), new Func<WireReader, long>(r => r.ReadInt64())),
        [typeof(float)] = (new Action<WireWriter, float>((w, v) => w.WriteInt32(BitConverter.SingleToInt32Bits(v))), new Func<WireReader, float>(r => BitConverter.Int32BitsToSingle(r.ReadInt32()))),
        [typeof(double)] = (new Action<WireWriter, double>((w, v) => w.WriteDouble(v)), new Func<WireReader, double>(r => r.ReadDouble())),
        [typeof(string)] = (new Action<WireWriter, string?>((w, v) => w.WriteString(v)), new Func<WireReader, string?>(r => r.ReadString())),
        [typeof(Guid)] = (new Action<WireWriter, Guid>((w, v) => w.WriteGuid(v)), new Func<WireReader, Guid>(r => r.ReadGuid())),
        [typeof(TimeSpan)] = (new Action<WireWriter, TimeSpan>((w, v) => w.WriteInt64(v.Ticks)), new Func<WireReader, TimeSpan>(r => TimeSpan.FromTicks(r.ReadInt64()))),
        [typeof(DateTime)] = (new Action<WireWriter, DateTime>((w, v) => w.WriteInt64(v.ToBinary())), new Func<WireReader, DateTime>(r => DateTime.FromBinary(r.ReadInt64()))),
        [typeof(decimal)] = (new Action<WireWriter, decimal>(WriteDecimal), new Func<WireReader, decimal>(ReadDecimal)),
    };

    private static void WriteDecimal(WireWriter writer, decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        foreach (var bit in bits)
        {
            writer.WriteInt32(bit);
        }
    }

    private static decimal ReadDecimal(WireReader reader) => new([reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32()]);

    /// <summary>The (write, read) delegates for <paramref name="type"/>, or <see langword="null"/> when it has none.</summary>
    public static (Delegate Write, Delegate Read)? Create(Type type)
    {
        if (!Has(type))
        {
            return null;
        }
        if (Primitives.TryGetValue(type, out var primitive))
        {
            return primitive;
        }
        if (type.IsArray)
        {
            var element = type.GetElementType()!;
            return Build(Array.IndexOf(RawElements, element) >= 0 ? nameof(RawArrayCodec) : nameof(ArrayCodec), element);
        }
        if (IsCollection(type))
        {
            return Build(type.GetGenericTypeDefinition() == typeof(List<>) ? nameof(ListCodec) : nameof(DictionaryCodec), type.GetGenericArguments());
        }
        if (!IsTuple(type))
        {
            return Build(nameof(RecordCodec), type);
        }
        var definition = type.GetGenericTypeDefinition();
        return Array.IndexOf(ValueTuples, definition) is var arity and > 0
            ? Build($"ValueTupleCodec{arity}", type.GetGenericArguments())
            : Build($"TupleCodec{Array.IndexOf(Tuples, definition)}", type.GetGenericArguments());
    }

    /// <summary>
    /// Whether <see cref="Create"/> has a codec for <paramref name="type"/>: a primitive, an array,
    /// tuple, <see cref="List{T}"/> or <see cref="Dictionary{TKey, TValue}"/> of such, or plain data
    /// made of such (<see cref="RecordShape"/>).
    /// </summary>
    public static bool Has(Type type) =>
        Primitives.ContainsKey(type) || Known.GetOrAdd(type, static t =>
            (t.IsArray && t.GetArrayRank() == 1 && Has(t.GetElementType()!))
            || (IsTuple(t) || IsCollection(t) ? t.GetGenericArguments().All(Has) : RecordShape.For(t) is not null));

    private static bool IsCollection(Type type) =>
        type.IsGenericType && !type.ContainsGenericParameters
        && (type.GetGenericTypeDefinition() == typeof(List<>) || type.GetGenericTypeDefinition() == typeof(Dictionary<,>));

    // Asked for every value ValueCodec has no tag for: answered once per type.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, bool> Known = new();

    private static bool IsTuple(Type type) =>
        type.IsGenericType && !type.ContainsGenericParameters
        && (Array.IndexOf(ValueTuples, type.GetGenericTypeDefinition()) > 0 || Array.IndexOf(Tuples, type.GetGenericTypeDefinition()) > 0);

    // Index = arity; 8-element tuples (a nested rest) are left to ValueCodec.
    private static readonly Type?[] ValueTuples = [null, typeof(ValueTuple<>), typeof(ValueTuple<,>), typeof(ValueTuple<,,>), typeof(ValueTuple<,,,>), typeof(ValueTuple<,,,,>), typeof(ValueTuple<,,,,,>), typeof(ValueTuple<,,,,,,>)];
    private static readonly Type?[] Tuples = [null, typeof(Tuple<>), typeof(Tuple<,>), typeof(Tuple<,,>), typeof(Tuple<,,,>), typeof(Tuple<,,,,>), typeof(Tuple<,,,,,>), typeof(Tuple<,,,,,,>)];

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, (Action<WireWriter, object?> Write, Func<WireReader, object?> Read)> BoxedCodecs = new();

    /// <summary>The typed codec of <paramref name="type"/> over boxed values (for a value whose type is known only at run time); the type must have one (<see cref="Has"/>).</summary>
    public static (Action<WireWriter, object?> Write, Func<WireReader, object?> Read) Boxed(Type type) =>
        BoxedCodecs.GetOrAdd(type, static t =>
            ((Action<WireWriter, object?>, Func<WireReader, object?>))typeof(TypedCodecs).GetMethod(nameof(BoxedCodec), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(t).Invoke(null, null)!);

    private static (Action<WireWriter, object?>, Func<WireReader, object?>) BoxedCodec<TValue>() =>
        ((writer, value) => TypedCodec<TValue>.Write!(writer, (TValue)value!), reader => TypedCodec<TValue>.Read!(reader));

    private static (Delegate Write, Delegate Read) Build(string method, params Type[] arguments) =>
        ((Delegate, Delegate))typeof(TypedCodecs).GetMethod(method, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(arguments).Invoke(null, null)!;

    /// <summary>Element types whose arrays travel as raw memory (and out of band when large), not element by element.</summary>
    private static readonly Type[] RawElements = [typeof(byte), typeof(short), typeof(char), typeof(int), typeof(long), typeof(float), typeof(double)];

    private static (Delegate, Delegate) RawArrayCodec<TElement>()
        where TElement : unmanaged => (
        new Action<WireWriter, TElement[]?>((w, array) =>
        {
            if (Present(w, array))
            {
                w.WriteArray(array);
            }
        }),
        new Func<WireReader, TElement[]?>(r => r.ReadBool() ? r.ReadArray<TElement>() : null));

    private static (Delegate, Delegate) ArrayCodec<TElement>() => (
        new Action<WireWriter, TElement[]?>((w, array) =>
        {
            if (Present(w, array))
            {
                w.WriteCount(array.Length);
                var write = TypedCodec<TElement>.Write!;
                foreach (var element in array)
                {
                    write(w, element);
                }
            }
        }),
        new Func<WireReader, TElement[]?>(r =>
        {
            if (!r.ReadBool())
            {
                return null;
            }
            var array = new TElement[r.ReadCount()];
            var read = TypedCodec<TElement>.Read!;
            for (var index = 0; index < array.Length; index++)
            {
                array[index] = read(r);
            }
            return array;
        }));

    private static (Delegate, Delegate) RecordCodec<TRecord>()
    {
        var shape = RecordShape.For(typeof(TRecord))!;
        return (new Action<WireWriter, TRecord>(shape.Write), new Func<WireReader, TRecord>(shape.Read<TRecord>));
    }

    private static (Delegate, Delegate) ListCodec<TElement>() => (
        new Action<WireWriter, List<TElement>?>((w, list) =>
        {
            if (Present(w, list))
            {
                w.WriteCount(list.Count);
                var write = TypedCodec<TElement>.Write!;
                foreach (var element in list)
                {
                    write(w, element);
                }
            }
        }),
        new Func<WireReader, List<TElement>?>(r =>
        {
            if (!r.ReadBool())
            {
                return null;
            }
            var count = r.ReadCount();
            var list = new List<TElement>(count);
            var read = TypedCodec<TElement>.Read!;
            for (var index = 0; index < count; index++)
            {
                list.Add(read(r));
            }
            return list;
        }));

    private static (Delegate, Delegate) DictionaryCodec<TKey, TValue>()
        where TKey : notnull => (
        new Action<WireWriter, Dictionary<TKey, TValue>?>((w, dictionary) =>
        {
            if (Present(w, dictionary))
            {
                w.WriteCount(dictionary.Count);
                foreach (var (key, value) in dictionary)
                {
                    Put(w, key);
                    Put(w, value);
                }
            }
        }),
        new Func<WireReader, Dictionary<TKey, TValue>?>(r =>
        {
            if (!r.ReadBool())
            {
                return null;
            }
            var count = r.ReadCount();
            var dictionary = new Dictionary<TKey, TValue>(count);
            for (var index = 0; index < count; index++)
            {
                dictionary.Add(Get<TKey>(r), Get<TValue>(r));
            }
            return dictionary;
        }));

    /// <summary>Writes whether an array or collection is there; one of a derived type (an array is covariant) would lose what it adds, so it throws <see cref="TypedFormMismatchException"/>.</summary>
    private static bool Present<TCollection>(WireWriter writer, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] TCollection? collection)
        where TCollection : class
    {
        writer.WriteBool(collection is not null);
        if (collection is not null && collection.GetType() != typeof(TCollection))
        {
            throw new TypedFormMismatchException(typeof(TCollection), collection.GetType());
        }
        return collection is not null;
    }

    private static void Put<TItem>(WireWriter writer, TItem item) => TypedCodec<TItem>.Write!(writer, item);

    private static TItem Get<TItem>(WireReader reader) => TypedCodec<TItem>.Read!(reader);

    private static (Delegate, Delegate) ValueTupleCodec1<T1>() => (
        new Action<WireWriter, ValueTuple<T1>>((w, t) => Put(w, t.Item1)),
        new Func<WireReader, ValueTuple<T1>>(r => new(Get<T1>(r))));

    private static (Delegate, Delegate) ValueTupleCodec2<T1, T2>() => (
        new Action<WireWriter, (T1, T2)>((w, t) => { Put(w, t.Item1); Put(w, t.Item2); }),
        new Func<WireReader, (T1, T2)>(r => (Get<T1>(r), Get<T2>(r))));

    private static (Delegate, Delegate) ValueTupleCodec3<T1, T2, T3>() => (
        new Action<WireWriter, (T1, T2, T3)>((w, t) => { Put(w, t.Item1); Put(w, t.Item2); Put(w, t.Item3); }),
        new Func<WireReader, (T1, T2, T3)>(r => (Get<T1>(r), Get<T2>(r), Get<T3>(r))));

    private static (Delegate, Delegate) ValueTupleCodec4<T1, T2, T3, T4>() => (
        new Action<WireWriter, (T1, T2, T3, T4)>((w, t) => { Put(w, t.Item1); Put(w, t.Item2); Put(w, t.Item3); Put(w, t.Item4); }),
        new Func<WireReader, (T1, T2, T3, T4)>(r => (Get<T1>(r), Get<T2>(r), Get<T3>(r), Get<T4>(r))));

    private static (Delegate, Delegate) ValueTupleCodec5<T1, T2, T3, T4, T5>() => (
        new Action<WireWriter, (T1, T2, T3, T4, T5)>((w, t) => { Put(w, t.Item1); Put(w, t.Item2); Put(w, t.Item3); Put(w, t.Item4); Put(w, t.Item5); }),
        new Func<WireReader, (T1, T2, T3, T4, T5)>(r => (Get<T1>(r), Get<T2>(r), Get<T3>(r), Get<T4>(r), Get<T5>(r))));

    private static (Delegate, Delegate) ValueTupleCodec6<T1, T2, T3, T4, T5, T6>() => (
        new Action<WireWriter, (T1, T2, T3, T4, T5, T6)>((w, t) => { Put(w, t.Item1); Put(w, t.Item2); Put(w, t.Item3); Put(w, t.Item4); Put(w, t.Item5); Put(w, t.Item6); }),
        new Func<WireReader, (T1, T2, T3, T4, T5, T6)>(r => (Get<T1>(r), Get<T2>(r), Get<T3>(r), Get<T4>(r), Get<T5>(r), Get<T6>(r))));

    private static (Delegate, Delegate) ValueTupleCodec7<T1, T2, T3, T4, T5, T6, T7>() => (
        new Action<WireWriter, (T1, T2, T3, T4, T5, T6, T7)>((w, t) => { Put(w, t.Item1); Put(w, t.Item2); Put(w, t.Item3); Put(w, t.Item4); Put(w, t.Item5); Put(w, t.Item6); Put(w, t.Item7); }),
        new Func<WireReader, (T1, T2, T3, T4, T5, T6, T7)>(r => (Get<T1>(r), Get<T2>(r), Get<T3>(r), Get<T4>(r), Get<T5>(r), Get<T6>(r), Get<T7>(r))));

    /// <summary>A <see cref="Tuple"/> (a class): a presence flag, then its items as the value tuple of the same items.</summary>
    private static (Delegate, Delegate) Boxed<TTuple, TValue>(Func<TTuple, TValue> open, Func<TValue, TTuple> close)
        where TTuple : class => (
        new Action<WireWriter, TTuple?>((w, t) =>
        {
            w.WriteBool(t is not null);
            if (t is not null)
            {
                TypedCodec<TValue>.Write!(w, open(t));
            }
        }),
        new Func<WireReader, TTuple?>(r => r.ReadBool() ? close(TypedCodec<TValue>.Read!(r)) : null));

    private static (Delegate, Delegate) TupleCodec1<T1>() =>
        Boxed<Tuple<T1>, ValueTuple<T1>>(t => new(t.Item1), v => new(v.Item1));

    private static (Delegate, Delegate) TupleCodec2<T1, T2>() =>
        Boxed<Tuple<T1, T2>, (T1, T2)>(t => t.ToValueTuple(), v => v.ToTuple());

    private static (Delegate, Delegate) TupleCodec3<T1, T2, T3>() =>
        Boxed<Tuple<T1, T2, T3>, (T1, T2, T3)>(t => t.ToValueTuple(), v => v.ToTuple());

    private static (Delegate, Delegate) TupleCodec4<T1, T2, T3, T4>() =>
        Boxed<Tuple<T1, T2, T3, T4>, (T1, T2, T3, T4)>(t => t.ToValueTuple(), v => v.ToTuple());

    private static (Delegate, Delegate) TupleCodec5<T1, T2, T3, T4, T5>() =>
        Boxed<Tuple<T1, T2, T3, T4, T5>, (T1, T2, T3, T4, T5)>(t => t.ToValueTuple(), v => v.ToTuple());

    private static (Delegate, Delegate) TupleCodec6<T1, T2, T3, T4, T5, T6>() =>
        Boxed<Tuple<T1, T2, T3, T4, T5, T6>, (T1, T2, T3, T4, T5, T6)>(t => t.ToValueTuple(), v => v.ToTuple());

    private static (Delegate, Delegate) TupleCodec7<T1, T2, T3, T4, T5, T6, T7>() =>
        Boxed<Tuple<T1, T2, T3, T4, T5, T6, T7>, (T1, T2, T3, T4, T5, T6, T7)>(t => t.ToValueTuple(), v => v.ToTuple());
}
