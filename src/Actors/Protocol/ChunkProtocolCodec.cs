using System.Collections.Immutable;
using ActorParallel.Serialization;

namespace ActorParallel.Protocol;

/// <summary>The chunk protocol on the wire: a pool's chunks and their results, failures, abandoned maps, reclaimed chunks, the initializer, the warm-up, CPU binding and the memory budget.</summary>
internal sealed class ChunkProtocolCodec : ProtocolCodec
{
    private const byte RunChunksTag = 5, ChunkResultsTag = 6, ChunkFailedTag = 7, AbandonMapTag = 8, RunInitializerTag = 9,
        InitializerFailedTag = 10, PrepareToServeTag = 30, PinComputeThreadTag = 44, ItemOverdueTag = 48, AbandonChunkTag = 49,
        SetMemoryBudgetTag = 60, MemoryOverBudgetTag = 61, ReclaimChunksTag = 62, ChunksReclaimedTag = 63;

    public override IReadOnlyCollection<byte> Tags { get; } =
    [
        RunChunksTag, ChunkResultsTag, ChunkFailedTag, AbandonMapTag, RunInitializerTag,
        InitializerFailedTag, PrepareToServeTag, PinComputeThreadTag, ItemOverdueTag, AbandonChunkTag, SetMemoryBudgetTag, MemoryOverBudgetTag,
        ReclaimChunksTag, ChunksReclaimedTag,
    ];

    public override bool TryWrite(WireWriter writer, object message, WireSerializer wire)
    {
        switch (message)
        {
            case RunChunks run:
                writer.WriteByte(RunChunksTag);
                writer.WriteInt64(run.MapId);
                writer.WriteBytes(run.Function ?? []);
                writer.WriteInt64(run.ItemTimeout?.Ticks ?? 0);
                writer.WriteInt64(run.MaxResultBytes ?? 0);
                WriteChunks(writer, run.Chunks);
                WriteTraces(writer, run.Traces);
                return true;
            case AbandonChunk abandonChunk:
                writer.WriteByte(AbandonChunkTag);
                writer.WriteInt64(abandonChunk.MapId);
                writer.WriteInt32(abandonChunk.Seq);
                return true;
            case ItemOverdue overdue:
                writer.WriteByte(ItemOverdueTag);
                writer.WriteInt64(overdue.MapId);
                writer.WriteInt32(overdue.Seq);
                writer.WriteInt32(overdue.ItemIndex);
                writer.WriteInt64(overdue.ElapsedMicros);
                return true;
            case ChunkResults results:
                writer.WriteByte(ChunkResultsTag);
                writer.WriteInt64(results.MapId);
                writer.WriteInt64(results.ComputeMicros);
                WriteChunks(writer, results.Results);
                WriteSpans(writer, results.Spans);
                return true;
            case ChunkFailed failed:
                writer.WriteByte(ChunkFailedTag);
                writer.WriteInt64(failed.MapId);
                writer.WriteInt32(failed.Seq);
                writer.WriteInt32(failed.ItemIndex);
                failed.Error.WriteTo(writer);
                WriteSpans(writer, failed.Span is { } span ? [span] : default);
                return true;
            case AbandonMap abandon:
                writer.WriteByte(AbandonMapTag);
                writer.WriteInt64(abandon.MapId);
                return true;
            case RunInitializer initializer:
                writer.WriteByte(RunInitializerTag);
                writer.WriteBytes(initializer.Call);
                return true;
            case InitializerFailed initializerFailed:
                writer.WriteByte(InitializerFailedTag);
                initializerFailed.Error.WriteTo(writer);
                return true;
            case PrepareToServe:
                writer.WriteByte(PrepareToServeTag);
                return true;
            case PinComputeThread pin:
                writer.WriteByte(PinComputeThreadTag);
                writer.WriteInt32(pin.Cpu);
                return true;
            case SetMemoryBudget budget:
                writer.WriteByte(SetMemoryBudgetTag);
                writer.WriteInt64(budget.Bytes);
                return true;
            case ReclaimChunks:
                writer.WriteByte(ReclaimChunksTag);
                return true;
            case ChunksReclaimed reclaimed:
                writer.WriteByte(ChunksReclaimedTag);
                writer.WriteCount(reclaimed.Seqs.Length);
                for (var index = 0; index < reclaimed.Seqs.Length; index++)
                {
                    writer.WriteInt64(reclaimed.MapIds[index]);
                    writer.WriteInt32(reclaimed.Seqs[index]);
                }
                return true;
            case MemoryOverBudget over:
                writer.WriteByte(MemoryOverBudgetTag);
                writer.WriteInt64(over.ResidentBytes);
                writer.WriteInt64(over.BudgetBytes);
                return true;
            default:
                return false;
        }
    }

