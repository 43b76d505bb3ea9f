namespace ActorParallel.Tests.Support;

/// <summary>Targets that use pipe ends from worker processes.</summary>
public static class PipeTargets
{
    /// <summary>Sends back every message until null (mp_bench.py's echo), then bytes reversed once.</summary>
    public static async Task Echo(PipeConnection connection)
    {
        while (await connection.RecvAsync() is { } value)
        {
            connection.Send(value);
        }
        var bytes = await connection.RecvBytesAsync();
        connection.SendBytes([.. bytes.Reverse()]);
    }

    /// <summary>Receives one message, says so in a file, then waits to be killed.</summary>
    public static async Task ReceiveOneThenWait(PipeConnection connection, string marker)
    {
        await connection.RecvAsync();
        File.WriteAllText(marker, "received");
        await Task.Delay(Timeout.Infinite);
    }

    /// <summary>Sends three messages and closes its end.</summary>
    public static async Task SendThreeAndClose(PipeConnection connection)
    {
        connection.Send("a");
        connection.Send("b");
        connection.Send("c");
        await connection.CloseAsync();
    }

    /// <summary>Sends back every message until null.</summary>
    public static async Task EchoUntilNull(PipeConnection connection)
    {
        while (await connection.RecvAsync() is { } value)
        {
            connection.Send(value);
        }
    }

    /// <summary>Sends "a" and "b", says so in a file, then waits to be killed (never closing its end).</summary>
    public static async Task SendTwoThenWait(PipeConnection connection, string marker)
    {
        connection.Send("a");
        connection.Send("b");
        File.WriteAllText(marker, "sent");
        await Task.Delay(Timeout.Infinite);
    }

    /// <summary>Sends 0..count-1 (a pool function); returns this process's id.</summary>
    public static int SendRange(PipeConnection connection, int count)
    {
        for (var i = 0; i < count; i++)
        {
            connection.Send(i);
        }
        return Environment.ProcessId;
    }

    /// <summary>Receives <paramref name="count"/> ints and sends each back doubled (a pool function); returns this process's id.</summary>
    public static int DoubleBack(PipeConnection connection, int count)
    {
        for (var i = 0; i < count; i++)
        {
            connection.Send(2 * connection.RecvAsync<int>().GetAwaiter().GetResult());
        }
        return Environment.ProcessId;
    }

    /// <summary>Receives one message and sends it back (the trial's <c>EchoOnce</c>).</summary>
    public static async Task EchoOnce(PipeConnection connection) => connection.Send(await connection.RecvAsync());
}
