using ActorParallel.Serialization;

namespace ActorParallel.Protocol;

/// <summary>Worker → its process actor in the driver: the worker's ActorSystem is up at <paramref name="Address"/>.</summary>
internal sealed record WorkerHello(string Address, int Pid) : IWireMessage;

/// <summary>Driver → worker actor: run <paramref name="Call"/> (an encoded <see cref="ShippedCall"/>) once.</summary>
internal sealed record RunTarget(string ProcessName, Encoded Call) : IWireMessage;

/// <summary>Worker actor → driver: the target returned (<paramref name="Error"/> null) or threw.</summary>
internal sealed record TargetFinished(RemoteError? Error) : IWireMessage;

/// <summary>Driver → worker actor: the outcome is recorded; end the process with <paramref name="ExitCode"/>.</summary>
internal sealed record ExitWorker(int ExitCode) : IWireMessage;
