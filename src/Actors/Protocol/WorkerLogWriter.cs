using Microsoft.Extensions.Logging;

namespace ActorParallel.Protocol;

/// <summary>
/// A worker process's log: each record from the driver's level up is written to stderr as a
/// <see cref="WorkerLogLine"/>, which the driver reads and logs to its own logger (a Host node's worker:
/// to its node's). The worker's own ActorSystem logs here too.
/// </summary>
/// <param name="minimum">The lowest level the driver logs (<see cref="WorkerEnvironment.LogLevel"/>).</param>
internal sealed class WorkerLogWriter(LogLevel minimum) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new LineLogger(categoryName, minimum);

    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("A worker process logs to its driver only.");

    public void Dispose()
    {
    }

    private sealed class LineLogger(string category, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var text = formatter(state, exception);
            var line = new WorkerLogLine(logLevel, category, exception is null ? text : $"{text}{Environment.NewLine}{exception}");
            try
            {
                Console.Error.WriteLine(line.ToString());
            }
            catch (Exception error) when (error is IOException or ObjectDisposedException)
            {
                // The driver is gone or its pipe closed: nobody is left to tell.
            }
        }
    }
}
