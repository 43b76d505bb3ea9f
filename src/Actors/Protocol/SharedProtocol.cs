using System.Collections.Immutable;
using Akka.DistributedData;

namespace ActorParallel.Protocol;

/// <summary>
/// Client → host: append <paramref name="Values"/>, which are <paramref name="Writer"/>'s appends
/// number <paramref name="FirstSeq"/> onward. The host skips any it already has, so a retry never doubles.
/// Replies <see cref="Appended"/>.
/// </summary>
internal sealed record AppendValues(string List, string Writer, long FirstSeq, ImmutableArray<byte[]> Values) : IWireMessage;

/// <summary>Host → client: every append of <paramref name="Writer"/> before <paramref name="NextSeq"/> is stored.</summary>
internal sealed record Appended(string List, string Writer, long NextSeq) : IWireMessage;

/// <summary>Client → host: add <paramref name="Delta"/> as <paramref name="Writer"/>'s operation <paramref name="Seq"/> (applied once). Replies <see cref="Added"/>.</summary>
internal sealed record AddToValue(string Name, string Writer, long Seq, long Delta, double FloatDelta) : IWireMessage;

/// <summary>Host → client: operation <paramref name="Seq"/> of <paramref name="Writer"/> is applied.</summary>
internal sealed record Added(string Name, string Writer, long Seq) : IWireMessage;

/// <summary>Client → host: elements <paramref name="From"/> onward, as many as fit one message. Replies <see cref="ListPage"/>.</summary>
internal sealed record ReadList(string List, int From) : IWireMessage;

/// <summary>Host → client: elements <paramref name="From"/>.. of a list of <paramref name="Total"/>.</summary>
internal sealed record ListPage(string List, int From, int Total, ImmutableArray<byte[]> Values) : IWireMessage;

/// <summary>What an <see cref="EditList"/> does, as Python's list methods.</summary>
internal enum ListEditKind : byte
{
    /// <summary>Reads element <c>Index</c> (<c>list[i]</c>).</summary>
    Get,

    /// <summary>Replaces element <c>Index</c> with <c>Value</c> (<c>list[i] = x</c>).</summary>
    Set,

    /// <summary>Removes element <c>Index</c> and answers it (<c>list.pop(i)</c>).</summary>
    Pop,

    /// <summary>Removes the first element whose encoding is <c>Value</c> (<c>list.remove(x)</c>).</summary>
    Remove,

    /// <summary>Removes every element (<c>list.clear()</c>).</summary>
    Clear,
}

/// <summary>How an <see cref="EditList"/> went.</summary>
internal enum ListEditOutcome : byte
{
    Done,

    /// <summary>The index is outside the list (Python's <c>IndexError</c>); nothing changed.</summary>
    IndexOutOfRange,

    /// <summary>No element equals the value (Python's <c>ValueError</c>); nothing changed.</summary>
    NotFound,
}

/// <summary>
/// Client → host: one edit of a list, applied at once between other writers' appends; a negative
/// <paramref name="Index"/> counts from the end, as in Python. Not deduplicated: sent once. Replies <see cref="ListEdited"/>.
/// </summary>
internal sealed record EditList(string List, ListEditKind Kind, int Index, byte[]? Value) : IWireMessage;

/// <summary>Host → client: how the edit went, the list's length after it, and the element read, popped or replaced.</summary>
internal sealed record ListEdited(string List, ListEditOutcome Outcome, int Count, byte[]? Value) : IWireMessage;

/// <summary>Client → host: the value's sum. Replies <see cref="ValueRead"/>.</summary>
internal sealed record ReadValue(string Name) : IWireMessage;

/// <summary>Host → client: the sum of every addition applied so far.</summary>
internal sealed record ValueRead(string Name, long Sum, double FloatSum) : IWireMessage;

/// <summary>Client → host: delete a shared object's data. Replies <see cref="SharedDeleted"/>.</summary>
internal sealed record DeleteShared(string Name) : IWireMessage;

/// <summary>Host → client: the object's data is deleted.</summary>
internal sealed record SharedDeleted(string Name) : IWireMessage;

/// <summary>
/// Worker → driver over a direct link: <paramref name="Request"/> for the host at
/// <paramref name="Host"/>. The driver's end of the link passes it on and returns the host's reply
/// as a <see cref="SharedReply"/> with the same <paramref name="Id"/>, or says it timed out after <paramref name="Timeout"/>.
/// </summary>
internal sealed record SharedCall(long Id, string Host, object Request, TimeSpan Timeout) : IWireMessage;

/// <summary>
/// Driver → worker over a direct link: the host's <paramref name="Reply"/> to call <paramref name="Id"/>,
/// or why there is none (<paramref name="TimedOut"/>: no reply in the call's time; it may or may not have been applied).
/// </summary>
internal sealed record SharedReply(long Id, object? Reply, string? Error, bool TimedOut) : IWireMessage;

