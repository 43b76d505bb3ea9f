namespace ActorParallel.Protocol;

/// <summary>
/// Marks a protocol message that crosses process boundaries. Akka binds every such message to
/// <see cref="WireSerializer"/>, so none of them ever falls back to JSON.
/// </summary>
internal interface IWireMessage;
