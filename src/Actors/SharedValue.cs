using System.Numerics;
using ActorParallel.Protocol;
using ActorParallel.Serialization;
using ActorParallel.Workers;

namespace ActorParallel;

/// <summary>
/// A number shared by the driver and its worker processes, as Python's <c>Value('i', 0)</c> or
/// <c>Value('d', 0.0)</c>. <see cref="AddAsync"/> is atomic across processes without a lock: the driver
/// applies each addition once - integers to a replicated counter (Akka.DistributedData PNCounter),
/// doubles to a running sum it stores as a replicated register - so none is lost or doubled.
/// </summary>
/// <typeparam name="T"><see cref="int"/>, <see cref="long"/> or <see cref="double"/>.</typeparam>
public sealed class SharedValue<T> : ISharedObject
    where T : struct, INumber<T>
{
    /// <summary>Whether <typeparamref name="T"/> is carried as a double rather than a 64-bit integer.</summary>
    private static readonly bool Floating = typeof(T) == typeof(double);

    private readonly SharedStateNode _node;
    private readonly string _host;
    private readonly T _initial;
    private ValueWriter? _writer;

    internal SharedValue(SharedStateNode node, string host, string name, T initial)
    {
        _node = node;
        _host = host;
        Name = name;
        _initial = initial;
    }

    /// <summary>The value's name, unique within its manager.</summary>
    public string Name { get; }

    private ValueWriter Writer => _writer ??= _node.ValueWriter(_host, Name);

    /// <summary>
    /// Adds without waiting. The addition is applied once <see cref="FlushAsync"/> completes, and before
    /// the process that made it is reported finished (as with <see cref="SharedList{T}.Append"/>), and after
    /// this process's earlier writes to other objects (it waits for any not yet acknowledged).
    /// </summary>
    /// <param name="delta">What to add; negative subtracts.</param>
    public void Add(T delta) => Write(delta, null);

    /// <summary>Adds <paramref name="delta"/> and waits until the driver has applied it: it then survives the death of this process.</summary>
    /// <param name="delta">What to add; negative subtracts.</param>
    /// <param name="cancellationToken">Cancels the wait, not the addition.</param>
    /// <returns>A task that completes when the addition is applied.</returns>
    public Task AddAsync(T delta, CancellationToken cancellationToken = default)
    {
        var ack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Write(delta, ack);
        return ack.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Waits until every addition this process made to this value is applied by the driver.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the additions are applied.</returns>
    public Task FlushAsync(CancellationToken cancellationToken = default) =>
        Writer.FlushAsync(cancellationToken);

    /// <summary>Reads the value, after this process's own additions are applied: every acknowledged addition is in it.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The value.</returns>
    public async Task<T> GetAsync(CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        var read = await _node.RequestAsync<ValueRead>(_host, new ReadValue(Name), cancellationToken).ConfigureAwait(false);
        return _initial + (Floating ? T.CreateChecked(read.FloatSum) : T.CreateChecked(read.Sum));
    }

    /// <summary>
    /// Sets the value (last writer wins) and waits until the driver has applied it. Additions this
    /// process made before are applied first. For read-modify-write, hold a <see cref="SharedLock"/>.
    /// </summary>
    /// <param name="value">The new value.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the value is set.</returns>
    public async Task SetAsync(T value, CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        var difference = value - _initial;
        var set = Floating
            ? new SetValue(Name, _node.WriterId, _node.NextOperation(), 0, double.CreateChecked(difference))
            : new SetValue(Name, _node.WriterId, _node.NextOperation(), long.CreateChecked(difference), 0);
        await _node.RequestAsync<Added>(_host, set, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The element types a shared value supports; others fail when the value is created, naming the type.</summary>
    internal static void CheckSupported()
    {
        if (typeof(T) != typeof(int) && typeof(T) != typeof(long) && typeof(T) != typeof(double))
        {
            throw new NotSupportedException($"A shared value holds int, long or double, not {Serialization.TypeNames.Readable(typeof(T))}.");
        }
    }

    private void Write(T delta, TaskCompletionSource? ack)
    {
        var writer = Writer;
        if (Floating)
        {
            writer.Add(0, double.CreateChecked(delta), ack);
        }
        else
        {
            writer.Add(long.CreateChecked(delta), 0, ack);
        }
    }

    /// <summary>Deletes the value's data.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the data is deleted.</returns>
    public Task DeleteAsync(CancellationToken cancellationToken = default) =>
        _node.RequestAsync<SharedDeleted>(_host, new DeleteShared(Name), cancellationToken);

    /// <inheritdoc />
    public override string ToString() => $"<SharedValue '{Name}'>";

    void ISharedObject.WriteHandle(WireWriter writer)
    {
        SharedObjects.WriteHeader(writer, SharedObjects.ValueKind, _host, Name, typeof(T));
        if (Floating)
        {
            writer.WriteDouble(double.CreateChecked(_initial));
        }
        else
        {
            writer.WriteInt64(long.CreateChecked(_initial));
        }
    }

    internal static object ReadHandle(WireReader reader, string host, string name) =>
        new SharedValue<T>(SharedStateNode.For(host), host, name, Floating ? T.CreateChecked(reader.ReadDouble()) : T.CreateChecked(reader.ReadInt64()));
}