/// <summary>
/// Host → client, in answer to any request once the host's manager is disposed: the host (named
/// <paramref name="Manager"/>) stays only to say so, and <paramref name="Object"/>, the object the
/// request was for, went with it. Clients turn it into an <see cref="ObjectDisposedException"/>.
/// </summary>
internal sealed record ManagerDisposed(string Manager, string Object) : IWireMessage;

/// <summary>Driver-side, from the manager to its host: delete everything and answer every request from now on with <see cref="ManagerDisposed"/>. Replies <see cref="HostDisposed"/>.</summary>
internal sealed record DisposeHost
{
    public static readonly DisposeHost Instance = new();
}

/// <summary>Driver-side, host → manager: the host holds nothing and answers only <see cref="ManagerDisposed"/>.</summary>
internal sealed record HostDisposed
{
    public static readonly HostDisposed Instance = new();
}

/// <summary>Driver-side, to a host: the process named <paramref name="Address"/> is gone; its locks are free and its waits are over.</summary>
internal sealed record ReleaseLocksOf(string Address);

/// <summary>The replicator keys behind shared objects.</summary>
internal static class SharedKeys
{
    public const int SegmentSize = 1_000;

    /// <summary>Elements [n × <see cref="SegmentSize"/>, (n+1) × <see cref="SegmentSize"/>) of a list: each key's state fits one message.</summary>
    public static LWWDictionaryKey<int, byte[]> ListSegment(string name, int segment) => new($"ap:list:{name}:{segment}");

    public static PNCounterKey Value(string name) => new($"ap:value:{name}");

    /// <summary>The floating-point part of a value: its sum as the bits of a double (the host is its only writer).</summary>
    public static LWWRegisterKey<long> FloatValue(string name) => new($"ap:fvalue:{name}");
}

/// <summary>Client → host: set the value to <paramref name="Value"/> as <paramref name="Writer"/>'s operation <paramref name="Seq"/> (applied once). Replies <see cref="Added"/>.</summary>
internal sealed record SetValue(string Name, string Writer, long Seq, long Value, double FloatValue) : IWireMessage;

/// <summary>
/// Client → host: acquire lock <paramref name="Name"/> for request <paramref name="RequestId"/> of
/// <paramref name="Writer"/>, whose process is at <paramref name="Address"/> (its locks are released
/// if that process goes away). Replies <see cref="LockGranted"/> when it is this request's turn.
/// </summary>
internal sealed record AcquireLock(string Name, string Writer, long RequestId, string Address) : IWireMessage;

/// <summary>Host → client: the lock is held by this request.</summary>
internal sealed record LockGranted(string Name, long RequestId) : IWireMessage;

/// <summary>Client → host: release the lock held by this request. Replies <see cref="LockReleased"/>.</summary>
internal sealed record ReleaseLock(string Name, string Writer, long RequestId) : IWireMessage;

/// <summary>Host → client: the lock is released (or was not held by that request).</summary>
internal sealed record LockReleased(string Name, long RequestId) : IWireMessage;

/// <summary>Client → host: set (or, when <paramref name="Value"/> is null, remove) one entry of a dict. Replies <see cref="DictWritten"/>.</summary>
internal sealed record WriteDict(string Name, byte[] Key, byte[]? Value) : IWireMessage;

/// <summary>Host → client: the entry is written; <paramref name="Existed"/> says whether the key was there before.</summary>
internal sealed record DictWritten(string Name, bool Existed) : IWireMessage;

/// <summary>Client → host: the entries of a dict, one message's worth from entry <paramref name="From"/> (or one key's). Replies <see cref="DictPage"/>.</summary>
internal sealed record ReadDict(string Name, int From, byte[]? Key) : IWireMessage;

/// <summary>Host → client: entries (key, value) of a dict of <paramref name="Total"/> entries.</summary>
internal sealed record DictPage(string Name, int Total, ImmutableArray<byte[]> Keys, ImmutableArray<byte[]> Values) : IWireMessage;

/// <summary>The shared object a request is for.</summary>
internal static class SharedRequests
{
    public static string ObjectOf(object request) => request switch
    {
        AppendValues append => append.List,
        ReadList read => read.List,
        EditList edit => edit.List,
        AddToValue add => add.Name,
        ReadValue read => read.Name,
        SetValue set => set.Name,
        DeleteShared delete => delete.Name,
        AcquireLock acquire => acquire.Name,
        ReleaseLock release => release.Name,
        WriteDict write => write.Name,
        ReadDict read => read.Name,
        _ => "?",
    };
}
