using System.Collections.Immutable;
using ActorParallel.Protocol;
using ActorParallel.Serialization;
using ActorParallel.Workers;
using Akka.Actor;
using Akka.Serialization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace ActorParallel.Benchmarks;

/// <summary>
/// <c>--micro</c>: BenchmarkDotNet over the in-process hot paths of a map, so that a regression in
/// one of them shows without processes or noise from the network: the driver encoding chunks and
/// serializing a batch (dispatch), a worker running a chunk, and the driver decoding results into
/// the output array (assembly). Runs in this process (no generated projects).
/// </summary>
[MemoryDiagnoser]
public class HotPaths
{
    private const int ItemsPerChunk = 1_000, ChunksPerBatch = 64;

    private ActorSystem _system = null!;
    private Serializer _serializer = null!;
    private int[][] _chunkItems = null!;
    private RunChunks _batch = null!;
    private byte[] _batchBytes = null!;
    private ChunkResults _results = null!;
    private byte[] _resultBytes = null!;
    private ChunkRunner<int, long> _runner = null!;
    private List<ChunkPayload> _runnerOutput = null!;
    private byte[] _function = null!;

    public static int Run(string[] args)
    {
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        BenchmarkSwitcher.FromTypes([typeof(HotPaths)]).Run(args.Length == 0 ? ["--filter", "*"] : args, config);
        return 0;
    }

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("hot-paths", ParallelRuntime.AkkaConfiguration);
        _chunkItems = [.. Enumerable.Range(0, ChunksPerBatch).Select(c => Enumerable.Range(c * ItemsPerChunk, ItemsPerChunk).ToArray())];
        _batch = new RunChunks(1, null, [.. _chunkItems.Select((items, seq) => new ChunkPayload(seq, 0, items.Length, ChunkCodec.EncodeItems(items, "items")))]);
        _serializer = _system.Serialization.FindSerializerFor(_batch);
        _batchBytes = _serializer.ToBinary(_batch);
        _results = new ChunkResults(1, [.. _chunkItems.Select((items, seq) => new ChunkPayload(seq, 0, items.Length, ChunkCodec.EncodeItems(Array.ConvertAll(items, x => (long)x * x), "results")))], 0);
        _resultBytes = _serializer.ToBinary(_results);
        _runner = new ChunkRunner<int, long>(Workloads.SquareLong);
        _runnerOutput = new List<ChunkPayload>(1);
        var offset = 10;
        _function = ValueCodec.Encode(new Func<int, int>(x => x + offset), "function");
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    /// <summary>Driver: 64 chunks of 1,000 ints encoded and serialized as one batch.</summary>
    [Benchmark]
    public int DispatchBatch()
    {
        var chunks = ImmutableArray.CreateBuilder<ChunkPayload>(ChunksPerBatch);
        for (var seq = 0; seq < _chunkItems.Length; seq++)
        {
            chunks.Add(new ChunkPayload(seq, 0, ItemsPerChunk, ChunkCodec.EncodeItems(_chunkItems[seq], "items")));
        }
        return _serializer.ToBinary(new RunChunks(1, null, chunks.MoveToImmutable())).Length;
    }

    /// <summary>Worker: a batch deserialized, each chunk run (decode, call, encode), the results serialized.</summary>
    [Benchmark]
    public int WorkerRunsBatch()
    {
        var batch = (RunChunks)_serializer.FromBinary(_batchBytes, typeof(RunChunks));
        var results = ImmutableArray.CreateBuilder<ChunkPayload>(batch.Chunks.Length);
        foreach (var chunk in batch.Chunks)
        {
            _runnerOutput.Clear();
            _runner.Run(chunk, int.MaxValue, _runnerOutput);
            results.AddRange(_runnerOutput);
        }
        return _serializer.ToBinary(new ChunkResults(1, results.MoveToImmutable(), 0)).Length;
    }

    /// <summary>Driver: a results message deserialized and its 64,000 results copied into place.</summary>
    [Benchmark]
    public long AssembleResults()
    {
        var message = (ChunkResults)_serializer.FromBinary(_resultBytes, typeof(ChunkResults));
        var output = new long[ChunksPerBatch * ItemsPerChunk];
        foreach (var segment in message.Results)
        {
            ChunkCodec.DecodeItems<long>(segment.Items).CopyTo(output, (segment.Seq * ItemsPerChunk) + segment.ItemOffset);
        }
        return output[^1];
    }

    /// <summary>A closure encoded for shipping and decoded, as every map's function is.</summary>
    [Benchmark]
    public int FunctionRoundTrip() => ((Func<int, int>)ValueCodec.Decode(_function)!)(1) + ValueCodec.Encode(new Func<int, int>(Workloads.Square), "function").Length;
}
