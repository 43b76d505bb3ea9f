namespace ActorParallel.Protocol;

/// <summary>
/// One piece of a message too large for one remoting frame, from the sender's <see cref="WireSegments"/> actor
/// to the receiver's. The first piece names the message's recipient and sender; the receiver acknowledges
/// each piece (<see cref="SegmentAck"/>) and, once the last one is in, delivers the whole message to the
/// recipient before acknowledging the last.
/// </summary>
/// <param name="TransferId">The transfer, unique per sending actor system.</param>
/// <param name="Index">The piece's place, from 0.</param>
/// <param name="TotalBytes">The whole serialized message's size.</param>
/// <param name="Recipient">The recipient's path (first piece only).</param>
/// <param name="Sender">The original sender's path, if any (first piece only).</param>
/// <param name="Bytes">The piece: bytes <c>Index * SegmentBytes</c> onwards.</param>
internal sealed record Segment(long TransferId, int Index, long TotalBytes, string? Recipient, string? Sender, ReadOnlyMemory<byte> Bytes) : IWireMessage;

/// <summary>Receiver → sender: piece <paramref name="Index"/> of transfer <paramref name="TransferId"/> is in (the last: and delivered).</summary>
internal sealed record SegmentAck(long TransferId, int Index) : IWireMessage;

/// <summary>Sender → receiver's segments actor: where can large messages reach you directly (<see cref="BulkLinks"/>)?</summary>
internal sealed record BulkQuery : IWireMessage
{
    public static readonly BulkQuery Instance = new();
}

/// <summary>
/// Receiver → sender: the bulk listener's <paramref name="Host"/> and <paramref name="Port"/> and the token a
/// connection presents first; <see cref="None"/> when the receiver has none (large messages then go in segments).
/// </summary>
internal sealed record BulkEndpoint(string? Host, int Port, string Token) : IWireMessage
{
    public static readonly BulkEndpoint None = new(null, 0, string.Empty);
}
