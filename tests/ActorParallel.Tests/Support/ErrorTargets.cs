namespace ActorParallel.Tests.Support;

/// <summary>Targets and pool functions that fail in ways a worker must report, not die of.</summary>
public static class ErrorTargets
{
    public static void ThrowUnreadable() => throw new UnreadableMessageException();

    public static int ThrowUnreadableOnThree(int x) => x == 3 ? throw new UnreadableMessageException() : x;

    public static int ThrowCustomOnTwo(int x) => x == 2 ? throw new CustomFailureException($"custom failure on {x}", null) : x;

    public static int ThrowCodedOnTwo(int x) => x == 2 ? throw new CodedFailureException(x) : x;

    public static int ThrowArgumentOnOne(int x) => x == 1 ? throw new ArgumentException("one is not an argument", nameof(x)) : x;

    /// <summary>A linked chain of <paramref name="length"/> records, built without recursion.</summary>
    public static Node? Chain(int length)
    {
        Node? head = null;
        for (var value = length; value > 0; value--)
        {
            head = new Node(value, head);
        }
        return head;
    }

    /// <summary>The chain's length, counted without recursion.</summary>
    public static int Length(Node? node)
    {
        var length = 0;
        for (; node is not null; node = node.Next)
        {
            length++;
        }
        return length;
    }
}

/// <summary>A record holding a stream: it cannot travel, and the error must say which property is to blame.</summary>
public sealed record StreamBox(string Name, Stream Content);

/// <summary>A record that contains itself: a value of it may nest as deep as its chain is long.</summary>
public sealed record Node(int Value, Node? Next);

/// <summary>An exception whose message cannot be read: its getter throws.</summary>
public sealed class UnreadableMessageException : Exception
{
    public override string Message => throw new FormatException("this message cannot be read");
}

/// <summary>A user exception with the (message, inner) constructor: the driver can rebuild it.</summary>
public sealed class CustomFailureException(string message, Exception? innerException) : Exception(message, innerException);

/// <summary>A user exception without the (message, inner) constructor: it stays a RemoteException.</summary>
public sealed class CodedFailureException(int code) : Exception($"failed with code {code}")
{
    public int Code { get; } = code;
}
