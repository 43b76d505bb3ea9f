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
}
