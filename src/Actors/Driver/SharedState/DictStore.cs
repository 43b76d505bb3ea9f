using System.Collections.Immutable;
using ActorParallel.Protocol;
using Akka.Actor;
using Akka.DistributedData;
using UniqueAddress = Akka.Cluster.UniqueAddress;

namespace ActorParallel.Driver;

/// <summary>
/// The host's dicts. Each is stored in the replicator as 16 <c>LWWDictionary</c> shards (so one key's
/// state stays small); as the only writer the host also keeps the entries in memory, in insertion
/// order, and serves reads from there.
/// </summary>
internal sealed class DictStore(IActorRef replicator, ConfirmedWrites writes, UniqueAddress self, int maxPayloadBytes)
{
    private const int Shards = 16;
    private readonly Dictionary<string, Dictionary<string, (byte[] Key, byte[] Value)>> _dicts = [];

    public static LWWDictionaryKey<string, byte[]> ShardKey(string name, int shard) => new($"ap:dict:{name}:{shard}");

    public DictWritten Write(WriteDict write)
    {
        var entries = _dicts.TryGetValue(write.Name, out var existing) ? existing : _dicts[write.Name] = [];
        var id = Convert.ToBase64String(write.Key);
        var existed = entries.ContainsKey(id);
        var key = ShardKey(write.Name, Shard(write.Key));
        if (write.Value is { } value)
        {
            entries[id] = (write.Key, value);
            writes.Update(key, LWWDictionary<string, byte[]>.Empty, d => d.SetItem(self, id, value));
        }
        else if (entries.Remove(id))
        {
            writes.Update(key, LWWDictionary<string, byte[]>.Empty, d => d.Remove(self, id));
        }
        return new DictWritten(write.Name, existed);
    }

    public DictPage Read(ReadDict read)
    {
        var entries = _dicts.GetValueOrDefault(read.Name) ?? [];
        if (read.Key is { } wanted)
        {
            return entries.TryGetValue(Convert.ToBase64String(wanted), out var one)
                ? new DictPage(read.Name, entries.Count, [one.Key], [one.Value])
                : new DictPage(read.Name, entries.Count, [], []);
        }
        var keys = ImmutableArray.CreateBuilder<byte[]>();
        var values = ImmutableArray.CreateBuilder<byte[]>();
        var bytes = 0;
        foreach (var (key, value) in entries.Values.Skip(read.From))
        {
            if (keys.Count > 0 && bytes + key.Length + value.Length > maxPayloadBytes)
            {
                break;
            }
            keys.Add(key);
            values.Add(value);
            bytes += key.Length + value.Length;
        }
        return new DictPage(read.Name, entries.Count, keys.ToImmutable(), values.ToImmutable());
    }

    public void Delete(string name)
    {
        if (_dicts.Remove(name))
        {
            for (var shard = 0; shard < Shards; shard++)
            {
                replicator.Tell(Dsl.Delete(ShardKey(name, shard), WriteLocal.Instance));
            }
        }
    }

    /// <summary>Forgets every dict (their data is deleted already).</summary>
    public void Clear() => _dicts.Clear();

    private static int Shard(byte[] key)
    {
        var hash = 2166136261u;
        foreach (var b in key)
        {
            hash = (hash ^ b) * 16777619u;
        }
        return (int)(hash % Shards);
    }
}
