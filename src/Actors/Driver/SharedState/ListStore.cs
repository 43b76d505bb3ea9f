using System.Collections.Immutable;
using ActorParallel.Protocol;
using Akka.Actor;
using Akka.DistributedData;
using UniqueAddress = Akka.Cluster.UniqueAddress;

namespace ActorParallel.Driver;

/// <summary>
/// The host's lists. Each is stored in the replicator as <c>LWWDictionary</c> segments of
/// <see cref="SharedKeys.SegmentSize"/> elements keyed by position (so one key's state fits one
/// message); as the only writer the host also keeps the elements in memory, in order, serves reads
/// from there and applies edits (set, pop, remove, clear) there first, then rewrites the positions
/// they moved.
/// </summary>
internal sealed class ListStore(IActorRef replicator, ConfirmedWrites writes, UniqueAddress self, int maxPayloadBytes)
{
    private readonly Dictionary<string, List<byte[]>> _lists = [];

    /// <summary>Appends <paramref name="values"/> at the end of list <paramref name="name"/>.</summary>
    public void Append(string name, ReadOnlySpan<byte[]> values)
    {
        var items = Of(name);
        var before = items.Count;
        items.AddRange(values);
        Store(name, items, before, items.Count);
    }

    public ListPage Read(ReadList read)
    {
        var items = _lists.GetValueOrDefault(read.List) ?? [];
        var from = Math.Clamp(read.From, 0, items.Count);
        var values = ImmutableArray.CreateBuilder<byte[]>();
        var bytes = 0;
        for (var index = from; index < items.Count; index++)
        {
            var value = items[index];
            if (values.Count > 0 && bytes + value.Length > maxPayloadBytes)
            {
                break;
            }
            values.Add(value);
            bytes += value.Length;
        }
        return new ListPage(read.List, from, items.Count, values.ToImmutable());
    }

    /// <summary>Applies one edit at once (other writers' appends and edits come before or after it, never between).</summary>
    public ListEdited Edit(EditList edit)
    {
        var items = Of(edit.List);
        var count = items.Count;
        if (edit.Kind == ListEditKind.Clear)
        {
            items.Clear();
            Store(edit.List, items, 0, count);
            return new ListEdited(edit.List, ListEditOutcome.Done, 0, null);
        }
        if (edit.Kind == ListEditKind.Remove)
        {
            var found = items.FindIndex(item => item.AsSpan().SequenceEqual(edit.Value));
            if (found < 0)
            {
                return new ListEdited(edit.List, ListEditOutcome.NotFound, count, null);
            }
            items.RemoveAt(found);
            Store(edit.List, items, found, count);
            return new ListEdited(edit.List, ListEditOutcome.Done, items.Count, null);
        }
        // Python's positions: a negative index counts from the end.
        var index = edit.Index < 0 ? edit.Index + count : edit.Index;
        if (index < 0 || index >= count)
        {
            return new ListEdited(edit.List, ListEditOutcome.IndexOutOfRange, count, null);
        }
        var old = items[index];
        switch (edit.Kind)
        {
            case ListEditKind.Set:
                items[index] = edit.Value ?? throw new InvalidOperationException("A set carries its value.");
                Store(edit.List, items, index, index + 1);
                break;
            case ListEditKind.Pop:
                items.RemoveAt(index);
                Store(edit.List, items, index, count);
                break;
        }
        return new ListEdited(edit.List, ListEditOutcome.Done, items.Count, old);
    }

    public void Delete(string name)
    {
        if (_lists.Remove(name, out var items))
        {
            for (var segment = 0; segment * SharedKeys.SegmentSize < items.Count; segment++)
            {
                replicator.Tell(Dsl.Delete(SharedKeys.ListSegment(name, segment), WriteLocal.Instance));
            }
        }
    }

    /// <summary>Forgets every list (their data is deleted already).</summary>
    public void Clear() => _lists.Clear();

    private List<byte[]> Of(string name) => _lists.TryGetValue(name, out var items) ? items : _lists[name] = [];

    /// <summary>Writes positions [<paramref name="from"/>, <paramref name="to"/>) to the replicator: those past the end are removed.</summary>
    private void Store(string name, List<byte[]> items, int from, int to)
    {
        for (var segment = from / SharedKeys.SegmentSize; segment * SharedKeys.SegmentSize < to; segment++)
        {
            var first = Math.Max(from, segment * SharedKeys.SegmentSize);
            var end = Math.Min(to, (segment + 1) * SharedKeys.SegmentSize);
            var values = new byte[]?[end - first];
            for (var index = first; index < end; index++)
            {
                values[index - first] = index < items.Count ? items[index] : null;
            }
            writes.Update(SharedKeys.ListSegment(name, segment), LWWDictionary<int, byte[]>.Empty, dictionary =>
            {
                for (var i = 0; i < values.Length; i++)
                {
                    dictionary = values[i] is { } value ? dictionary.SetItem(self, first + i, value) : dictionary.Remove(self, first + i);
                }
                return dictionary;
            });
        }
    }
}
