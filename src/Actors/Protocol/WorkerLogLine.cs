using System.Text;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Protocol;

/// <summary>
/// A log record a worker process sends its driver on its stderr, one line each: the driver reads a
/// worker's stderr anyway (<c>Driver/Processes/WorkerStderr</c>), takes these lines out of it and logs
/// them to its own <see cref="ILogger"/>, so that a worker's messages reach the application's logging.
/// A line reads <c>#actorparallel-log Warning ActorParallel.Worker text</c>, the text with its backslashes
/// and line breaks escaped.
/// </summary>
/// <param name="Level">The record's level.</param>
/// <param name="Category">Its category (no spaces).</param>
/// <param name="Text">Its message, with the exception if there was one.</param>
internal sealed record WorkerLogLine(LogLevel Level, string Category, string Text)
{
    /// <summary>What every such line starts with.</summary>
    public const string Prefix = "#actorparallel-log ";

    /// <summary>The longest text sent (a longer one is cut): escaped and in UTF-8 it stays under the 8 KiB the driver reads a line in.</summary>
    public const int MaxTextChars = 2000;

    /// <summary>
    /// The line a worker launched ahead of need writes once its runtime is up and it waits to be
    /// adopted: its driver then knows the process is a warm spare (<see cref="ParallelRuntimeOptions.SpareProcesses"/>).
    /// </summary>
    public const string WaitingLine = "#actorparallel-waiting";

    /// <summary>The environment variable that tells a worker the lowest level its driver logs.</summary>
    public const string LevelVariable = "ACTORPARALLEL_WORKER_LOG_LEVEL";

    /// <summary>The line, without its line break.</summary>
    public override string ToString()
    {
        var text = Text.Length > MaxTextChars ? Text[..MaxTextChars] : Text;
        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            escaped.Append(c switch
            {
                '\\' => @"\\",
                '\n' => @"\n",
                '\r' => @"\r",
                _ => c.ToString(),
            });
        }
        return $"{Prefix}{Level} {Category.Replace(' ', '_')} {escaped}";
    }

    /// <summary>The record a line holds, or <see langword="null"/> when it is not such a line (the worker's own output).</summary>
    public static WorkerLogLine? Parse(string line)
    {
        if (!line.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var parts = line[Prefix.Length..].Split(' ', 3);
        if (parts.Length < 3 || !Enum.TryParse<LogLevel>(parts[0], out var level) || !Enum.IsDefined(level))
        {
            return null;
        }
        var text = new StringBuilder(parts[2].Length);
        for (var i = 0; i < parts[2].Length; i++)
        {
            var c = parts[2][i];
            if (c == '\\' && i + 1 < parts[2].Length)
            {
                i++;
                text.Append(parts[2][i] switch { 'n' => '\n', 'r' => '\r', var other => other });
            }
            else
            {
                text.Append(c);
            }
        }
        return new WorkerLogLine(level, parts[1], text.ToString());
    }
}