    public override object Read(byte tag, WireReader reader, WireSerializer wire) => tag switch
    {
        RunChunksTag => ReadRunChunks(reader),
        ChunkResultsTag => new ChunkResults(reader.ReadInt64(), ComputeMicros: reader.ReadInt64(), Results: ReadChunks(reader), Spans: ReadSpans(reader)),
        ChunkFailedTag => new ChunkFailed(reader.ReadInt64(), reader.ReadInt32(), reader.ReadInt32(), RemoteError.ReadFrom(reader), ReadSpans(reader) is [var span, ..] ? span : null),
        AbandonMapTag => new AbandonMap(reader.ReadInt64()),
        RunInitializerTag => new RunInitializer(reader.ReadBytes()),
        InitializerFailedTag => new InitializerFailed(RemoteError.ReadFrom(reader)),
        PrepareToServeTag => PrepareToServe.Instance,
        PinComputeThreadTag => new PinComputeThread(reader.ReadInt32()),
        AbandonChunkTag => new AbandonChunk(reader.ReadInt64(), reader.ReadInt32()),
        ItemOverdueTag => new ItemOverdue(reader.ReadInt64(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt64()),
        SetMemoryBudgetTag => new SetMemoryBudget(reader.ReadInt64()),
        MemoryOverBudgetTag => new MemoryOverBudget(reader.ReadInt64(), reader.ReadInt64()),
        ReclaimChunksTag => ReclaimChunks.Instance,
        ChunksReclaimedTag => ReadReclaimed(reader),
        _ => throw Unknown(tag),
    };

    private static ChunksReclaimed ReadReclaimed(WireReader reader)
    {
        // No capacity from the count: a malformed one then fails reading past the end, not allocating.
        var count = reader.ReadCount();
        var mapIds = ImmutableArray.CreateBuilder<long>();
        var seqs = ImmutableArray.CreateBuilder<int>();
        for (var index = 0; index < count; index++)
        {
            mapIds.Add(reader.ReadInt64());
            seqs.Add(reader.ReadInt32());
        }
        return new ChunksReclaimed(mapIds.ToImmutable(), seqs.ToImmutable());
    }

    private static RunChunks ReadRunChunks(WireReader reader)
    {
        var mapId = reader.ReadInt64();
        var function = reader.ReadBytes();
        var timeoutTicks = reader.ReadInt64();
        var maxResultBytes = reader.ReadInt64();
        return new RunChunks(mapId, function.Length == 0 ? null : function, ReadChunks(reader), timeoutTicks == 0 ? null : TimeSpan.FromTicks(timeoutTicks),
            maxResultBytes == 0 ? null : maxResultBytes, ReadTraces(reader));
    }

    // Trace contexts and spans are optional trailing fields: written only when there are some, so an
    // untraced message is byte for byte what it was before they existed.
    private static void WriteTraces(WireWriter writer, ImmutableArray<ChunkTrace> traces)
    {
        if (traces.IsDefaultOrEmpty)
        {
            return;
        }
        writer.WriteCount(traces.Length);
        foreach (var trace in traces)
        {
            writer.WriteInt32(trace.Seq);
            writer.WriteString(trace.TraceParent);
        }
    }

    private static ImmutableArray<ChunkTrace> ReadTraces(WireReader reader)
    {
        if (reader.AtEnd)
        {
            return [];
        }
        // No capacity from the count: a malformed one then fails reading past the end, not allocating.
        var count = reader.ReadCount();
        var traces = ImmutableArray.CreateBuilder<ChunkTrace>();
        for (var index = 0; index < count; index++)
        {
            traces.Add(new ChunkTrace(reader.ReadInt32(), reader.ReadRequiredString()));
        }
        return traces.ToImmutable();
    }

    private static void WriteSpans(WireWriter writer, ImmutableArray<ChunkSpan> spans)
    {
        if (spans.IsDefaultOrEmpty)
        {
            return;
        }
        writer.WriteCount(spans.Length);
        foreach (var span in spans)
        {
            writer.WriteInt32(span.Seq);
            writer.WriteInt64(span.SpanId);
            writer.WriteInt64(span.StartTicks);
            writer.WriteInt64(span.DurationTicks);
            writer.WriteBool(span.Failed);
        }
    }

    private static ImmutableArray<ChunkSpan> ReadSpans(WireReader reader)
    {
        if (reader.AtEnd)
        {
            return [];
        }
        // No capacity from the count: a malformed one then fails reading past the end, not allocating.
        var count = reader.ReadCount();
        var spans = ImmutableArray.CreateBuilder<ChunkSpan>();
        for (var index = 0; index < count; index++)
        {
            spans.Add(new ChunkSpan(reader.ReadInt32(), reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64(), reader.ReadBool()));
        }
        return spans.ToImmutable();
    }

    private static void WriteChunks(WireWriter writer, ImmutableArray<ChunkPayload> chunks)
    {
        writer.WriteCount(chunks.Length);
        foreach (var chunk in chunks)
        {
            writer.WriteInt32(chunk.Seq);
            writer.WriteInt32(chunk.ItemOffset);
            writer.WriteInt32(chunk.ItemCount);
            writer.WriteBytes(chunk.Items.Bytes);
            WriteBlocks(writer, chunk.Items.Blocks);
        }
    }

    private static ImmutableArray<ChunkPayload> ReadChunks(WireReader reader)
    {
        var count = reader.ReadCount();
        var chunks = ImmutableArray.CreateBuilder<ChunkPayload>(count);
        for (var index = 0; index < count; index++)
        {
            var (seq, offset, itemCount, bytes) = (reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadBytes());
            chunks.Add(new ChunkPayload(seq, offset, itemCount, new Encoded(bytes, ReadBlocks(reader))));
        }
        return chunks.MoveToImmutable();
    }
}
